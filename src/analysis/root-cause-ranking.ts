/**
 * Root-cause ranking — scores candidate nodes (services, or (service, operation) pairs) of an
 * incident window: spectrum score over abnormal vs normal traces (Ochiai, Jaccard or DStar),
 * optionally with MicroRank's PageRank weights on ef and ep, multiplied by a weight:
 *
 * - with span severities (the default in `anomalies`): the node's mean severity — over every
 *   window trace through the node, the largest severity (span-severity.ts) of an origin span the
 *   node holds in that trace (its own spans' origins, and the gaps gap-attribution.ts gives it),
 *   0 in a trace where it originates nothing. A mean over the traces through the node, not over
 *   all traces, so a low-traffic service with a large fault is not outweighed by a busy one with a
 *   small drift, and a node does not gain from appearing in many traces;
 * - without: origin evidence, `originFloor + (1 − originFloor) × originShare`, where originShare is
 *   the share of abnormal traces in which the node holds an origin span (origin-evidence.ts).
 *
 * Nodes that only relay an anomaly keep little or no weight, so a pure relay never outranks the
 * origin it relays. With instance evidence (instance-evidence.ts), a node scores the larger of this
 * and its instance score (Cliff's δ × median log shift, the same association × log-ratio shape);
 * liftToOperations then lets a service score at least its best operation.
 *
 * Weighted counts (PageRank on): ef′ = ef × w_abnormal(node), ep′ = ep × w_normal(node), weights of
 * mean 1 from traceNodePageRank over the abnormal and the normal traces; nf and np stay counts.
 *
 * Reference: MicroRank (WWW'21) weighted spectrum; TraceRCA (IWQoS'21) origin (in/out) evidence
 * and per-invocation severity; Sage (ASPLOS'21) / ShapleyIQ (ASPLOS'23) latency attributed to the
 * spans whose own time grew;
 * Jaeger UI critical path for the critical-path share.
 */
import { AnalysisInputError } from '../model/index.js';
import type { RootCauseEvidence, SignalCounts, SpectrumMethod } from './anomaly-report.js';
import { SIGNAL_BIT } from './outlier-detection.js';
import { traceNodePageRank } from './pagerank.js';
import { spectrumScore } from './spectrum-scoring.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS = {
  method: 'ochiai' as SpectrumMethod,
  pagerank: false,
  /** Share of the spectrum score a node with no origin evidence keeps. */
  originFloor: 0.1,
  /** Example trace ids per node. */
  examples: 3,
};

export interface RankingInput {
  window: TraceColumnsView;
  /** Per trace: 1 when abnormal. */
  abnormalTrace: Uint8Array;
  /** Per span row: origin signal bits (origin-evidence.ts). */
  origins: Uint8Array;
  /** Per span row: the node (0 ≤ id < nodeCount) the span belongs to at this level. */
  nodeOf: Int32Array;
  nodeCount: number;
  /**
   * Span severities (span-severity.ts) and, per row, the row its gap severity belongs to
   * (gap-attribution.ts; −1: none). Absent: no severity evidence.
   */
  severity?: { own: Float64Array; gap: Float64Array; gapRow: Int32Array };
  /**
   * Per node: the score of its best instance finding (instance-evidence.ts), 0 without one. A node's
   * score is the larger of its trace score and this: a bad instance is the node's fault whether or
   * not its traces crossed the per-operation outlier test. Absent: no instance evidence.
   */
  instanceScore?: Float64Array;
  /**
   * Per node: the score of its operation's shift beyond the load-expected median (operation-shift.ts),
   * 0 without one; taken like the instance score. Absent: no operation-shift evidence.
   */
  shiftScore?: Float64Array;
}

export interface RankingOptions {
  method?: SpectrumMethod;
  /** false: rank by the weight (severity or origin share) alone, without the spectrum factor. Default true. */
  spectrum?: boolean;
  pagerank?: boolean;
  originFloor?: number;
  examples?: number;
}

/** A ranked candidate: the report's evidence with internal ids instead of names. */
export interface RankedNode extends Omit<RootCauseEvidence, 'topInstance'> {
  node: number;
  score: number;
  /** Instance name id (OperationKeys.name) most frequent among origin spans, with its share. */
  topInstance?: { id: number; share: number };
  /** The node's instance score (RankingInput.instanceScore) when it is > 0. */
  instanceScore?: number;
  /** The node's operation-shift score (RankingInput.shiftScore) when it is > 0. */
  shiftScore?: number;
}

/** Nodes with ef > 0, an instance score or a shift score, best first (ties: more origin traces, then lower node id). */
export function rankRootCauses(input: RankingInput, options: RankingOptions = {}): RankedNode[] {
  const method = options.method ?? DEFAULTS.method;
  const usePagerank = options.pagerank ?? DEFAULTS.pagerank;
  const useSpectrum = options.spectrum ?? true;
  const originFloor = options.originFloor ?? DEFAULTS.originFloor;
  const examples = options.examples ?? DEFAULTS.examples;
  const { window: w, abnormalTrace, origins, nodeOf, nodeCount } = input;
  if (nodeOf.length !== w.spanCount || origins.length !== w.spanCount) {
    throw new AnalysisInputError(`analysis/root-cause-ranking: ${nodeOf.length} node rows and ${origins.length} origin rows for ${w.spanCount} spans`);
  }
  if (abnormalTrace.length !== w.traceCount) throw new AnalysisInputError('analysis/root-cause-ranking: abnormalTrace length differs from the trace count');
  if (!(originFloor >= 0 && originFloor <= 1)) throw new AnalysisInputError(`analysis/root-cause-ranking: originFloor must be in [0, 1], got ${originFloor}`);

  const ef = new Float64Array(nodeCount);
  const ep = new Float64Array(nodeCount);
  const originTraces = new Float64Array(nodeCount);
  const cpShareSum = new Float64Array(nodeCount);
  const signals: SignalCounts[] = Array.from({ length: nodeCount }, () => ({ latency: 0, selfTime: 0, gap: 0, error: 0 }));
  const exampleIds: string[][] = Array.from({ length: nodeCount }, () => []);
  const instanceCounts: Array<Map<number, number> | undefined> = [];
  const stamp = new Int32Array(nodeCount).fill(-1);
  const originStamp = new Int32Array(nodeCount).fill(-1);
  const cpInTrace = new Float64Array(nodeCount);
  const sevInTrace = new Float64Array(nodeCount);
  const sevSum = new Float64Array(nodeCount);
  const sev = input.severity;
  const abnormalLists: Int32Array[] = [];
  const normalLists: Int32Array[] = [];
  let F = 0;
  let P = 0;
  const seen: number[] = [];

  for (let t = 0; t < w.traceCount; t++) {
    const bad = abnormalTrace[t] === 1;
    if (bad) F++;
    else P++;
    seen.length = 0;
    for (let i = w.traceOffset[t]; i < w.traceOffset[t + 1]; i++) {
      const v = nodeOf[i];
      if (!(v >= 0 && v < nodeCount)) throw new AnalysisInputError(`analysis/root-cause-ranking: node id ${v} of span row ${i} out of range`);
      if (stamp[v] !== t) {
        stamp[v] = t;
        seen.push(v);
        cpInTrace[v] = 0;
        sevInTrace[v] = 0;
      }
      if (!bad) continue;
      if (sev) {
        if (sev.own[i] > sevInTrace[v]) sevInTrace[v] = sev.own[i];
        const g = sev.gapRow[i];
        if (g >= 0 && sev.gap[i] > 0) {
          const u = nodeOf[g];
          if (stamp[u] !== t) {
            stamp[u] = t;
            seen.push(u);
            cpInTrace[u] = 0;
            sevInTrace[u] = 0;
          }
          if (sev.gap[i] > sevInTrace[u]) sevInTrace[u] = sev.gap[i];
        }
      }
      cpInTrace[v] += w.criticalPath[i];
      const o = origins[i];
      if (!o) continue;
      const s = signals[v];
      if (o & SIGNAL_BIT.latency) s.latency++;
      if (o & SIGNAL_BIT.selfTime) s.selfTime++;
      if (o & SIGNAL_BIT.gap) s.gap++;
      if (o & SIGNAL_BIT.error) s.error++;
      if (w.instance[i] >= 0) {
        const m = (instanceCounts[v] ??= new Map());
        m.set(w.instance[i], (m.get(w.instance[i]) ?? 0) + 1);
      }
      if (originStamp[v] !== t) {
        originStamp[v] = t;
        originTraces[v]++;
        if (exampleIds[v].length < examples) exampleIds[v].push(w.traceIds[t]);
      }
    }
    const duration = w.traceDuration[t];
    for (const v of seen) {
      if (bad) {
        ef[v]++;
        sevSum[v] += sevInTrace[v];
        if (duration > 0) cpShareSum[v] += Math.min(1, cpInTrace[v] / duration);
      } else ep[v]++;
    }
    if (usePagerank) (bad ? abnormalLists : normalLists).push(Int32Array.from(seen));
  }

  const wA = usePagerank ? traceNodePageRank(abnormalLists, nodeCount) : undefined;
  const wN = usePagerank ? traceNodePageRank(normalLists, nodeCount) : undefined;
  const out: RankedNode[] = [];
  if (input.instanceScore && input.instanceScore.length !== nodeCount) throw new AnalysisInputError('analysis/root-cause-ranking: instanceScore length differs from the node count');
  if (input.shiftScore && input.shiftScore.length !== nodeCount) throw new AnalysisInputError('analysis/root-cause-ranking: shiftScore length differs from the node count');
  for (let v = 0; v < nodeCount; v++) {
    const instanceScore = input.instanceScore?.[v] ?? 0;
    const shiftScore = input.shiftScore?.[v] ?? 0;
    if (ef[v] === 0 && !(instanceScore > 0) && !(shiftScore > 0)) continue;
    const efW = wA ? ef[v] * wA[v] : ef[v];
    const epW = wN && ep[v] > 0 ? ep[v] * wN[v] : ep[v];
    const spectrum = spectrumScore({ ef: efW, ep: epW, nf: F - ef[v], np: P - ep[v] }, method);
    const originShare = F ? originTraces[v] / F : 0;
    const severity = ef[v] + ep[v] ? sevSum[v] / (ef[v] + ep[v]) : 0;
    const weight = sev ? severity : originFloor + (1 - originFloor) * originShare;
    const node: RankedNode = {
      node: v,
      score: Math.max(useSpectrum ? spectrum * weight : weight, instanceScore, shiftScore),
      ef: ef[v],
      ep: ep[v],
      nf: F - ef[v],
      np: P - ep[v],
      spectrum,
      originTraces: originTraces[v],
      originShare,
      signals: signals[v],
      criticalPathShare: ef[v] ? cpShareSum[v] / ef[v] : 0,
      exampleTraceIds: exampleIds[v],
    };
    if (wA) node.pagerankWeight = wA[v];
    if (sev) node.severity = severity;
    if (instanceScore > 0) node.instanceScore = instanceScore;
    if (shiftScore > 0) node.shiftScore = shiftScore;
    const m = instanceCounts[v];
    if (m) {
      let best = -1;
      let bestCount = 0;
      let total = 0;
      for (const [id, c] of m) {
        total += c;
        if (c > bestCount || (c === bestCount && id < best)) {
          best = id;
          bestCount = c;
        }
      }
      node.topInstance = { id: best, share: bestCount / total };
    }
    out.push(node);
  }
  return out.sort((a, b) => b.score - a.score || b.originTraces - a.originTraces || a.node - b.node);
}

/**
 * A service scores at least as high as its best operation: a fault in one operation of a service
 * with many (a code fault in one handler, a slow query of one endpoint) is otherwise diluted by the
 * service's healthy operations, whose traces enter the service's mean severity and spectrum. The
 * operation is the unit MicroRank ranks; the service is named through it. `serviceOf` maps an
 * operation node to its service node. Sorts `byService` again (same order rule as rankRootCauses).
 */
export function liftToOperations(byService: RankedNode[], byOperation: readonly RankedNode[], serviceOf: (operationNode: number) => number): void {
  const best = new Map<number, number>();
  for (const o of byOperation) {
    const s = serviceOf(o.node);
    if (o.score > (best.get(s) ?? 0)) best.set(s, o.score);
  }
  for (const r of byService) r.score = Math.max(r.score, best.get(r.node) ?? 0);
  byService.sort((a, b) => b.score - a.score || b.originTraces - a.originTraces || a.node - b.node);
}
