/** Phrases shared by the text renderers of `anomalies` (table, markdown, html). */
import type { AnomalyReport, OperationSummary, RootCause, SignalCounts } from '../analysis/anomaly-report.js';
import { ANOMALY_SIGNALS } from '../analysis/anomaly-report.js';
import { formatCount, formatDurationUs, formatPercent, formatRatio } from './format-figures.js';

/** Rendering choices of the text formats. */
export interface AnomaliesRenderOptions {
  /** Table: every evidence column (default: a compact table that fits 120 columns). */
  wide?: boolean;
  /** Jaeger UI base URL (http://host:16686): trace ids become links to `${jaegerUi}/trace/${id}` in markdown and HTML. */
  jaegerUi?: string;
  /** JSON: abnormal traces listed at most (default DEFAULT_MAX_TRACES of anomalies-json.ts). */
  maxTraces?: number;
}

/** What every column and abbreviation of the reports means (table, markdown and HTML print it). */
export const LEGEND = [
  'Score = spectrum score over abnormal vs normal traces, weighted by origin evidence',
  'Origin = share of abnormal traces in which the node holds the deepest abnormal span',
  'Signals = what those origin spans were abnormal on; "relay only" = on abnormal traces but never their origin (it passes a slowdown on)',
  'Counts: ef/ep = abnormal/normal traces through the node, nf/np = abnormal/normal traces not through it',
  'Crit. path = mean share of the abnormal traces\' critical path spent in the node',
  'median, p99 = window vs baseline latency (×ratio)',
];

/** The link to a trace in the Jaeger UI at `base`. */
export function traceUrl(base: string, traceId: string): string {
  return `${base.replace(/\/+$/, '')}/trace/${traceId}`;
}

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

/** The instance slower than its siblings when there is one (instance-evidence.ts), else the most frequent among origin spans. */
export function instanceText(rc: RootCause): string {
  const s = rc.evidence.instanceShift;
  if (s) return `${s.instance} (${SHIFT_SIGNAL_TEXT[s.signal]} ×${formatRatio(Math.exp(s.shift))} its siblings')`;
  const t = rc.evidence.topInstance;
  return t ? `${t.name} (${formatPercent(t.share)})` : '-';
}

const SHIFT_SIGNAL_TEXT = { selfTime: 'self-time', gap: 'network in', callerGap: 'network out' } as const;

/** "median 2.00ms → 305ms (×152), p99 312ms → 345ms (×1.11); errors 0% → 0%; throughput ×1.00" */
export function shiftText(o: OperationSummary): string {
  const median = `median ${formatDurationUs(o.baseline?.p50)} → ${formatDurationUs(o.window.p50)}${ratioText(o.p50Shift)}`;
  const p99 = `p99 ${formatDurationUs(o.baseline?.p99)} → ${formatDurationUs(o.window.p99)}${ratioText(o.p99Shift)}`;
  const err = `errors ${formatPercent(o.baseline?.errorRate)} → ${formatPercent(o.window.errorRate)}`;
  const tput = o.throughputChange !== null ? `throughput ×${o.throughputChange.toFixed(2)}` : 'throughput -';
  return `${median}, ${p99}; ${err}; ${tput}`;
}

function ratioText(r: number | null): string {
  return r === null ? '' : ` (×${formatRatio(r)})`;
}

/**
 * The one figure of an operation that moved most: its errors when only the error signal fired,
 * otherwise the median or the p99, whichever ratio is further from 1 (a shifted median is a whole
 * distribution moving; p99 alone misses it once the baseline holds a few slow calls).
 */
export function largestMove(o: OperationSummary): string {
  const latencyFired = o.signals.some((s) => s !== 'error');
  if (!latencyFired && o.signals.includes('error')) return `errors ${formatPercent(o.baseline?.errorRate)} → ${formatPercent(o.window.errorRate)}`;
  const far = (r: number | null) => (r === null || !(r > 0) ? 0 : Math.abs(Math.log(r)));
  const useMedian = far(o.p50Shift) >= far(o.p99Shift);
  const [name, before, after, r] = useMedian ? ['median', o.baseline?.p50, o.window.p50, o.p50Shift] : ['p99', o.baseline?.p99, o.window.p99, o.p99Shift];
  return `${name} ${formatDurationUs(before)} → ${formatDurationUs(after)}${ratioText(r)}`;
}

/**
 * The headline: what moved most at the top suspect — its shifted operation (the top operation root
 * cause's, else the first shifted operation) and that operation's largest move; undefined when
 * nothing shifted.
 */
export function headline(r: AnomalyReport): string | undefined {
  const suspect = r.operationRootCauses[0];
  const top = (suspect && r.anomalies.find((o) => o.service === suspect.service && o.operation === suspect.operation)) ?? r.anomalies[0];
  return top ? `Largest shift: ${operationLabel(top)} ${largestMove(top)}` : undefined;
}

export function operationLabel(o: { service: string; operation: string; spanKind?: string }): string {
  return `${o.service} / ${o.operation}${o.spanKind ? ` [${o.spanKind}]` : ''}`;
}

/** ISO-8601 UTC (millisecond precision) for µs since epoch. */
export function isoFromUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
