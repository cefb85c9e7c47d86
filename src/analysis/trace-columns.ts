/**
 * Trace columns — many trace summaries packed into shared growable typed arrays, so an incident
 * window of hundreds of thousands of spans costs ~50 bytes a span and no per-span objects.
 * Span j of trace t is row `traceOffset[t] + j`; parents are absolute rows (−1 for roots).
 *
 * Reference: column-oriented span storage as in Grafana Tempo's Parquet schema (vParquet).
 */
import { AnalysisInputError } from '../model/index.js';
import type { TraceSummary } from './span-tree.js';

export const DEFAULTS = {
  initialRows: 1024,
};

type TypedArray = Int32Array | Float64Array | Uint8Array;

class Column<T extends TypedArray> {
  data: T;
  constructor(private readonly make: (n: number) => T, n: number) {
    this.data = make(n);
  }
  ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const next = this.make(cap);
    next.set(this.data as never);
    this.data = next;
  }
}

export class TraceColumns {
  private readonly cols = {
    key: new Column((n) => new Int32Array(n), DEFAULTS.initialRows),
    parent: new Column((n) => new Int32Array(n), DEFAULTS.initialRows),
    duration: new Column((n) => new Float64Array(n), DEFAULTS.initialRows),
    selfTime: new Column((n) => new Float64Array(n), DEFAULTS.initialRows),
    gap: new Column((n) => new Float64Array(n), DEFAULTS.initialRows),
    error: new Column((n) => new Uint8Array(n), DEFAULTS.initialRows),
    instance: new Column((n) => new Int32Array(n), DEFAULTS.initialRows),
    peer: new Column((n) => new Int32Array(n), DEFAULTS.initialRows),
    criticalPath: new Column((n) => new Float64Array(n), DEFAULTS.initialRows),
  };
  private readonly traceCols = {
    offset: new Column((n) => new Int32Array(n), 64),
    startTime: new Column((n) => new Float64Array(n), 64),
    duration: new Column((n) => new Float64Array(n), 64),
    root: new Column((n) => new Int32Array(n), 64),
  };
  readonly traceIds: string[] = [];
  private rows = 0;

  /** Spans stored. */
  get spanCount(): number {
    return this.rows;
  }

  get traceCount(): number {
    return this.traceIds.length;
  }

  /** Appends one trace; `criticalPath` holds µs per span of the summary (same length). */
  add(summary: TraceSummary, criticalPath: Float64Array): void {
    const n = summary.key.length;
    if (criticalPath.length !== n) throw new AnalysisInputError('analysis/trace-columns: critical path length differs from the trace');
    const base = this.rows;
    const end = base + n;
    for (const c of Object.values(this.cols)) c.ensure(end);
    const t = this.traceIds.length;
    for (const c of Object.values(this.traceCols)) c.ensure(t + 1);
    const c = this.cols;
    c.key.data.set(summary.key, base);
    for (let i = 0; i < n; i++) c.parent.data[base + i] = summary.parent[i] < 0 ? -1 : summary.parent[i] + base;
    c.duration.data.set(summary.spanDuration, base);
    c.selfTime.data.set(summary.selfTime, base);
    c.gap.data.set(summary.gap, base);
    c.error.data.set(summary.error, base);
    c.instance.data.set(summary.instance, base);
    c.peer.data.set(summary.peer, base);
    c.criticalPath.data.set(criticalPath, base);
    this.traceCols.offset.data[t] = base;
    this.traceCols.startTime.data[t] = summary.startTime;
    this.traceCols.duration.data[t] = summary.duration;
    this.traceCols.root.data[t] = summary.root + base;
    this.traceIds.push(summary.traceId);
    this.rows = end;
  }

  /** Read-only views over the rows stored so far (invalidated by the next `add`). */
  view(): TraceColumnsView {
    const r = this.rows;
    const t = this.traceIds.length;
    const c = this.cols;
    const offsets = new Int32Array(t + 1);
    offsets.set(this.traceCols.offset.data.subarray(0, t));
    offsets[t] = r;
    return {
      spanCount: r,
      traceCount: t,
      traceIds: this.traceIds,
      traceOffset: offsets,
      traceStart: this.traceCols.startTime.data.subarray(0, t),
      traceDuration: this.traceCols.duration.data.subarray(0, t),
      traceRoot: this.traceCols.root.data.subarray(0, t),
      key: c.key.data.subarray(0, r),
      parent: c.parent.data.subarray(0, r),
      duration: c.duration.data.subarray(0, r),
      selfTime: c.selfTime.data.subarray(0, r),
      gap: c.gap.data.subarray(0, r),
      error: c.error.data.subarray(0, r),
      instance: c.instance.data.subarray(0, r),
      peer: c.peer.data.subarray(0, r),
      criticalPath: c.criticalPath.data.subarray(0, r),
    };
  }
}

/** Column views; span rows of trace t are [traceOffset[t], traceOffset[t + 1]). */
export interface TraceColumnsView {
  spanCount: number;
  traceCount: number;
  traceIds: readonly string[];
  traceOffset: Int32Array;
  traceStart: Float64Array;
  traceDuration: Float64Array;
  traceRoot: Int32Array;
  key: Int32Array;
  parent: Int32Array;
  duration: Float64Array;
  selfTime: Float64Array;
  /** −1 when not applicable. */
  gap: Float64Array;
  error: Uint8Array;
  instance: Int32Array;
  peer: Int32Array;
  criticalPath: Float64Array;
}
