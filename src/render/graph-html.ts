/**
 * `deps --format html`: one self-contained page (inline CSS, data and script; no network). The
 * layered left-to-right layout is computed here (graph-layout.ts); the page draws it with zoom, pan,
 * hover tooltips carrying each edge's and node's figures, click-to-focus on a node's neighbours and
 * a service search box. Nodes and edges are coloured by error rate (error-levels.ts, with a legend);
 * highlighted services (suspects) get a purple outline.
 */
import type { DependencyReport, ReportEdge, ReportNode } from '../analysis/dependency-report.js';
import { formatCount, formatDurationUs, formatPercent, formatRate } from './format-figures.js';
import { edgeWeights } from './graph-labels.js';
import { GRAPH_HTML_SCRIPT } from './graph-html-client.js';
import type { DepsRenderOptions } from './deps-formats.js';
import { ERROR_LEVEL_COLOR, ERROR_LEVEL_LEGEND, errorLevel } from './error-levels.js';
import { LABEL_FONT_PX, layoutGraph } from './graph-layout.js';

const STYLE = () => `
html, body { margin: 0; height: 100%; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2933; background: #fbfcfe; }
header { position: absolute; top: 0; left: 0; right: 0; padding: 8px 12px; background: rgba(255,255,255,.92); border-bottom: 1px solid #dde3ea; display: flex; gap: 12px; align-items: center; z-index: 2; }
header h1 { font-size: 14px; margin: 0; }
header .summary { color: #52606d; flex: 1; }
header input { font: inherit; padding: 3px 6px; border: 1px solid #c5ced8; border-radius: 4px; }
header button { font: inherit; padding: 3px 10px; border: 1px solid #c5ced8; border-radius: 4px; background: #fff; cursor: pointer; }
.legend { color: #52606d; font-size: 12px; }
.legend span { margin-left: 10px; }
svg#graph { position: absolute; top: 0; left: 0; width: 100%; height: 100%; cursor: grab; }
.edge { stroke: ${ERROR_LEVEL_COLOR.ok}; stroke-opacity: .55; fill: none; vector-effect: non-scaling-stroke; }
.edge.raised { stroke: ${ERROR_LEVEL_COLOR.raised}; stroke-opacity: .9; }
.edge.failing { stroke: ${ERROR_LEVEL_COLOR.failing}; stroke-opacity: .9; }
.edge.async { stroke-dasharray: 5 4; }
.edge.hover, .edge.near { stroke: #1d4ed8; stroke-opacity: 1; }
.edge-hit { fill: none; stroke: transparent; stroke-width: 8; vector-effect: non-scaling-stroke; cursor: pointer; }
.node rect { fill: #eaf1fb; stroke: #4a78c2; stroke-width: 1.2; vector-effect: non-scaling-stroke; }
.node.virtual rect { fill: #f3f3f3; stroke: #6b7785; stroke-dasharray: 3 2; }
.node.raised rect { stroke: ${ERROR_LEVEL_COLOR.raised}; stroke-width: 2.5; }
.node.failing rect { stroke: ${ERROR_LEVEL_COLOR.failing}; stroke-width: 2.5; fill: #fdecec; }
.node.suspect rect { stroke: #7b2cbf; stroke-width: 4; fill: #f3e8ff; }
.node.hover rect { stroke: #111827; stroke-width: 2.5; }
.node text { font: ${LABEL_FONT_PX}px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: #1f2933; pointer-events: none; }
.node.virtual text { font-style: italic; }
.labels-hidden .node text { display: none; }
.labels-hidden .node.near text, .labels-hidden .node.hover text { display: inline; }
.focused .edge:not(.near) { stroke-opacity: .08; }
.focused .node:not(.near) { opacity: .25; }
.focused .node:not(.near) text { display: none; }
#tooltip { position: fixed; display: none; pointer-events: none; background: #111827; color: #f9fafb; padding: 6px 9px; border-radius: 4px; font-size: 12px; white-space: pre; z-index: 3; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
`;

export function renderDepsHtml(report: DependencyReport, options: DepsRenderOptions = {}): string {
  const weight = edgeWeights(report);
  const index = new Map(report.nodes.map((n, i) => [n.id, i]));
  const suspects = new Set(options.highlight ?? []);
  const layout = layoutGraph(
    report.nodes.map((n) => n.id),
    report.edges.map((e) => [index.get(e.source)!, index.get(e.target)!] as const),
  );
  const data = {
    nodes: report.nodes.map((n, i) => {
      const p = layout.nodes[i];
      return { id: n.id, virtual: n.virtual, level: errorLevel(n.errorRate), suspect: suspects.has(n.id), x: r1(p.x), y: r1(p.y), w: r1(p.w), h: r1(p.h), tip: nodeTip(n) };
    }),
    edges: report.edges.map((e) => ({ s: index.get(e.source)!, t: index.get(e.target)!, level: errorLevel(e.errorRate), async: e.asyncCalls > 0, w: weight(e), tip: edgeTip(e) })),
    layout: layout.engine,
  };
  const t = report.totals;
  const where = report.window ? `${report.window.start} .. ${report.window.end}` : 'links file';
  const summary = `${where} · ${formatCount(t.nodes)} nodes · ${formatCount(t.edges)} edges · ${formatCount(t.calls)} calls${report.input === 'traces' ? ` · ${formatCount(t.errors)} failed` : ''}${report.cycles.length ? ` · ${report.cycles.length} cycle group(s)` : ''}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service dependencies</title>
<style>${STYLE()}</style>
</head>
<body>
<header><h1>Service dependencies</h1><div class="summary">${escapeHtml(summary)}</div><div class="legend" id="legend">${escapeHtml(ERROR_LEVEL_LEGEND)}<span style="color:${ERROR_LEVEL_COLOR.raised}">━ ≥ 1%</span><span style="color:${ERROR_LEVEL_COLOR.failing}">━ ≥ 5%</span><span>┅ async</span><span>◌ uninstrumented peer</span>${suspects.size ? '<span style="color:#7b2cbf">▢ suspect</span>' : ''}</div><input id="search" type="search" placeholder="find service…" aria-label="find service"><button id="fit" type="button">Fit</button></header>
<svg id="graph" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="service dependency graph">
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="#8796a8"/></marker>
<marker id="arrow-raised" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="${ERROR_LEVEL_COLOR.raised}"/></marker>
<marker id="arrow-failing" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="${ERROR_LEVEL_COLOR.failing}"/></marker>
</defs>
<g id="viewport"><g id="edges"></g><g id="edge-hits"></g><g id="nodes"></g></g>
</svg>
<div id="tooltip" role="tooltip"></div>
<script type="application/json" id="deps-data">${scriptJson(data)}</script>
<script>${GRAPH_HTML_SCRIPT}</script>
</body>
</html>
`;
}

function edgeTip(e: ReportEdge): string {
  const lines = [`${e.source} → ${e.target}`, `calls: ${formatCount(e.calls)}${e.ratePerSecond !== null ? ` (${formatRate(e.ratePerSecond)}/s)` : ''}`];
  if (e.errorRate !== null) lines.push(`errors: ${formatCount(e.errors)} (${formatPercent(e.errorRate)})`);
  if (e.latency) lines.push(`latency p50 ${formatDurationUs(e.latency.p50Us)} · p90 ${formatDurationUs(e.latency.p90Us)} · p99 ${formatDurationUs(e.latency.p99Us)}`);
  if (e.clientLatency) lines.push(`client p50 ${formatDurationUs(e.clientLatency.p50Us)} · p99 ${formatDurationUs(e.clientLatency.p99Us)}`);
  if (e.asyncCalls > 0) lines.push(`async calls: ${formatCount(e.asyncCalls)}`);
  if (e.connectionType) lines.push(`peer: ${e.connectionType}`);
  const evidence = Object.entries(e.evidence).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ');
  if (evidence && Object.keys(e.evidence).some((k) => k !== 'reference')) lines.push(`evidence: ${evidence}`);
  return lines.join('\n');
}

function nodeTip(n: ReportNode): string {
  const lines = [n.virtual ? `${n.id} (uninstrumented ${n.connectionType || 'peer'})` : n.id];
  if (n.calls > 0) lines.push(`requests: ${formatCount(n.calls)}${n.ratePerSecond !== null ? ` (${formatRate(n.ratePerSecond)}/s)` : ''}`);
  if (n.errorRate !== null) lines.push(`errors: ${formatCount(n.errors)} (${formatPercent(n.errorRate)})`);
  if (n.duration) lines.push(`duration p50 ${formatDurationUs(n.duration.p50Us)} · p99 ${formatDurationUs(n.duration.p99Us)}`);
  if (n.spans > 0) lines.push(`spans: ${formatCount(n.spans)}`);
  return lines.join('\n');
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}
