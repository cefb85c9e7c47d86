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
  /** Another sketch's `indexes` (same relativeAccuracy), shared by many sketches; else its own. */
  indexes?: BucketIndexTable;
}

/** Values buffered by `add` before they are counted. */
const PENDING_VALUES = 64;
/** Buckets allocated around the first value counted: ±64 buckets is a factor e^(±1.28) at α = 1 %. */
const INITIAL_BUCKETS = 128;

/** Integers below this have their bucket index in a direct table. */
const DIRECT_LIMIT = 4096;
/** Bits of an integer after its leading 1 that select its slot within its octave. */
const SLOT_BITS = 8;

/**
 * ⌈ln v / ln γ⌉ for integers v in [1, 2^31) without a logarithm, equal to the formula by
 * construction: small integers are looked up directly; larger ones fall into one of 2^SLOT_BITS
 * slots of their octave [2^e, 2^(e+1)), each narrower (relative width ≤ 2^−8) than a bucket, so a
 * slot holds at most one bucket boundary, found once by bisection with the formula itself (which
 * is non-decreasing in v). Slots holding more (tiny α) are marked and use the formula. Octaves are
 * filled the first time a value falls into them; sketches of one γ may share a table.
 */
export class BucketIndexTable {
  private readonly direct: Int32Array;
  /** Per slot (e · 2^SLOT_BITS + top bits): the index of the slot's first integer. */
  private readonly base = new Int32Array(32 << SLOT_BITS);
  /** Per slot: the smallest integer whose index is base + 1; Infinity when none, NaN for "use the formula". */
  private readonly threshold = new Float64Array(32 << SLOT_BITS);
  private readonly octaveReady = new Uint8Array(32);

  constructor(readonly logGamma: number) {
    this.direct = new Int32Array(DIRECT_LIMIT);
    for (let v = 1; v < DIRECT_LIMIT; v++) this.direct[v] = this.formula(v);
  }

  formula(v: number): number {
    return Math.ceil(Math.log(v) / this.logGamma);
  }

  /** The bucket index of `v` ≥ 1. */
  index(v: number): number {
    if (v < DIRECT_LIMIT) {
      if ((v | 0) === v) return this.direct[v];
      return this.formula(v);
    }
    if (v >= 2147483648 || (v | 0) !== v) return this.formula(v);
    const e = 31 - Math.clz32(v);
    if (this.octaveReady[e] === 0) this.fillOctave(e);
    const slot = (e << SLOT_BITS) | ((v >>> (e - SLOT_BITS)) & ((1 << SLOT_BITS) - 1));
    const t = this.threshold[slot];
    if (v >= t) return this.base[slot] + 1;
    if (t === t) return this.base[slot];
    return this.formula(v);
  }

  private fillOctave(e: number): void {
    const width = 2 ** (e - SLOT_BITS);
    for (let s = 0; s < 1 << SLOT_BITS; s++) {
      const slot = (e << SLOT_BITS) | s;
      const first = 2 ** e + s * width;
      const last = first + width - 1;
      const lo = this.formula(first);
      const hi = this.formula(last);
      this.base[slot] = lo;
      if (hi === lo) this.threshold[slot] = Infinity;
      else if (hi > lo + 1) this.threshold[slot] = Number.NaN;
      else {
        // Smallest v in (first, last] with formula(v) = hi.
        let a = first;
        let b = last;
        while (b - a > 1) {
          const mid = a + Math.floor((b - a) / 2);
          if (this.formula(mid) === hi) b = mid;
          else a = mid;
        }
        this.threshold[slot] = b;
      }
    }
    this.octaveReady[e] = 1;
  }
}

export class LatencySketch {
  readonly relativeAccuracy: number;
  readonly minValue: number;
  private readonly gamma: number;
  private readonly logGamma: number;
  readonly indexes: BucketIndexTable;
  /** counts[i] is bucket (offset + i); 32 bits: half the memory traffic of doubles, and 4 billion values per bucket. */
  private counts: Uint32Array = new Uint32Array(0);
  private offset = 0;
  private zeroCount = 0;
  private total = 0;
  private sum = 0;
  private minSeen = Infinity;
  private maxSeen = -Infinity;
  /**
   * Values added and not yet counted: applied in order, in bulk, before anything
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
    this.indexes = options.indexes ?? new BucketIndexTable(this.logGamma);
    if (this.indexes.logGamma !== this.logGamma) throw new AnalysisInputError(`analysis/latency-sketch: indexes are for another relativeAccuracy than ${alpha}`);
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

  /** Adds `value` (µs) once. Negative or non-finite values are rejected. */
  add(value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) throw new AnalysisInputError(`analysis/latency-sketch: value must be a finite number ≥ 0, got ${value}`);
    if (this.pending === null) this.pending = new Float64Array(PENDING_VALUES);
    else if (this.pendingCount === PENDING_VALUES) this.settle();
    this.pending[this.pendingCount++] = value;
  }

  /** Counts the pending values. */
  private settle(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    this.pendingCount = 0;
    const pending = this.pending!;
    for (let i = 0; i < n; i++) this.count1(pending[i]);
  }

  private count1(value: number): void {
    this.total++;
    this.sum += value;
    if (value < this.minSeen) this.minSeen = value;
    if (value > this.maxSeen) this.maxSeen = value;
    if (value < this.minValue) {
      this.zeroCount++;
      return;
    }
    const index = value >= 1 ? this.indexes.index(value) : Math.ceil(Math.log(value) / this.logGamma);
    const pos = index - this.offset;
    if (pos >= 0 && pos < this.counts.length) {
      this.counts[pos]++;
      return;
    }
    this.ensure(index, index);
    this.counts[index - this.offset]++;
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

  /** `quantile(q)` for each of `qs` (ascending), in one pass over the buckets. */
  quantiles(qs: readonly number[]): number[] {
    for (let k = 0; k < qs.length; k++) {
      if (!(qs[k] >= 0 && qs[k] <= 1) || (k > 0 && qs[k] < qs[k - 1])) throw new AnalysisInputError(`analysis/latency-sketch: quantiles must be ascending in [0, 1], got ${qs.join(', ')}`);
    }
    this.settle();
    const out = new Array<number>(qs.length).fill(Number.NaN);
    if (this.total === 0) return out;
    let k = 0;
    for (; k < qs.length; k++) {
      if (Math.floor(qs[k] * (this.total - 1)) >= this.zeroCount) break;
      out[k] = this.minSeen < this.minValue ? this.minSeen : 0;
    }
    let seen = this.zeroCount;
    for (let i = 0; i < this.counts.length && k < qs.length; i++) {
      seen += this.counts[i];
      while (k < qs.length && seen > Math.floor(qs[k] * (this.total - 1))) {
        const estimate = (2 * Math.pow(this.gamma, i + this.offset)) / (this.gamma + 1);
        out[k++] = Math.min(this.maxSeen, Math.max(this.minSeen, estimate));
      }
    }
    for (; k < qs.length; k++) out[k] = this.maxSeen;
    return out;
  }

  /** Grows the dense bucket array so that buckets lo…hi are addressable. */
  private ensure(lo: number, hi: number): void {
    if (this.counts.length === 0) {
      const size = Math.max(INITIAL_BUCKETS, hi - lo + 1);
      this.offset = lo - Math.floor((size - (hi - lo + 1)) / 2);
      this.counts = new Uint32Array(size);
      return;
    }
    const curHi = this.offset + this.counts.length - 1;
    if (lo >= this.offset && hi <= curHi) return;
    const newLo = Math.min(lo, this.offset);
    const newHi = Math.max(hi, curHi);
    // Grow with slack on the side that overflowed so repeated growth stays amortised O(1).
    const slack = this.counts.length;
    const allocLo = lo < this.offset ? newLo - slack : newLo;
    const allocHi = hi > curHi ? newHi + slack : newHi;
    const next = new Uint32Array(allocHi - allocLo + 1);
    next.set(this.counts, this.offset - allocLo);
    this.counts = next;
    this.offset = allocLo;
  }
}
