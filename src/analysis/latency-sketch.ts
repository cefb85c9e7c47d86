/**
 * Latency sketch — a mergeable log-bucket quantile sketch with relative-error guarantee.
 *
 * Values (µs, ≥ 0) fall into buckets of geometrically growing width γ = (1+α)/(1−α); bucket i holds
 * values in (γ^(i−1), γ^i] and is reported as 2γ^i/(γ+1), so every quantile estimate is within a
 * relative error α of a value whose rank is the requested one. Values below `minValue` share one
 * zero bucket. Memory is one counter per occupied bucket range (≈ 1,000 for 1 µs … 1,000 s at
 * α = 1 %), independent of the number of values. Two sketches with the same α merge by adding counts.
 *
 * Reference: Masson, Rim, Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
 * Relative-Error Guarantees", VLDB 2019 (unbounded, dense-store variant).
 */
import { AnalysisInputError } from '../model/index.js';

export const LATENCY_SKETCH_DEFAULTS = {
  /** Relative accuracy α of every quantile estimate. */
  relativeAccuracy: 0.01,
  /** Values below this (µs) are counted in the zero bucket and reported as 0. */
  minValue: 1,
} as const;

export interface LatencySketchOptions {
  relativeAccuracy?: number;
  minValue?: number;
}

/** Values buffered by `add` before they are counted. */
const PENDING_VALUES = 64;

export class LatencySketch {
  readonly relativeAccuracy: number;
  readonly minValue: number;
  private readonly gamma: number;
  private readonly logGamma: number;
  /** counts[i] is bucket (offset + i). */
  private counts: Float64Array = new Float64Array(0);
  private offset = 0;
  private zeroCount = 0;
  private total = 0;
  private sum = 0;
  private minSeen = Infinity;
  private maxSeen = -Infinity;
  /**
   * Values added with weight 1 and not yet counted: applied in order, in bulk, before anything
   * reads the sketch — the same result as counting each at once, with the buckets hot in cache.
   */
  private pending: Float64Array | null = null;
  private pendingCount = 0;

  constructor(options: LatencySketchOptions = {}) {
    const alpha = options.relativeAccuracy ?? LATENCY_SKETCH_DEFAULTS.relativeAccuracy;
    if (!(alpha > 0 && alpha < 1)) throw new AnalysisInputError(`analysis/latency-sketch: relativeAccuracy must be in (0, 1), got ${alpha}`);
    this.relativeAccuracy = alpha;
    this.minValue = options.minValue ?? LATENCY_SKETCH_DEFAULTS.minValue;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
  }

  /** Number of values added. */
  get count(): number {
    this.settle();
    return this.total;
  }

  /** Exact mean of the values added (NaN when empty). */
  get mean(): number {
    this.settle();
    return this.total === 0 ? Number.NaN : this.sum / this.total;
  }

  /** Exact smallest / largest value added (NaN when empty). */
  get min(): number {
    this.settle();
    return this.total === 0 ? Number.NaN : this.minSeen;
  }

  get max(): number {
    this.settle();
    return this.total === 0 ? Number.NaN : this.maxSeen;
  }

  /** Adds `value` (µs) `weight` times. Negative or non-finite values are rejected. */
  add(value: number, weight = 1): void {
    if (!(value >= 0) || !Number.isFinite(value)) throw new AnalysisInputError(`analysis/latency-sketch: value must be a finite number ≥ 0, got ${value}`);
    if (weight === 1) {
      if (this.pending === null) this.pending = new Float64Array(PENDING_VALUES);
      else if (this.pendingCount === PENDING_VALUES) this.settle();
      this.pending[this.pendingCount++] = value;
      return;
    }
    this.settle();
    this.count1(value, weight);
  }

  /** Counts the pending values. */
  private settle(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    this.pendingCount = 0;
    const pending = this.pending!;
    for (let i = 0; i < n; i++) this.count1(pending[i], 1);
  }

  private count1(value: number, weight: number): void {
    this.total += weight;
    this.sum += value * weight;
    if (value < this.minSeen) this.minSeen = value;
    if (value > this.maxSeen) this.maxSeen = value;
    if (value < this.minValue) {
      this.zeroCount += weight;
      return;
    }
    const index = Math.ceil(Math.log(value) / this.logGamma);
    const pos = index - this.offset;
    if (pos >= 0 && pos < this.counts.length) {
      this.counts[pos] += weight;
      return;
    }
    this.ensure(index, index);
    this.counts[index - this.offset] += weight;
  }

  /** Adds every value of `other` into this sketch; both must share α and minValue. */
  merge(other: LatencySketch): void {
    this.settle();
    other.settle();
    if (other.relativeAccuracy !== this.relativeAccuracy || other.minValue !== this.minValue) {
      throw new AnalysisInputError('analysis/latency-sketch: cannot merge sketches with different accuracy');
    }
    if (other.total === 0) return;
    this.total += other.total;
    this.sum += other.sum;
    this.zeroCount += other.zeroCount;
    this.minSeen = Math.min(this.minSeen, other.minSeen);
    this.maxSeen = Math.max(this.maxSeen, other.maxSeen);
    if (other.counts.length === 0) return;
    this.ensure(other.offset, other.offset + other.counts.length - 1);
    for (let i = 0; i < other.counts.length; i++) this.counts[other.offset + i - this.offset] += other.counts[i];
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) estimate in µs, within relative error α of the value of rank
   * ⌊q·(n−1)⌋; NaN when empty. The estimate is clamped to the exact [min, max].
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new AnalysisInputError(`analysis/latency-sketch: quantile must be in [0, 1], got ${q}`);
    this.settle();
    if (this.total === 0) return Number.NaN;
    const rank = Math.floor(q * (this.total - 1));
    if (rank < this.zeroCount) return this.minSeen < this.minValue ? this.minSeen : 0;
    let seen = this.zeroCount;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen > rank) {
        const estimate = (2 * Math.pow(this.gamma, i + this.offset)) / (this.gamma + 1);
        return Math.min(this.maxSeen, Math.max(this.minSeen, estimate));
      }
    }
    return this.maxSeen;
  }

  /** Grows the dense bucket array so that buckets lo…hi are addressable. */
  private ensure(lo: number, hi: number): void {
    if (this.counts.length === 0) {
      this.offset = lo;
      this.counts = new Float64Array(Math.max(16, hi - lo + 1));
      return;
    }
    const curHi = this.offset + this.counts.length - 1;
    if (lo >= this.offset && hi <= curHi) return;
    const newLo = Math.min(lo, this.offset);
    const newHi = Math.max(hi, curHi);
    // Grow with slack on the side that overflowed so repeated growth stays amortised O(1).
    const slack = Math.max(8, this.counts.length >> 1);
    const allocLo = lo < this.offset ? newLo - slack : newLo;
    const allocHi = hi > curHi ? newHi + slack : newHi;
    const next = new Float64Array(allocHi - allocLo + 1);
    next.set(this.counts, this.offset - allocLo);
    this.counts = next;
    this.offset = allocLo;
  }
}
