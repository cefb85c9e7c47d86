/**
 * The `eval` service function: for each generated case, writes the baseline and the incident window
 * into a fresh in-process `memory:` store, runs the anomaly analysis on it, and scores the service
 * ranking (AC@1, AC@3, Avg@5) and the abnormal-trace detection (precision, recall, F1) against the
 * labels, per fault kind and overall.
 *
 * Scoring rules: a ranked service names a fault when it is one of the fault's `rootCauseServices`
 * (the target service; for db-slow also the database peer and its callers). Detection compares the
 * report's abnormal traces with the labelled abnormal traces of the window, micro-averaged (counts are
 * summed over cases before computing P/R/F1).
 */
import type { AnomalyReport, RankingConfidence } from '../analysis/anomaly-report.js';
import type { DetectionCounts, RankingCase } from '../analysis/eval-metrics.js';
import { accuracyAtK, addDetectionCounts, averageAtK, caseHitAtK, detectionCounts, detectionScores } from '../analysis/eval-metrics.js';
import type { Span } from '../model/index.js';
import { InvalidArgumentError } from '../model/index.js';
import { openStore } from '../storage/open-store.js';
import type { SpanReader } from '../storage/types.js';
import { defaultTopology } from '../workload/default-topology.js';
import type { EvalCase, EvalCaseKind, EvalCaseSizing } from '../workload/eval-cases.js';
import { caseKinds, EVAL_SIZING, evalCaseKind, HELD_OUT_SEED_BASE, makeEvalCase } from '../workload/eval-cases.js';
import type { WorkloadProfile } from '../workload/realism.js';
import { acceptableRootCauses, describeFault } from '../workload/faults.js';
import type { Topology } from '../workload/topology.js';
import { generateWorkload } from '../workload/workload.js';
import type { AnomaliesOptions } from './run-anomalies.js';
import { ANOMALIES_DEFAULTS, runAnomalies } from './run-anomalies.js';

export interface EvalOptions {
  /** Number of cases (≥ 1). */
  cases: number;
  /** First seed, counted within the chosen range (development: as is; held-out: + HELD_OUT_SEED_BASE). */
  seed: number;
  heldOut: boolean;
  /** Generator profile; default realistic. */
  profile?: WorkloadProfile;
  topology?: Topology;
  sizing?: EvalCaseSizing;
  /** Ranking signals switched off (ablation). */
  without?: AnomaliesOptions['without'];
  /** Called after each case. */
  onCase?: (done: number, total: number, result: EvalCaseResult) => void;
}

export interface EvalDeps {
  /** The analysis under test; default runAnomalies. */
  analyse?: (reader: SpanReader, opts: AnomaliesOptions) => Promise<AnomalyReport>;
}

export interface EvalCaseResult {
  seed: number;
  kind: EvalCaseKind;
  faults: string[];
  /** Acceptable services per fault. */
  truth: string[][];
  /** Service ranking from the report, best first (top 5). */
  ranked: string[];
  /** 1-based rank of the first correct service, null when absent from the ranking. */
  firstHitRank: number | null;
  hitAt1: number;
  hitAt3: number;
  windowTraces: number;
  labelledAbnormal: number;
  detection: DetectionCounts;
  /** Report's message when it explains an empty result. */
  message?: string;
  /** How confident the report said its ranking was; absent when it ranked nothing. */
  confidence?: RankingConfidence['level'];
}

export interface EvalScores {
  cases: number;
  ac1: number;
  ac3: number;
  avg5: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalReport {
  profile: WorkloadProfile;
  seedRange: 'development' | 'held-out';
  seeds: { first: number; last: number };
  sizing: EvalCaseSizing;
  overall: EvalScores;
  byKind: Array<{ kind: EvalCaseKind } & EvalScores>;
  cases: EvalCaseResult[];
  elapsedMs: number;
}

export const DEVELOPMENT_SEED_LIMIT = HELD_OUT_SEED_BASE - 1;

export async function runEval(opts: EvalOptions, deps: EvalDeps = {}): Promise<EvalReport> {
  if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new InvalidArgumentError(`--cases: expected a positive integer, got ${opts.cases}`);
  const first = opts.heldOut ? HELD_OUT_SEED_BASE + opts.seed : opts.seed;
  const last = first + opts.cases - 1;
  if (!opts.heldOut && last > DEVELOPMENT_SEED_LIMIT) {
    throw new InvalidArgumentError(`--seed: development seeds end at ${DEVELOPMENT_SEED_LIMIT}; seeds from ${HELD_OUT_SEED_BASE} are held out (use --held-out)`);
  }
  const topology = opts.topology ?? defaultTopology();
  const sizing = opts.sizing ?? EVAL_SIZING;
  const profile = opts.profile ?? 'realistic';
  const analyse = deps.analyse ?? runAnomalies;
  const began = performance.now();
  const results: EvalCaseResult[] = [];
  for (let i = 0; i < opts.cases; i++) {
    const evalCase = makeEvalCase(topology, first + i, evalCaseKind(first + i, profile), sizing, profile);
    const result = await runCase(evalCase, analyse, opts.without);
    results.push(result);
    opts.onCase?.(i + 1, opts.cases, result);
  }
  const byKind = caseKinds(profile).filter((k) => results.some((r) => r.kind === k)).map((kind) => ({ kind, ...score(results.filter((r) => r.kind === kind)) }));
  return {
    profile,
    seedRange: opts.heldOut ? 'held-out' : 'development',
    seeds: { first, last },
    sizing,
    overall: score(results),
    byKind,
    cases: results,
    elapsedMs: Math.round(performance.now() - began),
  };
}

async function runCase(c: EvalCase, analyse: NonNullable<EvalDeps['analyse']>, without: EvalOptions['without']): Promise<EvalCaseResult> {
  const { topology } = c;
  const store = await openStore('memory:');
  const labelled = new Set<string>();
  const windowIds = new Set<string>();
  try {
    let batch: Span[] = [];
    for (const g of generateWorkload({ topology, seed: c.seed, start: c.start, duration: c.windowEnd - c.start, rate: c.rate, faults: c.faults, realism: c.realism })) {
      if (g.startTime >= c.windowStart) windowIds.add(g.traceId);
      if (g.faults.some((f) => f.abnormal)) labelled.add(g.traceId);
      batch.push(...g.trace.spans);
      if (batch.length >= 10_000) {
        await store.writeSpans(batch);
        batch = [];
      }
    }
    await store.writeSpans(batch);
    const report = await analyse(store, {
      window: { start: c.windowStart, end: c.windowEnd - 1 },
      baseline: { start: c.start, end: c.windowStart - 1 },
      top: ANOMALIES_DEFAULTS.top,
      method: ANOMALIES_DEFAULTS.method,
      pagerank: ANOMALIES_DEFAULTS.pagerank,
      ...(without?.length ? { without } : {}),
    });
    const truth = c.faults.map((f) => acceptableRootCauses(f, topology));
    const ranked = report.rootCauses.map((r) => r.service);
    const rankingCase: RankingCase = { ranked, truth };
    const firstHit = ranked.findIndex((s) => truth.some((t) => t.includes(s)));
    const predicted = report.abnormalTraces.map((t) => t.traceId).filter((id) => windowIds.has(id));
    const actual = [...labelled].filter((id) => windowIds.has(id));
    return {
      seed: c.seed,
      kind: c.kind,
      faults: c.faults.map(describeFault),
      truth,
      ranked: ranked.slice(0, 5),
      firstHitRank: firstHit >= 0 ? firstHit + 1 : null,
      hitAt1: caseHitAtK(rankingCase, 1),
      hitAt3: caseHitAtK(rankingCase, 3),
      windowTraces: windowIds.size,
      labelledAbnormal: actual.length,
      detection: detectionCounts(predicted, actual),
      ...(report.message ? { message: report.message } : {}),
      ...(report.confidence ? { confidence: report.confidence.level } : {}),
    };
  } finally {
    await store.close();
  }
}

function score(results: readonly EvalCaseResult[]): EvalScores {
  const ranking: RankingCase[] = results.map((r) => ({ ranked: r.ranked, truth: r.truth }));
  const counts = results.reduce((acc, r) => addDetectionCounts(acc, r.detection), { truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  const d = detectionScores(counts);
  return {
    cases: results.length,
    ac1: accuracyAtK(ranking, 1),
    ac3: accuracyAtK(ranking, 3),
    avg5: averageAtK(ranking, 5),
    precision: d.precision,
    recall: d.recall,
    f1: d.f1,
  };
}
