import { Command, Option } from 'commander';
import Table from 'cli-table3';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';
import type { EvalReport, EvalScores } from './run-eval.js';
import { runEval } from './run-eval.js';
import { renderRealEvalTable, runRealEval } from './run-eval-cases.js';
import { parseNonNegativeInt, parsePositiveInt, parseWithout, quietOption } from './shared-options.js';
import { ANALYSIS_SWITCHES } from '../analysis/anomaly-report.js';
import { HELD_OUT_SEED_BASE } from '../workload/eval-cases.js';
import type { WorkloadProfile } from '../workload/realism.js';
import { WORKLOAD_PROFILES } from '../workload/realism.js';
import { InvalidArgumentError } from '../model/index.js';

interface RawEvalOptions {
  cases: string;
  seed: string;
  heldOut?: boolean;
  profile: string;
  format: 'table' | 'json';
  without?: string;
  quiet?: boolean;
}

export function evalCommand(ctx: CliContext): Command {
  return new Command('eval')
    .description('measure anomaly detection and root-cause accuracy on generated fault cases, or on labelled real cases (--cases DIR)')
    .addOption(new Option('--cases <n|dir>', 'number of generated fault cases (kinds rotate, so ≥ 8 covers every kind), or a case folder (case.json + baseline/incident trace files) or a folder of them').default('56'))
    .addOption(new Option('--seed <n>', 'first case seed within the seed range').default('1'))
    .addOption(new Option('--held-out', `use the held-out seeds (from ${HELD_OUT_SEED_BASE}), never used for tuning`))
    .addOption(new Option('--profile <list>', `generator profile(s), comma-separated: ${WORKLOAD_PROFILES.join(', ')} (several: one report each, then side by side)`).default('realistic'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--without <signals>', `switch ranking signals or detection parts off, comma-separated, for ablation: ${ANALYSIS_SWITCHES.join(', ')}`))
    .addOption(quietOption())
    .action(async (raw: RawEvalOptions) => {
      if (!/^\d+$/.test(raw.cases.trim())) {
        let progress = createProgress(ctx, 'evaluating cases', undefined, raw.quiet);
        const report = await runRealEval({
          folder: raw.cases,
          analysis: { without: parseWithout(raw.without, ANALYSIS_SWITCHES) },
          onCasesFound: (total) => (progress = createProgress(ctx, 'evaluating cases', total, raw.quiet)),
          onCase: () => progress.tick(1),
        });
        progress.done();
        ctx.out(raw.format === 'json' ? JSON.stringify(report, null, 2) : renderRealEvalTable(report));
        return;
      }
      const cases = parsePositiveInt(raw.cases, '--cases');
      const seed = parseNonNegativeInt(raw.seed, '--seed');
      const without = parseWithout(raw.without, ANALYSIS_SWITCHES);
      const profiles = parseProfiles(raw.profile);
      const reports: EvalReport[] = [];
      for (const profile of profiles) {
        const progress = createProgress(ctx, `evaluating ${profile} cases`, cases, raw.quiet);
        reports.push(await runEval({ cases, seed, heldOut: Boolean(raw.heldOut), profile, without, onCase: () => progress.tick(1) }));
        progress.done();
      }
      if (raw.format === 'json') ctx.out(JSON.stringify(reports.length === 1 ? reports[0] : { profiles: reports }, null, 2));
      else ctx.out([...reports.map(renderEvalTable), ...(reports.length > 1 ? [renderProfileComparison(reports)] : [])].join('\n\n'));
    });
}

function parseProfiles(text: string): WorkloadProfile[] {
  const names = text.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = names.find((p) => !(WORKLOAD_PROFILES as readonly string[]).includes(p));
  if (bad !== undefined || names.length === 0) throw new InvalidArgumentError(`--profile: expected a comma-separated list of ${WORKLOAD_PROFILES.join(', ')}, got "${text}"`);
  return [...new Set(names)] as WorkloadProfile[];
}

/** One overall row per profile, side by side. */
export function renderProfileComparison(reports: readonly EvalReport[]): string {
  const table = new Table({ head: ['profile', 'cases', 'AC@1', 'AC@3', 'Avg@5', 'precision', 'recall', 'F1'], style: { head: [], border: [] } });
  for (const r of reports) {
    const s = r.overall;
    table.push([r.profile, s.cases, ...[s.ac1, s.ac3, s.avg5, s.precision, s.recall, s.f1].map((x) => x.toFixed(3))]);
  }
  return ['overall by generator profile:', table.toString()].join('\n');
}

/** The per-kind table, the overall row, then the cases not fully found at 1 or at 3. */
export function renderEvalTable(report: EvalReport): string {
  const table = new Table({ head: ['fault kind', 'cases', 'AC@1', 'AC@3', 'Avg@5', 'precision', 'recall', 'F1'], style: { head: [], border: [] } });
  const row = (name: string, s: EvalScores) => [name, s.cases, ...[s.ac1, s.ac3, s.avg5, s.precision, s.recall, s.f1].map((x) => x.toFixed(3))];
  for (const k of report.byKind) table.push(row(k.kind, k));
  table.push(row('overall', report.overall));
  const lines = [
    `${report.profile} profile, ${report.seedRange} seeds ${report.seeds.first}–${report.seeds.last}, ${report.cases.length} cases, ${(report.elapsedMs / 1000).toFixed(1)} s`,
    table.toString(),
  ];
  const levels = (['clear', 'likely', 'none'] as const).map((level) => ({ level, cases: report.cases.filter((c) => c.confidence === level) })).filter((l) => l.cases.length > 0);
  if (levels.length > 0) {
    const part = (l: (typeof levels)[number]) => `${l.level} ${l.cases.length} (AC@1 ${(l.cases.reduce((a, c) => a + c.hitAt1, 0) / l.cases.length).toFixed(3)})`;
    lines.push(`reported confidence: ${levels.map(part).join(', ')}`);
  }
  const misses = report.cases.filter((c) => c.hitAt1 < 1 || c.hitAt3 < 1);
  if (misses.length > 0) {
    lines.push('', 'cases with a true cause missing from the top 1 or top 3:');
    for (const c of misses) {
      lines.push(`  seed ${c.seed} ${c.kind}: ${c.faults.join(' + ')} → ranked ${c.ranked.join(', ') || '(nothing)'} (AC@1 ${c.hitAt1}, AC@3 ${c.hitAt3}${c.confidence ? `, confidence ${c.confidence}` : ''})${c.message ? ` — ${c.message}` : ''}`);
    }
  }
  return lines.join('\n');
}
