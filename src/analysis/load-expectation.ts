/**
 * Load expectation — how many latency outliers an operation is expected to show in the incident
 * window when the window carries more load than the baseline, so that a load step alone does not
 * select every load-sensitive operation (a database caller whose connection waits grow with load).
 *
 *   load ratio  L = (window traces / window seconds) / (baseline traces / baseline seconds)
 *   expected outlier rate at L = min(1, p₀ · max(1, L))
 *
 * The utilisation law (U = X · S: utilisation is throughput times service demand) makes the share
 * of requests that find a shared resource busy — a pooled connection, a CPU, a lock — grow in
 * proportion to throughput (in an M/M/1 queue the probability of waiting is exactly ρ = U); the
 * waits themselves also grow (as 1/(1 − ρ)), so outliers grow at least in proportion to load: the
 * proportional part is the part a throughput change alone explains, whatever the operation's
 * utilisation (which a short baseline cannot measure). A higher load only raises the expectation;
 * a lower one leaves it (a quieter window does not make an operation's normal tail suspicious).
 * Errors are not scaled: a request that waits longer does not fail at the same rate per wait.
 * The ratio is the whole system's (every trace), not the operation's own, because a rarely called
 * operation's own rate over a few minutes is dominated by counting noise.
 *
 * Reference: Denning & Buzen, "The Operational Analysis of Queueing Network Models", ACM Computing
 * Surveys 10(3), 1978 (utilisation law); Kleinrock, Queueing Systems vol. 1 (1975), M/M/1 waiting
 * probability ρ and mean wait ρ/(μ − λ).
 */
import { AnalysisInputError } from '../model/index.js';
import type { TimeRange } from './anomaly-report.js';

/** The window's trace rate over the baseline's, or 1 when either has no traces to rate. */
export function loadRatio(windowTraces: number, window: TimeRange, baselineTraces: number, baseline: TimeRange): number {
  for (const [what, r] of [['window', window], ['baseline', baseline]] as const) {
    if (!(r.end >= r.start)) throw new AnalysisInputError(`analysis/load-expectation: ${what} end ${r.end} is before start ${r.start}`);
  }
  if (windowTraces <= 0 || baselineTraces <= 0) return 1;
  // Ranges are inclusive µs bounds; a zero-length range counts as 1 µs (as baselines.ts does).
  const windowRate = windowTraces / Math.max(1, window.end - window.start);
  const baselineRate = baselineTraces / Math.max(1, baseline.end - baseline.start);
  return windowRate / baselineRate;
}

/**
 * True when the window's trace rate is above the baseline's by more than counting noise: the log
 * of the ratio of two Poisson rates has standard error √(1/n_window + 1/n_baseline), and the step
 * must exceed `z` of them (the selection z of outlier-detection.ts).
 */
export function isLoadStep(ratio: number, windowTraces: number, baselineTraces: number, z: number): boolean {
  if (windowTraces <= 0 || baselineTraces <= 0 || !(ratio > 1)) return false;
  return Math.log(ratio) > z * Math.sqrt(1 / windowTraces + 1 / baselineTraces);
}

/** The outlier rate expected at load ratio `ratio` of an operation whose baseline rate is `p0`. */
export function loadExpectedRate(p0: number, ratio: number): number {
  return Math.min(1, p0 * Math.max(1, ratio));
}
