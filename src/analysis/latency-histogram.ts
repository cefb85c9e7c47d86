/**
 * Latency histogram — baseline and window durations counted in the same log-spaced buckets, for
 * drawing the two distributions side by side. Edges span the smallest to the largest value of both
 * (at least 1 µs), `buckets` buckets of equal width in log space; a value equal to the top edge
 * falls in the last bucket.
 *
 * Reference: Prometheus / OTel exponential histograms (log-scale buckets for latency).
 */
import { AnalysisInputError } from '../model/index.js';

export const DEFAULTS = {
  buckets: 24,
};

export interface LatencyHistogram {
  /** µs, ascending, length buckets + 1. */
  edges: number[];
  baseline: number[];
  window: number[];
}

export function latencyHistogram(baseline: ArrayLike<number>, window: ArrayLike<number>, options: { buckets?: number } = {}): LatencyHistogram {
  const buckets = options.buckets ?? DEFAULTS.buckets;
  if (!Number.isInteger(buckets) || buckets < 1) throw new AnalysisInputError(`analysis/latency-histogram: buckets must be a positive integer, got ${buckets}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of [baseline, window]) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!(v >= 0) || !Number.isFinite(v)) throw new AnalysisInputError(`analysis/latency-histogram: value must be a finite number ≥ 0, got ${v}`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo === Infinity) return { edges: [], baseline: [], window: [] };
  lo = Math.max(1, lo);
  hi = Math.max(hi, lo * 1.01);
  const logLo = Math.log(lo);
  const step = (Math.log(hi) - logLo) / buckets;
  const edges = Array.from({ length: buckets + 1 }, (_, i) => (i === 0 ? lo : i === buckets ? hi : Math.exp(logLo + i * step)));
  const count = (a: ArrayLike<number>) => {
    const c = new Array<number>(buckets).fill(0);
    for (let i = 0; i < a.length; i++) {
      const v = Math.max(1, a[i]);
      c[Math.min(buckets - 1, Math.max(0, Math.floor((Math.log(v) - logLo) / step)))]++;
    }
    return c;
  };
  return { edges, baseline: count(baseline), window: count(window) };
}
