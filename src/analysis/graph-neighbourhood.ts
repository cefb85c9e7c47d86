/**
 * Graph neighbourhood — the nodes within `depth` hops of a set of start nodes, following edges in
 * both directions (callers and callees), by breadth-first search.
 *
 * Reference: textbook BFS (Cormen et al., §22.2), undirected view of a directed graph.
 */
import type { AbstractGraph as Graph } from 'graphology-types';
import { AnalysisInputError } from '../model/index.js';

/** Node keys within `depth` (≥ 0) hops of any of `starts`, starts included. */
export function neighbourhood(graph: Graph, starts: readonly string[], depth: number): Set<string> {
  if (!Number.isInteger(depth) || depth < 0) throw new AnalysisInputError(`analysis/graph-neighbourhood: depth must be an integer ≥ 0, got ${depth}`);
  const seen = new Set<string>();
  let frontier: string[] = [];
  for (const s of starts) {
    if (!graph.hasNode(s)) throw new AnalysisInputError(`analysis/graph-neighbourhood: unknown node "${s}"`);
    if (!seen.has(s)) {
      seen.add(s);
      frontier.push(s);
    }
  }
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const n of frontier) {
      graph.forEachNeighbor(n, (m: string) => {
        if (!seen.has(m)) {
          seen.add(m);
          next.push(m);
        }
      });
    }
    frontier = next;
  }
  return seen;
}
