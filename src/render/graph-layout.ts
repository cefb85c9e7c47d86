/**
 * Layered left-to-right layout of the dependency graph for the HTML page: callers left of callees,
 * each node a box sized to its label, so no two labels overlap. Graphs of up to DAGRE_MAX_NODES
 * nodes are laid out by dagre (Sugiyama-style: Gansner et al., "A Technique for Drawing Directed
 * Graphs", 1993 — network-simplex ranks, barycentric ordering, coordinate assignment); larger ones
 * by the same first two steps done simply (longest-path layers over a topological order whose
 * cycles are broken at their lowest node, then one barycentric sweep), each layer
 * a column of stacked boxes.
 */
import dagre from '@dagrejs/dagre';

/**
 * dagre's running time grows much faster than the graph: 31 nodes take milliseconds, the 1,238-node,
 * 4,271-link Jaeger UI sample did not finish within 300 s (network simplex and the ordering sweeps).
 */
export const DAGRE_MAX_NODES = 150;
/** Label font (monospace, so its width is known without a browser): px per character at 11 px. */
export const LABEL_CHAR_PX = 7;
export const LABEL_FONT_PX = 11;
const BOX_PAD_X = 10;
const BOX_H = 22;
const NODE_GAP = 10;
const LAYER_GAP = 70;

export interface LaidOutNode {
  /** Box centre and size, px. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GraphLayout {
  nodes: LaidOutNode[];
  width: number;
  height: number;
  engine: 'dagre' | 'layers';
}

export function boxWidth(label: string): number {
  return label.length * LABEL_CHAR_PX + 2 * BOX_PAD_X;
}

/** `edges` are [source, target] node indexes. */
export function layoutGraph(labels: readonly string[], edges: ReadonlyArray<readonly [number, number]>): GraphLayout {
  return labels.length <= DAGRE_MAX_NODES ? dagreLayout(labels, edges) : layerLayout(labels, edges);
}

function dagreLayout(labels: readonly string[], edges: ReadonlyArray<readonly [number, number]>): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: NODE_GAP, ranksep: LAYER_GAP, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  labels.forEach((label, i) => g.setNode(String(i), { width: boxWidth(label), height: BOX_H }));
  for (const [s, t] of edges) if (s !== t) g.setEdge(String(s), String(t));
  dagre.layout(g);
  const nodes = labels.map((_, i) => {
    const n = g.node(String(i));
    return { x: n.x, y: n.y, w: n.width, h: n.height };
  });
  const graph = g.graph();
  return { nodes, width: graph.width ?? 0, height: graph.height ?? 0, engine: 'dagre' };
}

function layerLayout(labels: readonly string[], edges: ReadonlyArray<readonly [number, number]>): GraphLayout {
  const n = labels.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [s, t] of edges) if (s !== t) out[s].push(t), into[t].push(s);
  const layer = new Int32Array(n);
  // Layer = longest path from a source, along edges that go forward in a topological order.
  const order = topologicalOrder(n, out);
  const pos = new Int32Array(n);
  order.forEach((v, i) => (pos[v] = i));
  for (const v of order) for (const w of out[v]) if (pos[w] > pos[v]) layer[w] = Math.max(layer[w], layer[v] + 1);
  const columns: number[][] = [];
  for (let v = 0; v < n; v++) (columns[layer[v]] ??= []).push(v);
  // One barycentric sweep: a node sits near the mean row of its callers.
  const row = new Float64Array(n);
  const nodes: LaidOutNode[] = new Array(n);
  let x = 10;
  let height = 0;
  for (const column of columns.filter(Boolean)) {
    const bary = (v: number) => (into[v].length ? into[v].reduce((a, u) => a + row[u], 0) / into[v].length : Number.MAX_SAFE_INTEGER);
    column.sort((a, b) => bary(a) - bary(b) || labels[a].localeCompare(labels[b]));
    const w = Math.max(...column.map((v) => boxWidth(labels[v])));
    column.forEach((v, i) => {
      row[v] = i;
      nodes[v] = { x: x + w / 2, y: 10 + i * (BOX_H + NODE_GAP) + BOX_H / 2, w: boxWidth(labels[v]), h: BOX_H };
    });
    height = Math.max(height, 20 + column.length * (BOX_H + NODE_GAP));
    x += w + LAYER_GAP;
  }
  return { nodes, width: x, height, engine: 'layers' };
}

/** Kahn's order; nodes left on cycles follow in index order. */
function topologicalOrder(n: number, out: number[][]): number[] {
  const indeg = new Int32Array(n);
  for (const ws of out) for (const w of ws) indeg[w]++;
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue.push(v);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  for (let head = 0; head < queue.length || order.length < n; ) {
    if (head === queue.length) {
      // A cycle: release its lowest remaining node.
      let v = 0;
      while (seen[v]) v++;
      indeg[v] = 0;
      queue.push(v);
    }
    const v = queue[head++];
    if (seen[v]) continue;
    seen[v] = 1;
    order.push(v);
    for (const w of out[v]) if (--indeg[w] === 0 && !seen[w]) queue.push(w);
  }
  return order;
}
