/**
 * Outlier detection — which spans and traces of the incident window are abnormal, and how each
 * operation shifted against its baseline.
 *
 * Per operation and latency signal (total latency, self-time, client–server gap) a value is an
 * outlier when its robust z on log(1 + µs) exceeds `zThreshold` (σ floored at `minLogSigma`), it
 * exceeds the baseline median by `minShiftUs`, and it exceeds the operation's own baseline
 * `tailQuantile` (p99): the robust z reads the body of the distribution, and an operation with a
 * heavy tail (pauses, connection waits: a p99 at 10–40× the median on the real dev traces) has
 * normal values far beyond median + 3σ; a single request is only out of the normal range when it
 * is slower than what 99 in 100 normal requests of its own operation are (the p99 that latency
 * objectives use). The floor needs ≥ 100 baseline values: below that the p99 is the sample maximum.
 * An error span is an outlier on the error signal.
 * Feature selection then keeps an (operation, signal) pair only when its window outlier rate is
 * `selectionRatio` times its expected rate and `selectionZ` binomial standard deviations above the
 * expectation (a binomial test against the baseline rate: an error or a slow call that occurs at
 * its baseline rate is not an anomaly), so operations that did not shift contribute no false
 * alarms. The expected latency outlier rate is the baseline's, raised in proportion to the window's
 * load over the baseline's (`loadRatio`, load-expectation.ts). A span is abnormal on the selected
 * signals it is an outlier on; a trace is abnormal when any span is.
 *
 * Reference: TraceRCA (IWQoS'21) severity per invocation and feature selection ("keep a feature
 * whose severity rose by > 10 %"); Iglewicz–Hoaglin modified z-score; MicroRank's detector as the
 * baseline-window design; Hyndman & Fan (1996) sample quantiles.
 */
import { AnalysisInputError } from '../model/index.js';
import type { AnomalySignal, DetectionThresholds, OperationStats, OperationSummary, SignalCounts, TimeRange } from './anomaly-report.js';
import { ANOMALY_SIGNALS } from './anomaly-report.js';
import type { Baselines, OperationBaseline, SignalBaseline } from './baselines.js';
import { keepBodyShifted } from './body-shift.js';
import { loadExpectedRate } from './load-expectation.js';
import { tracesWithFlaggedRows } from './origin-traces.js';
import type { OperationKeys } from './operation-keys.js';
import { quantileSorted } from './robust-stats.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS: DetectionThresholds = {
  zThreshold: 3,
  minLogSigma: 0.1,
  minShiftUs: 1000,
  selectionRatio: 3,
  selectionZ: 3,
  tailQuantile: 0.99,
};

/** Baseline values a signal needs before its `tailQuantile` floors the threshold. */
export const TAIL_QUANTILE_MIN_SAMPLE = 100;

/** Baseline error rate assumed for an operation absent from the baseline. */
export const UNKNOWN_OPERATION_ERROR_RATE = 0.01;

/** The signals measured in µs, which a load step can move (errors are not). */
const LATENCY_SIGNALS = ['latency', 'selfTime', 'gap'] as const;

/** Bit of each signal in `spanSignals`. */
export const SIGNAL_BIT: Record<AnomalySignal, number> = { latency: 1, selfTime: 2, gap: 4, error: 8 };

export interface OutlierDetection {
  /** Per span row: OR of SIGNAL_BIT for the selected signals the span is an outlier on. */
  spanSignals: Uint8Array;
  /** Per trace: 1 when abnormal. */
  abnormalTrace: Uint8Array;
  abnormalTraceCount: number;
  /** Every operation key in the window, sorted by service, operation, kind. */
  operations: OperationSummary[];
  /** Per operation key: OR of SIGNAL_BIT of its selected signals. */
  selected: Uint8Array;
}

export interface SignalThreshold {
  /** Values above this (µs) are outliers. */
  thresholdUs: number;
  /** Share of baseline values above the threshold, smoothed: (count + 0.5) / (n + 1). */
  baselineRate: number;
}

export function resolveThresholds(partial: Partial<DetectionThresholds> = {}): DetectionThresholds {
  const t = { ...DEFAULTS, ...partial };
  for (const [name, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new AnalysisInputError(`analysis/outlier-detection: threshold ${name} must be a finite number ≥ 0, got ${v}`);
    }
  }
  if (t.tailQuantile > 1) throw new AnalysisInputError(`analysis/outlier-detection: threshold tailQuantile must be in [0, 1], got ${t.tailQuantile}`);
  return t;
}

export function signalThreshold(b: SignalBaseline, t: DetectionThresholds): SignalThreshold {
  const sigma = Math.max(b.sigma, t.minLogSigma);
  let thresholdUs = Math.max(Math.expm1(b.median + t.zThreshold * sigma), Math.expm1(b.median) + t.minShiftUs);
  if (t.tailQuantile > 0 && b.sortedLog.length >= TAIL_QUANTILE_MIN_SAMPLE) thresholdUs = Math.max(thresholdUs, Math.expm1(quantileSorted(b.sortedLog, t.tailQuantile)));
  const logT = Math.log1p(thresholdUs);
  // Count of sample values > logT (ascending array, binary search).
  let lo = 0;
  let hi = b.sortedLog.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b.sortedLog[mid] <= logT) lo = mid + 1;
    else hi = mid;
  }
  const above = b.sortedLog.length - lo;
  return { thresholdUs, baselineRate: (above + 0.5) / (b.sortedLog.length + 1) };
}

/** True when `outliers` of `n` is significantly above a baseline rate `p0`. */
export function isShifted(outliers: number, n: number, p0: number, t: DetectionThresholds): boolean {
  if (outliers === 0 || n === 0) return false;
  const expected = n * p0;
  return outliers >= t.selectionRatio * expected && outliers > expected + t.selectionZ * Math.sqrt(expected * (1 - p0));
}

export interface DetectionOptions {
  /** The window's load over the baseline's (load-expectation.ts); absent or 1: rates as in the baseline. */
  loadRatio?: number;
  /**
   * The window is busier than the baseline (load-expectation.ts `isLoadStep`): latency-type
   * outliers count only in (operation, instance) groups whose body moved (body-shift.ts).
   */
  bodyShift?: boolean;
  /** With `bodyShift`: own-time outliers of busy groups count only in slow runs (body-shift.ts); default true. */
  slowRuns?: boolean;
}

export function detectOutliers(
  window: TraceColumnsView,
  windowRange: TimeRange,
  baselines: Baselines,
  keys: OperationKeys,
  thresholds: DetectionThresholds,
  options: DetectionOptions = {},
): OutlierDetection {
  if (!(windowRange.end >= windowRange.start)) {
    throw new AnalysisInputError(`analysis/outlier-detection: window end ${windowRange.end} is before start ${windowRange.start}`);
  }
  const loadRatio = options.loadRatio ?? 1;
  if (!(loadRatio > 0) || !Number.isFinite(loadRatio)) throw new AnalysisInputError(`analysis/outlier-detection: load ratio must be a finite number > 0, got ${loadRatio}`);
  const nKeys = keys.size;
  const rows = window.spanCount;
  const { key, duration, selfTime, gap, error } = window;

  // Per key and latency signal: threshold (Infinity without a baseline) and baseline rate.
  const thr = { latency: new Float64Array(nKeys).fill(Infinity), selfTime: new Float64Array(nKeys).fill(Infinity), gap: new Float64Array(nKeys).fill(Infinity) };
  const rate = { latency: new Float64Array(nKeys), selfTime: new Float64Array(nKeys), gap: new Float64Array(nKeys), error: new Float64Array(nKeys) };
  for (let k = 0; k < nKeys; k++) {
    const b = baselines.byKey[k];
    rate.error[k] = b ? (b.errors + 0.5) / (b.spans + 1) : UNKNOWN_OPERATION_ERROR_RATE;
    if (!b) continue;
    for (const s of LATENCY_SIGNALS) {
      const sb = b[s];
      if (!sb) continue;
      const st = signalThreshold(sb, thresholds);
      thr[s][k] = st.thresholdUs;
      rate[s][k] = loadExpectedRate(st.baselineRate, loadRatio);
    }
  }

  // Outlier bits per span, before selection; counts per key.
  const raw = new Uint8Array(rows);
  const n = { latency: new Int32Array(nKeys), selfTime: new Int32Array(nKeys), gap: new Int32Array(nKeys), error: new Int32Array(nKeys) };
  const e = { latency: new Int32Array(nKeys), selfTime: new Int32Array(nKeys), gap: new Int32Array(nKeys), error: new Int32Array(nKeys) };
  for (let i = 0; i < rows; i++) {
    const k = key[i];
    let bits = 0;
    n.latency[k]++;
    n.selfTime[k]++;
    n.error[k]++;
    if (duration[i] > thr.latency[k]) bits |= 1;
    if (selfTime[i] > thr.selfTime[k]) bits |= 2;
    if (gap[i] >= 0) {
      n.gap[k]++;
      if (gap[i] > thr.gap[k]) bits |= 4;
    }
    if (error[i]) bits |= 8;
    if (bits & 1) e.latency[k]++;
    if (bits & 2) e.selfTime[k]++;
    if (bits & 4) e.gap[k]++;
    if (bits & 8) e.error[k]++;
    raw[i] = bits;
  }
  const selected = new Uint8Array(nKeys);
  for (let k = 0; k < nKeys; k++) {
    for (const s of ANOMALY_SIGNALS) {
      if (isShifted(e[s][k], n[s][k], rate[s][k], thresholds)) selected[k] |= SIGNAL_BIT[s];
    }
  }

  if (options.bodyShift) {
    const signals = LATENCY_SIGNALS.map((s) => ({
      bit: SIGNAL_BIT[s],
      values: s === 'latency' ? duration : s === 'selfTime' ? selfTime : gap,
      baselineMedianUs: (k: number) => Math.expm1(baselines.byKey[k]![s]!.median),
      ownTime: s !== 'gap',
    }));
    keepBodyShifted(key, window.instance, window.traceOffset, window.traceStart, signals, raw, selected, options.slowRuns ?? true);
  }

  const spanSignals = new Uint8Array(rows);
  const abnormalSpans: SignalCounts[] = Array.from({ length: nKeys }, () => ({ latency: 0, selfTime: 0, gap: 0, error: 0 }));
  for (let i = 0; i < rows; i++) {
    const bits = raw[i] & selected[key[i]];
    spanSignals[i] = bits;
    if (bits) {
      const c = abnormalSpans[key[i]];
      if (bits & 1) c.latency++;
      if (bits & 2) c.selfTime++;
      if (bits & 4) c.gap++;
      if (bits & 8) c.error++;
    }
  }
  const { abnormalTrace, abnormalTraceCount } = tracesWithFlaggedRows(window.traceOffset, spanSignals);

  const operations = summarizeOperations(window, windowRange, baselines, keys, selected, abnormalSpans);
  return { spanSignals, abnormalTrace, abnormalTraceCount, operations, selected };
}

function summarizeOperations(
  window: TraceColumnsView,
  windowRange: TimeRange,
  baselines: Baselines,
  keys: OperationKeys,
  selected: Uint8Array,
  abnormalSpans: SignalCounts[],
): OperationSummary[] {
  const nKeys = keys.size;
  const rows = window.spanCount;
  const count = new Int32Array(nKeys + 1);
  for (let i = 0; i < rows; i++) count[window.key[i] + 1]++;
  for (let k = 0; k < nKeys; k++) count[k + 1] += count[k];
  const pos = count.slice(0, nKeys);
  const dur = new Float64Array(rows);
  const self = new Float64Array(rows);
  const gaps = new Float64Array(rows).fill(Infinity); // Infinity sorts last: "no gap"
  const errs = new Int32Array(nKeys);
  for (let i = 0; i < rows; i++) {
    const k = window.key[i];
    const p = pos[k]++;
    dur[p] = window.duration[i];
    self[p] = window.selfTime[i];
    if (window.gap[i] >= 0) gaps[p] = window.gap[i];
    errs[k] += window.error[i];
  }
  const seconds = Math.max(1, windowRange.end - windowRange.start) / 1e6;
  const out: OperationSummary[] = [];
  for (let k = 0; k < nKeys; k++) {
    const a = count[k];
    const b = count[k + 1];
    if (a === b) continue;
    const d = dur.subarray(a, b).sort();
    const s = self.subarray(a, b).sort();
    const g = gaps.subarray(a, b).sort();
    let gn = 0;
    while (gn < g.length && g[gn] !== Infinity) gn++;
    const gv = g.subarray(0, gn);
    const spans = b - a;
    const w: OperationStats = {
      spans,
      throughput: spans / seconds,
      errorRate: errs[k] / spans,
      p50: quantileSorted(d, 0.5),
      p99: quantileSorted(d, 0.99),
      selfTimeP50: quantileSorted(s, 0.5),
      selfTimeP99: quantileSorted(s, 0.99),
      gapP50: gn ? quantileSorted(gv, 0.5) : null,
      gapP99: gn ? quantileSorted(gv, 0.99) : null,
    };
    const base = baselines.byKey[k];
    const bs = base ? baselineStats(base) : null;
    const id = keys.key(k);
    out.push({
      service: id.service,
      operation: id.operation,
      spanKind: id.spanKind,
      baseline: bs,
      window: w,
      p50Shift: bs && bs.p50 > 0 ? w.p50 / bs.p50 : null,
      p99Shift: bs && bs.p99 > 0 ? w.p99 / bs.p99 : null,
      errorRateShift: bs ? w.errorRate - bs.errorRate : null,
      throughputChange: bs && bs.throughput > 0 ? w.throughput / bs.throughput : null,
      abnormalSpans: abnormalSpans[k],
      signals: ANOMALY_SIGNALS.filter((sig) => selected[k] & SIGNAL_BIT[sig]),
    });
  }
  return out.sort((x, y) => cmp(x.service, y.service) || cmp(x.operation, y.operation) || cmp(x.spanKind, y.spanKind));
}

function baselineStats(b: OperationBaseline): OperationStats {
  const q = (sb: SignalBaseline | null, p: number) => (sb ? Math.expm1(quantileSorted(sb.sortedLog, p)) : 0);
  return {
    spans: b.spans,
    throughput: b.throughput,
    errorRate: b.spans ? b.errors / b.spans : 0,
    p50: q(b.latency, 0.5),
    p99: q(b.latency, 0.99),
    selfTimeP50: q(b.selfTime, 0.5),
    selfTimeP99: q(b.selfTime, 0.99),
    gapP50: b.gap ? q(b.gap, 0.5) : null,
    gapP99: b.gap ? q(b.gap, 0.99) : null,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
