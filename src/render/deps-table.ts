/**
 * `deps --format table`: the graph as cli-table3 tables — edges by calls (descending), then nodes,
 * cycles, paths and diff when present. No colours, so output is stable and pipes cleanly.
 */
import Table from 'cli-table3';
import type { DependencyReport, ReportEdge } from '../analysis/dependency-report.js';
import type { DependencyDiff } from '../analysis/dependency-diff.js';
import { formatCount, formatDurationUs, formatPercent, formatRate, formatRatio } from './format-figures.js';

const PLAIN = { head: [] as string[], border: [] as string[] };
/** No rule between body rows: compact, and faster for thousands of rows. */
const CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
/** cli-table3's layout is quadratic in rows; larger tables are drawn in slices of this many rows. */
const SLICE_ROWS = 250;

/**
 * A cli-table3 table of `rows` under `head`. Column widths are fixed from all rows, and slices are
 * stitched together without their inner top/bottom borders, so the result equals one big table.
 */
export function renderTable(head: string[], rows: string[][]): string {
  const width = (text: string) => [...text].length;
  const colWidths = head.map((h, c) => rows.reduce((w, r) => Math.max(w, width(r[c])), width(h)) + 2);
  const lines: string[] = [];
  for (let i = 0; i === 0 || i < rows.length; i += SLICE_ROWS) {
    const first = i === 0;
    const last = i + SLICE_ROWS >= rows.length;
    const table = new Table({ head: first ? head : [], style: PLAIN, chars: CHARS, colWidths });
    table.push(...rows.slice(i, i + SLICE_ROWS));
    let part = table.toString().split('\n');
    if (!first) part = part.slice(1);
    if (!last) part = part.slice(0, -1);
    lines.push(...part);
  }
  return lines.join('\n');
}

export function renderDepsTable(report: DependencyReport): string {
  const parts: string[] = [summaryLine(report)];
  if (report.query?.kind === 'paths') {
    parts.push(`Call paths ${report.query.from} → ${report.query.to}: ${report.query.paths.length}${report.query.truncated ? ' (more not shown)' : ''}`);
    for (const p of report.query.paths) parts.push(`  ${p.join(' → ')}`);
  }
  const traces = report.input === 'traces';
  const edgeHead = traces
    ? ['Caller', 'Callee', 'Calls', 'Rate/s', 'Errors', 'Err %', 'p50', 'p90', 'p99', 'Notes']
    : ['Caller', 'Callee', 'Calls'];
  const sorted = [...report.edges].sort((a, b) => b.calls - a.calls || (a.source < b.source ? -1 : a.source > b.source ? 1 : a.target < b.target ? -1 : 1));
  const edgeRows = sorted.map((e) =>
      traces
        ? [e.source, e.target, formatCount(e.calls), formatRate(e.ratePerSecond), formatCount(e.errors), formatPercent(e.errorRate), formatDurationUs(e.latency?.p50Us ?? e.clientLatency?.p50Us), formatDurationUs(e.latency?.p90Us ?? e.clientLatency?.p90Us), formatDurationUs(e.latency?.p99Us ?? e.clientLatency?.p99Us), edgeNotes(e)]
        : [e.source, e.target, formatCount(e.calls)],
  );
  parts.push(`Edges (${report.edges.length})`, report.edges.length ? renderTable(edgeHead, edgeRows) : '  none');
  if (traces) {
    const nodeRows = report.nodes.map((n) => [n.id, n.virtual ? n.connectionType || 'virtual' : 'service', formatCount(n.calls), formatRate(n.ratePerSecond), formatPercent(n.errorRate), formatDurationUs(n.duration?.p50Us), formatDurationUs(n.duration?.p99Us), formatCount(n.spans)]);
    parts.push(`Nodes (${report.nodes.length})`, renderTable(['Node', 'Kind', 'Calls', 'Rate/s', 'Err %', 'p50', 'p99', 'Spans'], nodeRows));
  }
  if (report.cycles.length) {
    parts.push(`Cycles (${report.cycles.length})`);
    for (const c of report.cycles) parts.push(`  ${c.example.join(' → ')}${c.nodes.length > c.example.length - 1 ? `  (group of ${c.nodes.length})` : ''}`);
  } else {
    parts.push('Cycles: none');
  }
  if (report.diff) parts.push(renderDiffTable(report.diff));
  return `${parts.join('\n')}\n`;
}

function summaryLine(r: DependencyReport): string {
  const window = r.window ? `${r.window.start} .. ${r.window.end}` : 'links file';
  const t = r.totals;
  const scope = r.query?.kind === 'neighbourhood' ? `, ${r.query.depth} hop(s) around ${r.query.service}` : '';
  const spans = r.input === 'traces' ? `${formatCount(t.traces)} traces, ${formatCount(t.spans)} spans, ` : '';
  const orphans = t.orphanSpans ? `, ${formatCount(t.orphanSpans)} spans with a missing parent` : '';
  return `Dependencies (${r.level} level${scope}) ${window}: ${spans}${formatCount(t.nodes)} nodes, ${formatCount(t.edges)} edges, ${formatCount(t.calls)} calls${orphans}`;
}

function edgeNotes(e: ReportEdge): string {
  const notes: string[] = [];
  if (e.asyncCalls > 0) notes.push(e.asyncCalls === e.calls ? 'async' : `async ${formatCount(e.asyncCalls)}`);
  if (e.connectionType) notes.push(e.connectionType);
  if (e.evidence['client+server'] === undefined && e.evidence['shared-span'] === undefined) {
    const kinds = Object.keys(e.evidence);
    if (kinds.length) notes.push(kinds.join('+'));
  }
  return notes.join(', ');
}

function renderDiffTable(d: DependencyDiff): string {
  const parts: string[] = [];
  const base = d.baselineWindow ? `${d.baselineWindow.start} .. ${d.baselineWindow.end}` : 'baseline links';
  parts.push(`Changes since baseline ${base}: ${d.edges.filter((e) => e.change === 'new').length} new, ${d.edges.filter((e) => e.change === 'vanished').length} vanished, ${d.edges.filter((e) => e.change === 'changed').length} changed, ${d.unchangedEdges} unchanged edges`);
  if (d.newNodes.length) parts.push(`  new nodes: ${d.newNodes.join(', ')}`);
  if (d.vanishedNodes.length) parts.push(`  vanished nodes: ${d.vanishedNodes.join(', ')}`);
  if (d.edges.length === 0) return parts.join('\n');
  const shift = (before: number | null, after: number | null, r: number | null) => `${formatDurationUs(before)} → ${formatDurationUs(after)}${r !== null ? ` (×${formatRatio(r)})` : ''}`;
  const rows = d.edges.map((e) => [e.change, e.source, e.target, `${formatCount(e.callsBefore)} → ${formatCount(e.callsAfter)}`, `${formatPercent(e.errorRateBefore)} → ${formatPercent(e.errorRateAfter)}`, shift(e.p50UsBefore, e.p50UsAfter, e.p50Ratio), shift(e.p99UsBefore, e.p99UsAfter, e.p99Ratio), e.reasons.join(', ')]);
  parts.push(renderTable(['Change', 'Caller', 'Callee', 'Calls', 'Err %', 'Median', 'p99', 'Why'], rows));
  return parts.join('\n');
}
