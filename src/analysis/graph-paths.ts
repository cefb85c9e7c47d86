/**
 * Graph paths — every simple directed path from one set of nodes to another, by depth-first search
 * with a visited set, shortest first; bounded by `maxPaths` and `maxLength` (hops) so dense graphs
 * stay answerable.
 *
 * Reference: simple-path enumeration by DFS (as networkx `all_simple_paths`).
 */
import type { AbstractGraph as Graph } from 'graphology-types';
import { AnalysisInputError } from '../model/index.js';

export const GRAPH_PATHS_DEFAULTS = { maxPaths: 100, maxLength: 12 };

export interface PathsResult {
  /** Each path lists node keys from a source to a target; sorted by length then lexically. */
  paths: string[][];
  /** True when `maxPaths` cut the search short. */
  truncated: boolean;
}

export function simplePaths(graph: Graph, from: readonly string[], to: readonly string[], options: Partial<typeof GRAPH_PATHS_DEFAULTS> = {}): PathsResult {
  const { maxPaths, maxLength } = { ...GRAPH_PATHS_DEFAULTS, ...options };
  for (const n of [...from, ...to]) {
    if (!graph.hasNode(n)) throw new AnalysisInputError(`analysis/graph-paths: unknown node "${n}"`);
  }
  const targets = new Set(to);
  const paths: string[][] = [];
  let truncated = false;
  const stack: string[] = [];
  const onPath = new Set<string>();
  const visit = (n: string): void => {
    if (truncated) return;
    stack.push(n);
    onPath.add(n);
    if (targets.has(n) && stack.length > 1) {
      if (paths.length >= maxPaths) truncated = true;
      else paths.push([...stack]);
    } else if (stack.length <= maxLength) {
      for (const m of [...graph.outNeighbors(n)].sort()) if (!onPath.has(m)) visit(m);
    }
    stack.pop();
    onPath.delete(n);
  };
  for (const f of from) visit(f);
  paths.sort((a, b) => a.length - b.length || a.join('\u0000').localeCompare(b.join('\u0000')));
  return { paths, truncated };
}
