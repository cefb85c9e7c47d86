/**
 * Origin traces — which traces of the window are abnormal: those holding at least one origin span
 * (origin-evidence.ts), a span whose own time, own gap, own error or (a leaf's) latency is an
 * outlier on a selected signal. A trace whose only outliers are total latencies of spans with
 * children holds no span that is itself abnormal: its parents are slower because several children
 * are each a little slower within their normal range (a busier window), which one trace cannot
 * tell from noise. Such a trace is normal; the parents' shift still shows in the operation summary.
 *
 * Reference: TraceRCA (IWQoS'21) — a trace is anomalous through its anomalous invocations, judged
 * per invocation on its own features; MicroHECL (ICSE-SEIP'21) — anomaly propagation chains end in
 * the span that originates them.
 */
import { AnalysisInputError } from '../model/index.js';

export interface TraceAbnormality {
  /** Per trace: 1 when abnormal. */
  abnormalTrace: Uint8Array;
  abnormalTraceCount: number;
}

/**
 * Per trace (rows `traceOffset[t]` … `traceOffset[t + 1] − 1`), 1 when any row has a bit set in
 * `rowBits`: with origin bits (origin-evidence.ts) the traces this file calls abnormal; with outlier
 * bits (outlier-detection.ts) the traces holding any outlier span.
 */
export function tracesWithFlaggedRows(traceOffset: ArrayLike<number>, rowBits: Uint8Array): TraceAbnormality {
  const traces = traceOffset.length - 1;
  if (traces < 0 || traceOffset[traces] !== rowBits.length) {
    throw new AnalysisInputError(`analysis/origin-traces: trace offsets end at ${traces < 0 ? 'nothing' : traceOffset[traces]}, but ${rowBits.length} span rows`);
  }
  const abnormalTrace = new Uint8Array(traces);
  let abnormalTraceCount = 0;
  for (let t = 0; t < traces; t++) {
    for (let i = traceOffset[t]; i < traceOffset[t + 1]; i++) {
      if (rowBits[i]) {
        abnormalTrace[t] = 1;
        abnormalTraceCount++;
        break;
      }
    }
  }
  return { abnormalTrace, abnormalTraceCount };
}
