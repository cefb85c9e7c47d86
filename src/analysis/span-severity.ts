/**
 * Span severity — how far a span's own abnormal value is from its operation's baseline, as a
 * natural log, so one scale serves latency, self-time, gap and errors and no unit or system scale
 * enters: a latency value x of an operation whose baseline median is m (of log(1 + µs),
 * baselines.ts) weighs ln((1 + x) / (1 + m)) — e-folds slower than usual, 0.69 for twice as slow,
 * 4.6 for a hundred times; an error weighs ln(1 / p), p the operation's smoothed baseline error
 * rate — e-folds rarer than usual, so an error of an operation that never fails weighs more than
 * one of an operation with background 5xx.
 *
 * Noise is handled before this: only spans that are outliers on a selected signal (robust z per
 * operation, outlier-detection.ts) and originate it (origin-evidence.ts) have a severity. The
 * severity itself deliberately does not divide by the baseline spread: a drifting operation with a
 * narrow baseline (a database call whose time follows load) would otherwise outweigh a hundredfold
 * delay on a jumpy one.
 *
 * Reference: TraceRCA (IWQoS'21) per-invocation anomaly severity; Sage (ASPLOS'21) and ShapleyIQ
 * (ASPLOS'23) attribute the latency increase to the spans whose own time grew; surprisal
 * (self-information, Shannon 1948) for the error weight.
 */
import { AnalysisInputError } from '../model/index.js';
import type { Baselines, SignalBaseline } from './baselines.js';
import { SIGNAL_BIT, UNKNOWN_OPERATION_ERROR_RATE } from './outlier-detection.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS = {};

export interface SpanSeverity {
  /** Per row: severity of what the span originates in its own time (latency, self-time, error). */
  own: Float64Array;
  /** Per row: severity of the span's originated gap outlier (0 without one). */
  gap: Float64Array;
}

/** ln((1 + µs) / (1 + baseline median)), floored at 0; 0 without a baseline. */
export function logRatio(b: SignalBaseline | null | undefined, us: number): number {
  return b ? Math.max(0, Math.log1p(us) - b.median) : 0;
}

/** Severities of the spans' originated signals (`origins`: bits per row, origin-evidence.ts). */
export function spanSeverity(view: TraceColumnsView, origins: Uint8Array, baselines: Baselines): SpanSeverity {
  const n = view.spanCount;
  if (origins.length !== n) throw new AnalysisInputError(`analysis/span-severity: ${origins.length} origin rows for ${n} spans`);
  const own = new Float64Array(n);
  const gap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = origins[i];
    if (!o) continue;
    const b = baselines.byKey[view.key[i]];
    let s = 0;
    if (o & SIGNAL_BIT.latency) s = Math.max(s, logRatio(b?.latency, view.duration[i]));
    if (o & SIGNAL_BIT.selfTime) s = Math.max(s, logRatio(b?.selfTime, view.selfTime[i]));
    if (o & SIGNAL_BIT.error) s = Math.max(s, -Math.log(b ? (b.errors + 0.5) / (b.spans + 1) : UNKNOWN_OPERATION_ERROR_RATE));
    own[i] = s;
    if (o & SIGNAL_BIT.gap) gap[i] = logRatio(b?.gap, view.gap[i]);
  }
  return { own, gap };
}
