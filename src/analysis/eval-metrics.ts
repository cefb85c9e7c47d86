/**
 * Accuracy metrics for root-cause ranking and anomaly detection.
 *
 * AC@k: the share of cases whose true root cause is among the top k candidates. For a case with
 * several true causes (simultaneous faults) a case scores |truth ∩ top-k| / min(k, |truth|), the PR@k
 * of MicroCause/CloudRanger, which equals the plain hit for one cause.
 * Avg@k: (1/k) · Σ_{j=1..k} AC@j (RCAEval, BARO).
 * Detection: precision, recall and F1 of predicted abnormal traces against labelled ones.
 *
 * Reference: RCAEval (Pham et al., WWW'25 companion), §4 of the analytics notes; MicroCause
 * (Meng et al., IWQoS'20) for PR@k.
 */
import { AnalysisInputError } from '../model/index.js';

/** One case: a ranked candidate list (best first) and its acceptable answers per true cause. */
export interface RankingCase {
  ranked: readonly string[];
  /** One entry per true root cause: the candidate names that count as naming it. */
  truth: ReadonlyArray<readonly string[]>;
}

/**
 * The case's score at k in [0, 1]. A candidate names at most one cause, and duplicate candidates
 * count once, so naming the same cause twice does not score twice.
 */
export function caseHitAtK(c: RankingCase, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new AnalysisInputError(`analysis/eval-metrics: k must be a positive integer, got ${k}`);
  if (c.truth.length === 0) throw new AnalysisInputError('analysis/eval-metrics: a case needs at least one true root cause');
  const found = new Set<number>();
  const seen = new Set<string>();
  for (const name of c.ranked) {
    if (seen.size >= k) break;
    if (seen.has(name)) continue;
    seen.add(name);
    const cause = c.truth.findIndex((accepted, i) => !found.has(i) && accepted.includes(name));
    if (cause >= 0) found.add(cause);
  }
  return found.size / Math.min(k, c.truth.length);
}

/** AC@k over cases; 0 cases → throws (never NaN). */
export function accuracyAtK(cases: readonly RankingCase[], k: number): number {
  if (cases.length === 0) throw new AnalysisInputError('analysis/eval-metrics: no cases to score');
  return cases.reduce((sum, c) => sum + caseHitAtK(c, k), 0) / cases.length;
}

/** Avg@k = mean of AC@1..AC@k. */
export function averageAtK(cases: readonly RankingCase[], k: number): number {
  let sum = 0;
  for (let j = 1; j <= k; j++) sum += accuracyAtK(cases, j);
  return sum / k;
}

export interface DetectionCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface DetectionScores extends DetectionCounts {
  precision: number;
  recall: number;
  f1: number;
}

/** Counts of predicted vs labelled abnormal ids. */
export function detectionCounts(predicted: Iterable<string>, actual: Iterable<string>): DetectionCounts {
  const truth = new Set(actual);
  const pred = new Set(predicted);
  let tp = 0;
  for (const id of pred) if (truth.has(id)) tp++;
  return { truePositives: tp, falsePositives: pred.size - tp, falseNegatives: truth.size - tp };
}

/** Sums counts (micro-averaging across cases). */
export function addDetectionCounts(a: DetectionCounts, b: DetectionCounts): DetectionCounts {
  return {
    truePositives: a.truePositives + b.truePositives,
    falsePositives: a.falsePositives + b.falsePositives,
    falseNegatives: a.falseNegatives + b.falseNegatives,
  };
}

/**
 * Precision, recall and F1. Conventions for empty sets: nothing predicted → precision 1; nothing
 * labelled → recall 1; so predicting nothing when nothing is abnormal scores 1 across the board.
 */
export function detectionScores(c: DetectionCounts): DetectionScores {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = c;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
}

/** Ranks (1-based) at which a ranking first names any true cause, and by which it has named all. */
export interface HitRanks {
  /** Rank of the first candidate naming a true cause; null when none does. */
  first: number | null;
  /** Rank by which every true cause is named; null when some cause is never named. */
  all: number | null;
}

/**
 * Hit ranks of one case. `truth` holds one list of acceptable names per cause; a candidate names at
 * most one cause, and a repeated candidate counts at its first position only.
 */
export function hitRanks(c: RankingCase): HitRanks {
  if (c.truth.length === 0) throw new AnalysisInputError('analysis/eval-metrics: a case needs at least one true root cause');
  const found = new Set<number>();
  const seen = new Set<string>();
  let first: number | null = null;
  for (const name of c.ranked) {
    if (seen.has(name)) continue;
    seen.add(name);
    const cause = c.truth.findIndex((accepted, i) => !found.has(i) && accepted.includes(name));
    if (cause < 0) continue;
    found.add(cause);
    first ??= seen.size;
    if (found.size === c.truth.length) return { first, all: seen.size };
  }
  return { first, all: null };
}

/** Share of cases whose rank (first or all, from hitRanks) is at most k; 0 cases → throws. */
export function shareWithin(ranks: ReadonlyArray<number | null>, k: number): number {
  if (ranks.length === 0) throw new AnalysisInputError('analysis/eval-metrics: no cases to score');
  return ranks.filter((r) => r !== null && r <= k).length / ranks.length;
}
