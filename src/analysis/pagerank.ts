/**
 * Personalized PageRank over a node–trace bipartite graph (MicroRank's weighting). Each trace links
 * to the distinct nodes (services or operations) it passes through and back. Random jumps land on
 * traces only, with preference inversely proportional to how many traces share the same node set
 * ("trace kind"), so rare kinds of traces weigh as much as frequent ones. The result is one
 * weight per node, normalised to mean 1 over the nodes that occur.
 *
 * Reference: Yu et al., "MicroRank: End-to-End Latency Issue Localization with Extended Spectrum
 * Analysis in Microservice Environments" (WWW'21) §4.3; graphology `metrics/centrality/pagerank`
 * for the power iteration (alpha 0.85, 100 iterations, tolerance 1e-6).
 */
import { AnalysisInputError } from '../model/index.js';

export const DEFAULTS = {
  alpha: 0.85,
  maxIterations: 100,
  tolerance: 1e-6,
};

export interface PageRankOptions {
  alpha?: number;
  maxIterations?: number;
  tolerance?: number;
}

/** `traces[t]` lists the distinct node ids (0 ≤ id < nodeCount) of trace t. */
export function traceNodePageRank(traces: ReadonlyArray<ArrayLike<number>>, nodeCount: number, options: PageRankOptions = {}): Float64Array {
  const alpha = options.alpha ?? DEFAULTS.alpha;
  const maxIterations = options.maxIterations ?? DEFAULTS.maxIterations;
  const tolerance = options.tolerance ?? DEFAULTS.tolerance;
  if (!(alpha > 0 && alpha < 1)) throw new AnalysisInputError(`analysis/pagerank: alpha must be in (0, 1), got ${alpha}`);
  if (!Number.isInteger(nodeCount) || nodeCount < 0) throw new AnalysisInputError(`analysis/pagerank: nodeCount must be an integer ≥ 0, got ${nodeCount}`);
  const weights = new Float64Array(nodeCount);
  const T = traces.length;
  if (T === 0 || nodeCount === 0) return weights.fill(1);

  const nodeDegree = new Float64Array(nodeCount);
  const kindCount = new Map<string, number>();
  const kinds: string[] = [];
  for (const nodes of traces) {
    for (let i = 0; i < nodes.length; i++) {
      const v = nodes[i];
      if (!(v >= 0 && v < nodeCount)) throw new AnalysisInputError(`analysis/pagerank: node id ${v} out of range [0, ${nodeCount})`);
      nodeDegree[v]++;
    }
    const kind = Array.from(nodes).sort((a, b) => a - b).join(',');
    kinds.push(kind);
    kindCount.set(kind, (kindCount.get(kind) ?? 0) + 1);
  }
  const pref = new Float64Array(T);
  let prefSum = 0;
  for (let t = 0; t < T; t++) prefSum += pref[t] = 1 / kindCount.get(kinds[t])!;
  for (let t = 0; t < T; t++) pref[t] /= prefSum;

  // Scores over traces (tr) and nodes (nd); total mass 1 split across both sides.
  let tr = Float64Array.from(pref);
  let nd = new Float64Array(nodeCount);
  for (let it = 0; it < maxIterations; it++) {
    const nextNd = new Float64Array(nodeCount);
    const nextTr = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const nodes = traces[t];
      if (nodes.length === 0) continue;
      const share = (alpha * tr[t]) / nodes.length;
      for (let i = 0; i < nodes.length; i++) nextNd[nodes[i]] += share;
    }
    for (let t = 0; t < T; t++) {
      const nodes = traces[t];
      for (let i = 0; i < nodes.length; i++) nextTr[t] += (alpha * nd[nodes[i]]) / nodeDegree[nodes[i]];
    }
    // Teleport and dangling traces: the mass not passed on returns to traces by preference.
    const leak = 1 - sumOf(nextNd) - sumOf(nextTr);
    for (let t = 0; t < T; t++) nextTr[t] += Math.max(0, leak) * pref[t];
    // Normalise (guards drift), then test convergence.
    const total = sumOf(nextNd) + sumOf(nextTr);
    let delta = 0;
    for (let v = 0; v < nodeCount; v++) {
      nextNd[v] /= total;
      delta += Math.abs(nextNd[v] - nd[v]);
    }
    for (let t = 0; t < T; t++) {
      nextTr[t] /= total;
      delta += Math.abs(nextTr[t] - tr[t]);
    }
    nd = nextNd;
    tr = nextTr;
    if (delta < tolerance) break;
  }
  let present = 0;
  let sum = 0;
  for (let v = 0; v < nodeCount; v++) {
    if (nodeDegree[v] > 0) {
      present++;
      sum += nd[v];
    }
  }
  const mean = present ? sum / present : 0;
  for (let v = 0; v < nodeCount; v++) weights[v] = nodeDegree[v] > 0 && mean > 0 ? nd[v] / mean : 0;
  return weights;
}

function sumOf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}
