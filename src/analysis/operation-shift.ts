/**
 * Operation shift — an operation whose whole own-time distribution moved in the incident window by
 * more than the window's load explains, even when few of its spans cross the per-value outlier test.
 *
 * Why: a fault of a few tens of milliseconds on a service few traces reach (tens of spans a window)
 * with a heavy-tailed baseline of tens of values moves every span of the operation, yet each value
 * stays within median + 3σ of a wide, small baseline (and the p99 floor needs 100 values), so the
 * outlier detection selects nothing and the ranking has no origin span for it. A test of the
 * operation's window values against its baseline sees the move of the whole body at once.
 *
 * Load: a busier window moves load-sensitive operations too (waits for a pooled connection, a CPU
 * or a lock). By the utilisation law the share of requests that wait grows at least in proportion
 * to throughput (load-expectation.ts); applied to every point of the distribution, the window a
 * load step alone would give has P(X > t) = min(1, L · P₀(X > t)), L the window's load over the
 * baseline's. Its median — the *load-expected median* — is the baseline's quantile 1 − 1/(2L)
 * (the median itself when L ≤ 1). The test and the effect are taken against it, so a move a load
 * step of L explains through the share of slow requests gives nothing.
 *
 * Test, per operation key with baseline and window own times (self-time, log(1 + µs); a leaf span's
 * own time is its latency): the sign test of the window's values against the load-expected median
 * (under "moved only by load" at most half of them exceed it; binomial, normal approximation; ties
 * left out), at the detection's `selectionZ` — per operation, as the detection's feature selection
 * tests each (operation, signal) at it: what passes is ranked by its effect, not counted as an
 * abnormal trace. The window's median must also exceed the load-expected one by the detection's
 * `minShiftUs` (1 ms): a move of a few percent of a sub-millisecond handler, which a large sample
 * makes significant, is not a fault to chase. Effect: the sign statistic ((above − below)/n: the
 * share of the window's values above minus below, in (0, 1]) times the log ratio of the window's
 * median over the load-expected median (the severity scale of span-severity.ts) — association ×
 * log ratio, as the ranking's spectrum × severity and the instance score. Signs are counted over
 * every window span (one comparison each); the window's median is taken from a bounded stride
 * sample (the baselines' size) of the operations whose test fired only.
 *
 * Reference: sign test (Arbuthnott 1710; Dixon & Mood, JASA 1946) of a median against a reference
 * quantile; utilisation law, Denning & Buzen, ACM Computing Surveys 10(3), 1978; per-operation
 * latency-distribution comparison between a baseline and an incident window as in MicroRank's
 * detector (WWW'21) and Sage (ASPLOS'21).
 */
import { AnalysisInputError } from '../model/index.js';
import type { DetectionThresholds } from './anomaly-report.js';
import type { Baselines } from './baselines.js';
import { DEFAULTS as BASELINE_DEFAULTS } from './baselines.js';
import { quantileSorted, StrideSample } from './robust-stats.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS = {
  /** Window values kept per operation key whose test fired, for its median; as baselines.ts per (operation, signal). */
  sampleSize: BASELINE_DEFAULTS.sampleSize,
};

export interface OperationShift {
  /** Operation key id (OperationKeys). */
  key: number;
  /** Window values tested (ties with the load-expected median left out) and how many exceed it. */
  n: number;
  above: number;
  /** Sign-test z against the load-expected median. */
  z: number;
  /** (above − below)/n, in (0, 1]. */
  sign: number;
  /** Window median minus the load-expected median, log(1 + µs), > 0. */
  shift: number;
  score: number;
}

/**
 * Per operation key, its shift score (0 without a significant shift), and the findings best first.
 * `loadRatio`: the window's load over the baseline's (load-expectation.ts `loadRatio`).
 */
export function operationShifts(
  view: TraceColumnsView,
  baselines: Baselines,
  keyCount: number,
  loadRatio: number,
  thresholds: Pick<DetectionThresholds, 'selectionZ' | 'minShiftUs'>,
  sampleSize: number = DEFAULTS.sampleSize,
): { byKey: Float64Array; findings: OperationShift[] } {
  if (!(loadRatio > 0) || !Number.isFinite(loadRatio)) throw new AnalysisInputError(`analysis/operation-shift: load ratio must be a finite number > 0, got ${loadRatio}`);
  const { selectionZ, minShiftUs } = thresholds;
  if (!(selectionZ >= 0) || !(minShiftUs >= 0)) throw new AnalysisInputError(`analysis/operation-shift: selectionZ and minShiftUs must be ≥ 0, got ${selectionZ} and ${minShiftUs}`);
  const q = 1 - 1 / (2 * Math.max(1, loadRatio));
  // Per key: the load-expected median, µs (NaN without baseline own times: no comparison is true).
  const reference = new Float64Array(keyCount).fill(NaN);
  for (let k = 0; k < keyCount; k++) {
    const base = baselines.byKey[k]?.selfTime?.sortedLog;
    if (base && base.length > 0) reference[k] = Math.expm1(quantileSorted(base, q));
  }
  // Signs over every window span; ties carry no sign and are left out (an operation with no own
  // time: every value 0 on both sides).
  const above = new Float64Array(keyCount);
  const below = new Float64Array(keyCount);
  const { key, selfTime } = view;
  for (let i = 0; i < view.spanCount; i++) {
    const k = key[i];
    const r = reference[k];
    if (selfTime[i] > r) above[k]++;
    else if (selfTime[i] < r) below[k]++;
  }
  // The window's median only for the operations whose sign test fired, from a bounded sample.
  const samples: Array<StrideSample | undefined> = [];
  const z = new Float64Array(keyCount);
  let candidates = 0;
  for (let k = 0; k < keyCount; k++) {
    const n = above[k] + below[k];
    // Sign test, normal approximation: under "no shift" above ~ Binomial(n, 1/2).
    z[k] = n > 0 ? (above[k] - n / 2) / Math.sqrt(n / 4) : 0;
    if (z[k] > selectionZ) {
      samples[k] = new StrideSample(sampleSize);
      candidates++;
    }
  }
  if (candidates > 0) for (let i = 0; i < view.spanCount; i++) samples[key[i]]?.add(Math.log1p(selfTime[i]));
  const findings: OperationShift[] = [];
  samples.forEach((sample, k) => {
    if (!sample) return;
    const n = above[k] + below[k];
    const median = quantileSorted(sample.sorted(), 0.5);
    const ref = Math.log1p(reference[k]);
    const shift = median - ref;
    if (!(shift > 0) || Math.expm1(median) - reference[k] < minShiftUs) return;
    const sign = (above[k] - below[k]) / n;
    findings.push({ key: k, n, above: above[k], z: z[k], sign, shift, score: sign * shift });
  });
  findings.sort((a, b) => b.score - a.score || a.key - b.key);
  const byKey = new Float64Array(keyCount);
  for (const f of findings) byKey[f.key] = f.score;
  return { byKey, findings };
}
