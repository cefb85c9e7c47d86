/**
 * `anomalies --format html`: one self-contained page (inline CSS and SVG, no script, no network):
 * the verdict, the ranked suspects, the service graph of the window with the suspects highlighted,
 * baseline-vs-window latency histograms of the top operations, the shifted operations and the
 * abnormal traces.
 */
import type { AnomalyReport, OperationHistogram, RootCause } from '../analysis/anomaly-report.js';
import type { AnomaliesRenderOptions } from './anomalies-text.js';
import { confidenceText, countsText, headline, instanceText, LEGEND, operationLabel, originText, shiftText, signalsFired, summaryLine, traceUrl, verdictTitle } from './anomalies-text.js';
import { formatCount, formatDurationUs, formatPercent } from './format-figures.js';

const STYLE = `
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2933; background: #fbfcfe; }
h1 { font-size: 20px; margin: 4px 0 6px; } h2 { font-size: 15px; margin: 22px 0 8px; border-bottom: 1px solid #dde3ea; padding-bottom: 4px; }
.summary { color: #52606d; } .headline { margin: 6px 0; font-size: 14px; } .note { background: #fff7e6; border: 1px solid #f0c36d; padding: 6px 10px; border-radius: 4px; margin: 8px 0; }
.verdict { background: #fdecec; border: 1px solid #f3b4b4; padding: 8px 12px; border-radius: 4px; margin: 10px 0; font-size: 14px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e6eaf0; vertical-align: top; }
th { background: #f1f4f8; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; } code { font-size: 12px; }
.hists { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.hist { background: #fff; border: 1px solid #dde3ea; border-radius: 4px; padding: 6px; }
.hist h3 { font-size: 12px; margin: 0 0 4px; font-weight: 600; word-break: break-all; }
.legend span { margin-right: 12px; } .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
svg text { font-size: 10px; fill: #52606d; }
#service-graph { background: #fff; border: 1px solid #dde3ea; border-radius: 4px; width: 100%; }
#service-graph .edge { stroke: #9aa5b1; fill: none; stroke-width: 1.2; }
#service-graph .node rect { fill: #eef3fb; stroke: #4a78c2; stroke-width: 1.2; }
#service-graph .node.suspect rect { fill: #fdecec; stroke: #d62728; stroke-width: 2.5; }
#service-graph .node text { font-size: 11px; fill: #1f2933; }
#service-graph .node .rank { fill: #d62728; font-weight: 700; }
`;

const BASE_COLOR = '#9aa5b1';
const WINDOW_COLOR = '#d62728';

export function renderAnomaliesHtml(report: AnomalyReport, options: AnomaliesRenderOptions = {}): string {
  const top = report.rootCauses[0];
  const trace = (id: string) => (options.jaegerUi ? `<a href="${esc(traceUrl(options.jaegerUi, id))}"><code>${id}</code></a>` : `<code>${id}</code>`);
  const body: string[] = [`<h1>Trace anomalies</h1>`, `<div class="summary">${esc(summaryLine(report))}</div>`];
  const moved = headline(report);
  if (moved) body.push(`<div class="headline"><b>${esc(moved)}</b></div>`);
  if (report.message) body.push(`<div class="note">${esc(report.message)}</div>`);
  if (top) {
    body.push(`<div class="verdict">${esc(verdictTitle(report))}: <b>${esc(top.service)}</b> (operation <code>${esc(top.operation)}</code>) — origin in ${esc(originText(top))} of abnormal traces; signals: ${esc(signalsFired(top.evidence.signals))}. ${esc(confidenceText(report))}</div>`);
    body.push('<h2>Suspects (services)</h2>', rootCauseTable(report.rootCauses, trace));
  }
  body.push('<h2>Service graph of the window</h2>', serviceGraph(report));
  if (report.histograms.length) {
    body.push('<h2>Latency: baseline vs incident window</h2>');
    body.push(`<div class="legend"><span><i class="sw" style="background:${BASE_COLOR}"></i>baseline</span><span><i class="sw" style="background:${WINDOW_COLOR}"></i>incident window</span> (share of spans per bucket, log-scale latency)</div>`);
    body.push(`<div class="hists">${report.histograms.map(histogramSvg).join('\n')}</div>`);
  }
  if (report.operationRootCauses.length) body.push('<h2>Suspects (operations)</h2>', rootCauseTable(report.operationRootCauses, trace));
  if (report.anomalies.length) {
    const rows = report.anomalies.map((o) => `<tr><td>${esc(operationLabel(o))}</td><td>${esc(o.signals.join(', '))}</td><td>${esc(shiftText(o))}</td></tr>`);
    body.push('<h2>Shifted operations</h2>', `<table><thead><tr><th>Operation</th><th>Signals</th><th>Shift</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  if (report.abnormalTraces.length) {
    const rows = report.abnormalTraces.slice(0, 200).map((t) => `<tr><td>${trace(t.traceId)}</td><td>${esc(t.rootService)} ${esc(t.rootOperation)}</td><td class="num">${formatDurationUs(t.duration)}</td><td>${esc(t.origins.map((o) => `${o.service}/${o.operation} (${o.signal})`).join(', '))}</td></tr>`);
    const more = report.abnormalTraces.length > 200 ? `<p>… ${formatCount(report.abnormalTraces.length - 200)} more in <code>--format json</code>.</p>` : '';
    body.push(`<h2>Abnormal traces (${formatCount(report.abnormalTraces.length)})</h2>`, `<table><thead><tr><th>Trace</th><th>Root</th><th>Duration</th><th>Origins</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`);
  }
  if (report.rootCauses.length || report.anomalies.length) body.push(`<h2>Legend</h2><ul class="legend-list">${LEGEND.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trace anomalies${top ? ` — ${esc(top.service)}` : ''}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

function rootCauseTable(list: RootCause[], trace: (id: string) => string): string {
  const rows = list.map(
    (rc) =>
      `<tr><td class="num">${rc.rank}</td><td>${esc(rc.service)}</td><td>${esc(rc.operation)}</td><td class="num">${rc.score.toFixed(3)}</td><td>${countsText(rc)}</td><td>${esc(originText(rc))}</td><td>${esc(signalsFired(rc.evidence.signals))}</td><td class="num">${formatPercent(rc.evidence.criticalPathShare)}</td><td>${esc(instanceText(rc))}</td><td>${rc.evidence.exampleTraceIds.map(trace).join('<br>')}</td></tr>`,
  );
  return `<table><thead><tr><th>#</th><th>Service</th><th>Operation</th><th>Score</th><th>Counts</th><th>Origin</th><th>Signals</th><th>Critical path</th><th>Instance</th><th>Example traces</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Bars of baseline and window shares per bucket, side by side. */
function histogramSvg(h: OperationHistogram): string {
  const W = 380;
  const H = 150;
  const left = 44;
  const bottom = 22;
  const plotW = W - left - 24;
  const plotH = H - bottom - 8;
  const n = h.window.length;
  const share = (c: number[]) => {
    const total = c.reduce((a, b) => a + b, 0);
    return c.map((x) => (total ? x / total : 0));
  };
  const b = share(h.baseline);
  const w = share(h.window);
  const max = Math.max(0.01, ...b, ...w);
  const slot = n ? plotW / n : plotW;
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = left + i * slot;
    const bh = (b[i] / max) * plotH;
    const wh = (w[i] / max) * plotH;
    const tip = `${formatDurationUs(h.edges[i])} – ${formatDurationUs(h.edges[i + 1])}`;
    if (bh > 0) bars.push(`<rect class="baseline" x="${f(x + 1)}" y="${f(8 + plotH - bh)}" width="${f(slot / 2 - 1)}" height="${f(bh)}" fill="${BASE_COLOR}"><title>baseline ${formatPercent(b[i])} · ${tip}</title></rect>`);
    if (wh > 0) bars.push(`<rect class="window" x="${f(x + slot / 2)}" y="${f(8 + plotH - wh)}" width="${f(slot / 2 - 1)}" height="${f(wh)}" fill="${WINDOW_COLOR}"><title>window ${formatPercent(w[i])} · ${tip}</title></rect>`);
  }
  const ticks: string[] = [];
  for (let i = 0; i <= n; i += Math.max(1, Math.floor(n / 4))) {
    const x = left + i * slot;
    ticks.push(`<line x1="${f(x)}" y1="${8 + plotH}" x2="${f(x)}" y2="${8 + plotH + 4}" stroke="#9aa5b1"/><text x="${f(x)}" y="${H - 6}" text-anchor="middle">${esc(formatDurationUs(h.edges[i]))}</text>`);
  }
  const axis = `<line x1="${left}" y1="${8 + plotH}" x2="${left + plotW}" y2="${8 + plotH}" stroke="#9aa5b1"/><text x="${left - 4}" y="14" text-anchor="end">${formatPercent(max)}</text><text x="${left - 4}" y="${8 + plotH}" text-anchor="end">0</text>`;
  return `<div class="hist"><h3>${esc(operationLabel(h))}</h3><svg class="histogram" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="latency histogram of ${esc(h.operation)}">${axis}<g class="bars">${bars.join('')}</g>${ticks.join('')}</svg></div>`;
}

/** Layered drawing of the window's service links: callers left, callees right; suspects in red. */
function serviceGraph(report: AnomalyReport): string {
  // Suspects: the top three services that originate the anomaly (relays are not highlighted).
  const suspects = new Map(report.rootCauses.filter((rc) => rc.evidence.originTraces > 0).slice(0, 3).map((rc) => [rc.service, rc.rank]));
  const names = new Set<string>();
  for (const l of report.dependencies) names.add(l.parent).add(l.child);
  for (const s of suspects.keys()) names.add(s);
  if (names.size === 0) return '<p>No service links in the window.</p>';
  const children = new Map<string, string[]>();
  for (const l of report.dependencies) {
    if (l.parent === l.child) continue;
    (children.get(l.parent) ?? children.set(l.parent, []).get(l.parent)!).push(l.child);
  }
  // Longest-path layering from the sources, bounded by the node count (cycles stop growing).
  const layer = new Map<string, number>([...names].map((n) => [n, 0]));
  for (let round = 0; round < names.size; round++) {
    let changed = false;
    for (const [p, cs] of children) for (const c of cs) if (layer.get(c)! < layer.get(p)! + 1 && layer.get(p)! + 1 < names.size) {
      layer.set(c, layer.get(p)! + 1);
      changed = true;
    }
    if (!changed) break;
  }
  const columns: string[][] = [];
  for (const n of [...names].sort()) (columns[layer.get(n)!] ??= []).push(n);
  const dense = columns.filter(Boolean);
  const colW = 190;
  const rowH = 34;
  const boxW = 160;
  const boxH = 22;
  const height = Math.max(...dense.map((c) => c.length)) * rowH + 20;
  const width = dense.length * colW + 20;
  const pos = new Map<string, { x: number; y: number }>();
  dense.forEach((col, ci) => col.forEach((n, ri) => pos.set(n, { x: 10 + ci * colW, y: 10 + ri * rowH + (height - 20 - col.length * rowH) / 2 })));
  const edges: string[] = [];
  for (const l of report.dependencies) {
    const a = pos.get(l.parent)!;
    const b = pos.get(l.child)!;
    if (l.parent === l.child) continue;
    const x1 = a.x + boxW;
    const y1 = a.y + boxH / 2;
    const x2 = b.x;
    const y2 = b.y + boxH / 2;
    const mx = (x1 + x2) / 2;
    edges.push(`<path class="edge" d="M${f(x1)},${f(y1)} C${f(mx)},${f(y1)} ${f(mx)},${f(y2)} ${f(x2)},${f(y2)}" marker-end="url(#arrow)"><title>${esc(l.parent)} → ${esc(l.child)}: ${formatCount(l.callCount)} calls</title></path>`);
  }
  const nodes = [...pos].map(([n, p]) => {
    const rank = suspects.get(n);
    const label = n.length > 24 ? `${n.slice(0, 23)}…` : n;
    return `<g class="node${rank ? ' suspect' : ''}" data-service="${esc(n)}"><rect x="${f(p.x)}" y="${f(p.y)}" width="${boxW}" height="${boxH}" rx="4"/><text x="${f(p.x + 8)}" y="${f(p.y + 15)}">${rank ? `<tspan class="rank">#${rank} </tspan>` : ''}${esc(label)}</text><title>${esc(n)}</title></g>`;
  });
  return `<svg id="service-graph" viewBox="0 0 ${width} ${height}" height="${Math.min(height, 900)}" role="img" aria-label="service graph with suspects highlighted"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#9aa5b1"/></marker></defs><g class="edges">${edges.join('')}</g><g class="nodes">${nodes.join('')}</g></svg>`;
}

function f(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
