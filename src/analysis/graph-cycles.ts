/**
 * Graph cycles — strongly connected components of two or more nodes (Tarjan, iterative), each with
 * one example cycle found by a breadth-first search inside the component. A service graph has no
 * self-loops (same-service calls are not edges), so these are exactly the call cycles.
 *
 * Reference: R. Tarjan, "Depth-first search and linear graph algorithms", SIAM J. Comput. 1972.
 */
import type { AbstractGraph as Graph } from 'graphology-types';

export interface CycleGroup {
  /** Members, sorted. */
  nodes: string[];
  /** A closed walk starting and ending at the first member, e.g. [a, b, c, a]. */
  example: string[];
}

/** Cycle groups sorted by size (largest first), then by first member. */
export function findCycles(graph: Graph): CycleGroup[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;
  for (const root of graph.nodes()) {
    if (index.has(root)) continue;
    // Iterative DFS: frames of (node, its out-neighbours, next neighbour position).
    const frames: { node: string; next: string[]; pos: number }[] = [];
    const open = (n: string) => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      stack.push(n);
      onStack.add(n);
      frames.push({ node: n, next: graph.outNeighbors(n), pos: 0 });
    };
    open(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      if (f.pos < f.next.length) {
        const m = f.next[f.pos++];
        if (!index.has(m)) open(m);
        else if (onStack.has(m)) low.set(f.node, Math.min(low.get(f.node)!, index.get(m)!));
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(f.node)!));
      }
      if (low.get(f.node) === index.get(f.node)) {
        const group: string[] = [];
        let m: string;
        do {
          m = stack.pop()!;
          onStack.delete(m);
          group.push(m);
        } while (m !== f.node);
        if (group.length > 1) groups.push(group.sort());
      }
    }
  }
  return groups
    .map((nodes) => ({ nodes, example: exampleCycle(graph, nodes) }))
    .sort((a, b) => b.nodes.length - a.nodes.length || (a.nodes[0] < b.nodes[0] ? -1 : 1));
}

/** Shortest cycle through the group's first member, staying inside the group. */
function exampleCycle(graph: Graph, nodes: string[]): string[] {
  const inGroup = new Set(nodes);
  const start = nodes[0];
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    for (const m of [...graph.outNeighbors(n)].sort()) {
      if (!inGroup.has(m)) continue;
      if (m === start) {
        const path = [n];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return [...path, start];
      }
      if (!prev.has(m)) {
        prev.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start];
}
