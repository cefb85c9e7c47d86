/** Phrases shared by the text renderers of `anomalies` (table, markdown, html). */
import type { AnomalyReport, OperationSummary, RootCause, SignalCounts } from '../analysis/anomaly-report.js';
import { ANOMALY_SIGNALS } from '../analysis/anomaly-report.js';
import { formatCount, formatDurationUs, formatPercent } from './format-figures.js';

export const SIGNAL_LABEL = { latency: 'latency', selfTime: 'self-time', gap: 'client-server gap', error: 'errors' } as const;

/** "self-time 32, errors 1" — the origin signals that fired, most frequent first. */
export function signalsFired(c: SignalCounts): string {
  const parts = ANOMALY_SIGNALS.filter((s) => c[s] > 0).sort((a, b) => c[b] - c[a]);
  return parts.length ? parts.map((s) => `${SIGNAL_LABEL[s]} ${formatCount(c[s])}`).join(', ') : 'relay only';
}

export function summaryLine(r: AnomalyReport): string {
  const w = r.window;
  const scope = r.service ? ` (traces through ${r.service})` : '';
  return `Anomalies ${isoFromUs(w.start)} .. ${isoFromUs(w.end)}${scope}: ${formatCount(w.abnormalTraces)} abnormal of ${formatCount(w.traces)} traces (${formatCount(w.spans)} spans); baseline ${isoFromUs(r.baseline.start)} .. ${isoFromUs(r.baseline.end)}: ${formatCount(r.baseline.traces)} traces; ${r.method}${r.pagerank ? ' + PageRank' : ''}`;
}

/**
 * The verdict's lead-in, by how confident the ranking is: "Root cause" (clear), "Most likely root
 * cause" (likely, or no confidence given), "No clear root cause; first suspect" (flat evidence).
 */
export function verdictTitle(r: AnomalyReport): string {
  const level = r.confidence?.level;
  return level === 'clear' ? 'Root cause' : level === 'none' ? 'No clear root cause; first suspect' : 'Most likely root cause';
}

/** "Confidence clear: cart is 42% ahead of … ." (the reason states the margin) — empty without a confidence. */
export function confidenceText(r: AnomalyReport): string {
  const c = r.confidence;
  return c ? `Confidence ${c.level}: ${c.reason}.` : '';
}

export function countsText(rc: RootCause): string {
  const e = rc.evidence;
  return `ef ${e.ef} ep ${e.ep} nf ${e.nf} np ${e.np}`;
}

export function originText(rc: RootCause): string {
  return `${formatPercent(rc.evidence.originShare)} (${formatCount(rc.evidence.originTraces)} traces)`;
}

export function instanceText(rc: RootCause): string {
  const t = rc.evidence.topInstance;
  return t ? `${t.name} (${formatPercent(t.share)})` : '-';
}

export function shiftText(o: OperationSummary): string {
  const p99 = `p99 ${formatDurationUs(o.baseline?.p99)} → ${formatDurationUs(o.window.p99)}${o.p99Shift !== null ? ` (×${o.p99Shift.toFixed(2)})` : ''}`;
  const err = `errors ${formatPercent(o.baseline?.errorRate)} → ${formatPercent(o.window.errorRate)}`;
  const tput = o.throughputChange !== null ? `throughput ×${o.throughputChange.toFixed(2)}` : 'throughput -';
  return `${p99}; ${err}; ${tput}`;
}

export function operationLabel(o: { service: string; operation: string; spanKind?: string }): string {
  return `${o.service} / ${o.operation}${o.spanKind ? ` [${o.spanKind}]` : ''}`;
}

/** ISO-8601 UTC (millisecond precision) for µs since epoch. */
export function isoFromUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
