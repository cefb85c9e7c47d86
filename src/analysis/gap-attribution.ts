/**
 * Gap attribution — who a slow client–server gap belongs to: the callee (its network, its queue,
 * its pod's network delay) or the caller (a caller starved of CPU sends and reads every call
 * late). The gap (span-tree.ts) is measured on the callee's server span; it is blamed on the callee
 * unless the caller is the common end of the shifted calls.
 *
 * Rule: a call edge (caller service → callee service) is shifted when its gap outliers pass the
 * same significance test as an operation's (outlier-detection.ts isShifted, against the callee
 * operation's baseline outlier rate), or when, for one callee operation, the edge's window gaps
 * are stochastically larger than that operation's baseline gaps (one-sided Mann–Whitney at the
 * selection z, rank-tests.ts) with medians at least the detection's minimum shift apart. The rank
 * test needs no per-value threshold, so it also sees a shift of every call when the baseline is
 * too short or too mixed (two kinds of call to one operation) for a robust z to flag any one value;
 * the minimum shift keeps it from calling a load-driven drift of microseconds a shift. A fault at the callee (its network, its accept queue) shows
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
import { dominance, mannWhitneyZ } from './rank-tests.js';
import { quantileSorted, StrideSample } from './robust-stats.js';
import { DEFAULTS as BASELINE_DEFAULTS } from './baselines.js';

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
  /** Operation key id per row, and the baseline gap sample (ascending log(1 + µs)) of an operation, null without one. Absent: no rank test. */
  key?: Int32Array;
  baselineGaps?: (key: number) => Float64Array | null;
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
  const shifted = new Set<number>();
  for (const [e, k] of outliers) {
    const m = calls.get(e)!;
    if (isShifted(k, m, expected.get(e)! / m, thresholds)) shifted.add(e);
  }
  if (input.key && input.baselineGaps) for (const e of rankShiftedEdges(input, edgeOf, shifted, thresholds)) shifted.add(e);
  const shiftedOut = new Int32Array(S);
  const shiftedIn = new Int32Array(S);
  for (const e of shifted) {
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

/**
 * Edges whose window gaps to one callee operation are stochastically above its baseline gaps (see
 * the header). Only edges that can change a decision are tested — those out of a caller or into a
 * callee of a gap outlier, not already shifted by their outlier count — on bounded samples of
 * their gaps (as many as a baseline keeps per operation), so the cost does not grow with the window.
 */
function rankShiftedEdges(input: GapAttributionInput, edgeOf: (row: number) => number, shifted: ReadonlySet<number>, t: DetectionThresholds): Set<number> {
  const { key, parent, service, spanSignals } = input;
  const callers = new Set<number>();
  const callees = new Set<number>();
  for (let i = 0; i < spanSignals.length; i++) {
    if (!(spanSignals[i] & SIGNAL_BIT.gap) || edgeOf(i) < 0) continue;
    callers.add(service[parent[i]]);
    callees.add(service[i]);
  }
  const out = new Set<number>();
  if (callers.size === 0) return out;
  const groups = new Map<string, { edge: number; key: number; sample: StrideSample }>();
  for (let i = 0; i < input.gap.length; i++) {
    const e = edgeOf(i);
    if (e < 0 || shifted.has(e) || !(callers.has(service[parent[i]]) || callees.has(service[i]))) continue;
    const id = `${e}:${key![i]}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { edge: e, key: key![i], sample: new StrideSample(BASELINE_DEFAULTS.sampleSize) }));
    g.sample.add(Math.log1p(input.gap[i]));
  }
  for (const g of groups.values()) {
    if (out.has(g.edge)) continue;
    const base = input.baselineGaps!(g.key);
    if (!base || base.length === 0) continue;
    const window = g.sample.sorted();
    const z = mannWhitneyZ(dominance(window, base), window.length, base.length);
    if (z > t.selectionZ && Math.expm1(quantileSorted(window, 0.5)) - Math.expm1(quantileSorted(base, 0.5)) >= t.minShiftUs) out.add(g.edge);
  }
  return out;
}

