/** Short labels and weights shared by the graph renderers (DOT, Mermaid, GraphML, HTML). */
import type { DependencyReport, ReportEdge, ReportNode } from '../analysis/dependency-report.js';
import { formatCount, formatDurationUs, formatPercent } from './format-figures.js';

/** "120 calls · 2 err · p99 12ms" (only figures that are known). */
export function edgeLabel(e: ReportEdge): string {
  const parts = [`${formatCount(e.calls)} calls`];
  if (e.errors > 0) parts.push(`${formatCount(e.errors)} err (${formatPercent(e.errorRate)})`);
  const p99 = e.latency?.p99Us ?? e.clientLatency?.p99Us;
  if (p99 !== undefined) parts.push(`p99 ${formatDurationUs(p99)}`);
  if (e.asyncCalls > 0) parts.push('async');
  return parts.join(' · ');
}

/** Second line of a node label: its request figures when known. */
export function nodeFigures(n: ReportNode): string {
  if (n.calls === 0) return '';
  const parts = [`${formatCount(n.calls)} req`];
  if (n.errors > 0) parts.push(`${formatPercent(n.errorRate)} err`);
  if (n.duration) parts.push(`p99 ${formatDurationUs(n.duration.p99Us)}`);
  return parts.join(' · ');
}

/** Edge width 1…6, logarithmic in calls relative to the busiest edge. */
export function edgeWeights(report: DependencyReport): (e: ReportEdge) => number {
  const max = report.edges.reduce((m, e) => Math.max(m, e.calls), 1);
  const logMax = Math.log1p(max);
  return (e) => Math.round((1 + (5 * Math.log1p(e.calls)) / logMax) * 100) / 100;
}
