/**
 * Gap attribution — who a slow client–server gap belongs to: the callee (its network, its queue,
 * its pod's network delay) or the caller (a caller starved of CPU sends and reads every call
 * late). The gap (span-tree.ts) is measured on the callee's server span; it is blamed on the callee
 * unless the caller is the common end of the shifted calls.
 *
 * Rule: a call edge (caller service → callee service) is shifted when its gap outliers pass the
 * same significance test as an operation's (outlier-detection.ts isShifted, against the callee
 * operation's baseline outlier rate). A fault at the callee (its network, its accept queue) shows
 * on its calls from every caller; a fault at the caller (a starved or delayed client) on its calls
 * to every callee. So a gap outlier on A → C is blamed on the callee C only when a larger share of
 * C's incoming edges is shifted than of A's outgoing edges; otherwise it stays with the caller,
 * whose client span measured the time (the critical path runs through that client span, CRISP).
 * Shares, not counts, so a caller with many healthy callees is not blamed for one slow callee.
 *
 * Reference: the fault-propagation reading of Nezha (FSE'23) and MicroHECL (ICSE-SEIP'21): an
 * anomaly common to all outgoing calls of a node points at the node, one common to all incoming
 * calls at the callee; jaeger-analytics-java network latency (client − server duration).
 */
import type { DetectionThresholds } from './anomaly-report.js';
import { AnalysisInputError } from '../model/index.js';
import { isShifted, SIGNAL_BIT } from './outlier-detection.js';

export const DEFAULTS = {};

export interface GapAttributionInput {
  /** Parent row per span row (−1 for roots). */
  parent: Int32Array;
  /** Service id per span row (0 ≤ id < serviceCount). */
  service: Int32Array;
  serviceCount: number;
  /** Gap µs per row, −1 when the row is not a server span under a client. */
  gap: Float64Array;
  /** Outlier signal bits per row (before selection is fine: edges are tested here). */
  spanSignals: Uint8Array;
  /** Baseline gap outlier rate of the row's operation (smoothed, > 0). */
  baselineRate: (row: number) => number;
}

/**
 * Per row: the row the row's gap excess belongs to — the row itself (the callee's server span) or
 * its parent (the caller's client span) — or −1 for rows without a gap outlier.
 */
export function attributeGaps(input: GapAttributionInput, thresholds: DetectionThresholds): Int32Array {
  const { parent, service, serviceCount: S, gap, spanSignals } = input;
  const n = parent.length;
  if (service.length !== n || gap.length !== n || spanSignals.length !== n) throw new AnalysisInputError('analysis/gap-attribution: column lengths differ');
  // Per edge (caller · S + callee): calls, gap outliers, expected outliers under the baseline.
  const calls = new Map<number, number>();
  const outliers = new Map<number, number>();
  const expected = new Map<number, number>();
  const edgeOf = (i: number) => (gap[i] >= 0 && parent[i] >= 0 && service[parent[i]] !== service[i] ? service[parent[i]] * S + service[i] : -1);
  for (let i = 0; i < n; i++) {
    const e = edgeOf(i);
    if (e < 0) continue;
    calls.set(e, (calls.get(e) ?? 0) + 1);
    expected.set(e, (expected.get(e) ?? 0) + input.baselineRate(i));
    if (spanSignals[i] & SIGNAL_BIT.gap) outliers.set(e, (outliers.get(e) ?? 0) + 1);
  }
  // Per service: call edges out and in, and how many of them are shifted.
  const out = new Int32Array(S);
  const into = new Int32Array(S);
  for (const e of calls.keys()) {
    out[Math.floor(e / S)]++;
    into[e % S]++;
  }
  const shiftedOut = new Int32Array(S);
  const shiftedIn = new Int32Array(S);
  for (const [e, k] of outliers) {
    const m = calls.get(e)!;
    if (!isShifted(k, m, expected.get(e)! / m, thresholds)) continue;
    shiftedOut[Math.floor(e / S)]++;
    shiftedIn[e % S]++;
  }
  const blame = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!(spanSignals[i] & SIGNAL_BIT.gap)) continue;
    const e = edgeOf(i);
    if (e < 0) {
      blame[i] = i;
      continue;
    }
    const caller = Math.floor(e / S);
    const callee = e % S;
    blame[i] = shiftedOut[caller] / out[caller] >= shiftedIn[callee] / into[callee] ? parent[i] : i;
  }
  return blame;
}
