/**
 * Robust statistics — median, MAD and quantiles of samples, and a bounded deterministic sample.
 *
 * The median absolute deviation (MAD) scaled by 1.4826 estimates σ of a normal distribution while
 * ignoring up to half the values as outliers; the modified z-score is (x − median) / (1.4826·MAD)
 * (Iglewicz–Hoaglin use 0.6745·(x − median)/MAD, the same quantity). The stride sample keeps at most
 * `capacity` values of a stream by keeping every 2^k-th value, doubling k whenever it fills up, so
 * the values it keeps are spread evenly over the stream (time order for traces) with no randomness.
 *
 * Reference: Iglewicz & Hoaglin, "How to Detect and Handle Outliers" (ASQC 1993); Hyndman & Fan
 * (1996) quantile definition 7 (linear interpolation, R's default).
 */
import { AnalysisInputError } from '../model/index.js';

export const DEFAULTS = {
  /** Consistency constant making MAD an estimator of σ under normality. */
  madScale: 1.4826,
  /** Values kept by a StrideSample. */
  capacity: 2048,
};

/** Quantile q ∈ [0, 1] of ascending `sorted` (type 7); throws on an empty sample. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new AnalysisInputError(`analysis/robust-stats: quantile must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) throw new AnalysisInputError('analysis/robust-stats: quantile of an empty sample');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

export interface RobustLocation {
  median: number;
  /** 1.4826 · MAD: a robust σ. */
  sigma: number;
}

/** Median and scaled MAD of ascending `sorted`; throws on an empty sample. */
export function robustLocation(sorted: ArrayLike<number>): RobustLocation {
  const median = quantileSorted(sorted, 0.5);
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i] - median);
  dev.sort();
  return { median, sigma: DEFAULTS.madScale * quantileSorted(dev, 0.5) };
}

/** A bounded, deterministic, time-spread sample of a stream of numbers. */
export class StrideSample {
  private values: Float64Array;
  private length = 0;
  private stride = 1;
  private skipped = 0;
  /** Values offered, kept or not. */
  seen = 0;

  constructor(readonly capacity: number = DEFAULTS.capacity) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new AnalysisInputError(`analysis/robust-stats: capacity must be an integer ≥ 2, got ${capacity}`);
    this.values = new Float64Array(Math.min(capacity, 16));
  }

  add(value: number): void {
    this.seen++;
    if (++this.skipped < this.stride) return;
    this.skipped = 0;
    if (this.length === this.capacity) {
      // Keep every other value and double the stride.
      let j = 0;
      for (let i = 1; i < this.length; i += 2) this.values[j++] = this.values[i];
      this.length = j;
      this.stride *= 2;
      this.skipped = 0;
      return;
    }
    if (this.length === this.values.length) {
      const next = new Float64Array(Math.min(this.capacity, this.values.length * 2));
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = value;
  }

  get size(): number {
    return this.length;
  }

  /** The kept values, ascending (a copy). */
  sorted(): Float64Array {
    const out = this.values.slice(0, this.length);
    out.sort();
    return out;
  }
}
