/**
 * Origin evidence — in each abnormal trace, the spans where the anomaly starts rather than the
 * spans it merely propagated through.
 *
 * A span abnormal on self-time or on the client–server gap is an origin of that signal: the extra
 * time is its own (or, for the gap, the network and queue in front of it) — except self-time of a
 * span with a failing abnormal child, which is retry and back-off work the failure caused. A span abnormal on
 * error is an origin only when no child is abnormal — the deepest abnormal span that no abnormal
 * child explains (a parent's timeout error is explained by its slow child). A span abnormal on
 * total latency is an origin only when it has no children at all (`leafLatencyOnly`, default):
 * the time of a span with children is its self-time plus theirs, and its own part is judged by the
 * self-time signal — otherwise a parent whose children are not judged (an operation absent from
 * the baseline, a child not in the trace) would take their delay. With `leafLatencyOnly` false, a
 * span with children but no abnormal child is a latency origin too.
 *
 * Reference: TraceRCA (IWQoS'21) in-set score |abnormal incoming − abnormal outgoing invocations|;
 * MicroHECL (ICSE-SEIP'21) anomaly propagation chains followed from the entry to their end.
 */
import { AnalysisInputError } from '../model/index.js';
import { SIGNAL_BIT } from './outlier-detection.js';

/**
 * Per span row, OR of SIGNAL_BIT for the signals the span originates. `parent` holds absolute
 * parent rows (−1 for roots) and `spanSignals` the abnormal signal bits per row, same length.
 */
export function originSignals(parent: Int32Array, spanSignals: Uint8Array, leafLatencyOnly = true): Uint8Array {
  const n = parent.length;
  if (spanSignals.length !== n) throw new AnalysisInputError(`analysis/origin-evidence: ${spanSignals.length} signal rows for ${n} spans`);
  // Per span: OR of its children's signal bits, and whether it has children at all.
  const childBits = new Uint8Array(n);
  const hasChild = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    if (p >= n) throw new AnalysisInputError(`analysis/origin-evidence: parent row ${p} of span ${i} out of range`);
    if (p >= 0) {
      childBits[p] |= spanSignals[i];
      hasChild[p] = 1;
    }
  }
  const out = new Uint8Array(n);
  const own = SIGNAL_BIT.selfTime | SIGNAL_BIT.gap;
  const propagated = SIGNAL_BIT.latency | SIGNAL_BIT.error;
  for (let i = 0; i < n; i++) {
    const bits = spanSignals[i];
    if (!bits) continue;
    let o = bits & own;
    if (childBits[i] & SIGNAL_BIT.error) o &= ~SIGNAL_BIT.selfTime;
    if (!childBits[i]) o |= bits & (hasChild[i] && leafLatencyOnly ? SIGNAL_BIT.error : propagated);
    out[i] = o;
  }
  return out;
}
