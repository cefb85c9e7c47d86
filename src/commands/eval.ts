import { Command, Option } from 'commander';
import Table from 'cli-table3';
import type { CliContext } from '../cli/context.js';
import { createProgress } from '../cli/progress.js';
import type { EvalReport, EvalScores } from './run-eval.js';
import { runEval } from './run-eval.js';
import { renderRealEvalTable, runRealEval } from './run-eval-cases.js';
import { parseNonNegativeInt, parsePositiveInt, quietOption } from './shared-options.js';
import { HELD_OUT_SEED_BASE } from '../workload/eval-cases.js';

interface RawEvalOptions {
  cases: string;
  seed: string;
  heldOut?: boolean;
  format: 'table' | 'json';
  quiet?: boolean;
}

export function evalCommand(ctx: CliContext): Command {
  return new Command('eval')
    .description('measure anomaly detection and root-cause accuracy on generated fault cases, or on labelled real cases (--cases DIR)')
    .addOption(new Option('--cases <n|dir>', 'number of generated fault cases (kinds rotate, so ≥ 8 covers every kind), or a case folder (case.json + baseline/incident trace files) or a folder of them').default('56'))
    .addOption(new Option('--seed <n>', 'first case seed within the seed range').default('1'))
    .addOption(new Option('--held-out', `use the held-out seeds (from ${HELD_OUT_SEED_BASE}), never used for tuning`))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(quietOption())
    .action(async (raw: RawEvalOptions) => {
      if (!/^\d+$/.test(raw.cases.trim())) {
        let progress = createProgress(ctx, 'evaluating cases', undefined, raw.quiet);
        const report = await runRealEval({
          folder: raw.cases,
          onCasesFound: (total) => (progress = createProgress(ctx, 'evaluating cases', total, raw.quiet)),
          onCase: () => progress.tick(1),
        });
        progress.done();
        ctx.out(raw.format === 'json' ? JSON.stringify(report, null, 2) : renderRealEvalTable(report));
        return;
      }
      const cases = parsePositiveInt(raw.cases, '--cases');
      const progress = createProgress(ctx, 'evaluating cases', cases, raw.quiet);
      const report = await runEval({ cases, seed: parseNonNegativeInt(raw.seed, '--seed'), heldOut: Boolean(raw.heldOut), onCase: () => progress.tick(1) });
      progress.done();
      ctx.out(raw.format === 'json' ? JSON.stringify(report, null, 2) : renderEvalTable(report));
    });
}

/** The per-kind table, the overall row, then the cases not fully found at 1 or at 3. */
export function renderEvalTable(report: EvalReport): string {
  const table = new Table({ head: ['fault kind', 'cases', 'AC@1', 'AC@3', 'Avg@5', 'precision', 'recall', 'F1'], style: { head: [], border: [] } });
  const row = (name: string, s: EvalScores) => [name, s.cases, ...[s.ac1, s.ac3, s.avg5, s.precision, s.recall, s.f1].map((x) => x.toFixed(3))];
  for (const k of report.byKind) table.push(row(k.kind, k));
  table.push(row('overall', report.overall));
  const lines = [
    `${report.seedRange} seeds ${report.seeds.first}–${report.seeds.last}, ${report.cases.length} cases, ${(report.elapsedMs / 1000).toFixed(1)} s`,
    table.toString(),
  ];
  const misses = report.cases.filter((c) => c.hitAt1 < 1 || c.hitAt3 < 1);
  if (misses.length > 0) {
    lines.push('', 'cases with a true cause missing from the top 1 or top 3:');
    for (const c of misses) {
      lines.push(`  seed ${c.seed} ${c.kind}: ${c.faults.join(' + ')} → ranked ${c.ranked.join(', ') || '(nothing)'} (AC@1 ${c.hitAt1}, AC@3 ${c.hitAt3})${c.message ? ` — ${c.message}` : ''}`);
    }
  }
  return lines.join('\n');
}
