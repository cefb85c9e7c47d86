/**
 * Dependency diff — what changed between a baseline graph and the current one: nodes and edges
 * that appeared or vanished, and edges whose error rate, latency (median or p99) or call volume
 * moved by more than a threshold. The median catches a whole distribution moving even when the
 * baseline's p99 already holds a few slow calls (p99 alone then reads "unchanged"). Works on reports, so either side may come from traces or from links.
 *
 * Reference: reference-window comparison as in MicroRank / TraceRCA (analytics.md §2), applied to
 * Tempo-style per-edge RED figures.
 */
import type { DependencyReport, ReportEdge, ReportWindow } from './dependency-report.js';
import { compare } from './dependency-report.js';

export const DEPENDENCY_DIFF_DEFAULTS = {
  /** Absolute error-rate change (fraction) that marks an edge changed. */
  errorRateDelta: 0.01,
  /** Median or p99 ratio (after/before) at or beyond which (or its inverse) an edge is changed. */
  latencyRatio: 1.5,
  /**
   * …and by at least this many µs: sub-millisecond moves of fast calls are scheduling jitter (the
   * same 1 ms floor as the anomaly detector's minShiftUs).
   */
  minLatencyDeltaUs: 1000,
  /** Call-count ratio at or beyond which (or its inverse) an edge is changed. */
  callsRatio: 2,
};

export type EdgeChange = 'new' | 'vanished' | 'changed';

export interface EdgeDiff {
  source: string;
  target: string;
  change: EdgeChange;
  /** Why a `changed` edge is listed: any of "errors", "latency", "calls". */
  reasons: string[];
  callsBefore: number;
  callsAfter: number;
  errorRateBefore: number | null;
  errorRateAfter: number | null;
  p50UsBefore: number | null;
  p50UsAfter: number | null;
  /** Median after / before; null when either is unknown. */
  p50Ratio: number | null;
  p99UsBefore: number | null;
  p99UsAfter: number | null;
  /** p99 after / before; null when either is unknown. */
  p99Ratio: number | null;
}

export interface DependencyDiff {
  baselineWindow: ReportWindow | null;
  window: ReportWindow | null;
  newNodes: string[];
  vanishedNodes: string[];
  /** New, vanished, then changed; each group by source then target. */
  edges: EdgeDiff[];
  unchangedEdges: number;
}

export function diffDependencyReports(baseline: DependencyReport, current: DependencyReport, options: Partial<typeof DEPENDENCY_DIFF_DEFAULTS> = {}): DependencyDiff {
  const o = { ...DEPENDENCY_DIFF_DEFAULTS, ...options };
  const key = (e: ReportEdge) => `${e.source}\u0000${e.target}`;
  const before = new Map(baseline.edges.map((e) => [key(e), e]));
  const after = new Map(current.edges.map((e) => [key(e), e]));
  const beforeNodes = new Set(baseline.nodes.map((n) => n.id));
  const afterNodes = new Set(current.nodes.map((n) => n.id));
  const out: EdgeDiff[] = [];
  let unchanged = 0;
  for (const [k, a] of after) {
    const b = before.get(k);
    if (!b) {
      out.push(entry(undefined, a, 'new', []));
      continue;
    }
    const reasons: string[] = [];
    if (a.errorRate !== null && b.errorRate !== null && Math.abs(a.errorRate - b.errorRate) >= o.errorRateDelta) reasons.push('errors');
    const moved = (after: number | null, before: number | null) =>
      after !== null && before !== null && before > 0 && Math.abs(after - before) >= o.minLatencyDeltaUs && (after / before >= o.latencyRatio || before / Math.max(after, 1) >= o.latencyRatio);
    if (moved(quantile(a, 'p50Us'), quantile(b, 'p50Us')) || moved(quantile(a, 'p99Us'), quantile(b, 'p99Us'))) reasons.push('latency');
    if (b.calls > 0 && a.calls > 0 && (a.calls / b.calls >= o.callsRatio || b.calls / a.calls >= o.callsRatio)) reasons.push('calls');
    if (reasons.length > 0) out.push(entry(b, a, 'changed', reasons));
    else unchanged++;
  }
  for (const [k, b] of before) if (!after.has(k)) out.push(entry(b, undefined, 'vanished', []));
  const rank: Record<EdgeChange, number> = { new: 0, vanished: 1, changed: 2 };
  out.sort((x, y) => rank[x.change] - rank[y.change] || compare(x.source, y.source) || compare(x.target, y.target));
  return {
    baselineWindow: baseline.window,
    window: current.window,
    newNodes: [...afterNodes].filter((n) => !beforeNodes.has(n)).sort(compare),
    vanishedNodes: [...beforeNodes].filter((n) => !afterNodes.has(n)).sort(compare),
    edges: out,
    unchangedEdges: unchanged,
  };
}

function entry(b: ReportEdge | undefined, a: ReportEdge | undefined, change: EdgeChange, reasons: string[]): EdgeDiff {
  const e = (a ?? b)!;
  const p50b = b ? quantile(b, 'p50Us') : null;
  const p50a = a ? quantile(a, 'p50Us') : null;
  const p99b = b ? quantile(b, 'p99Us') : null;
  const p99a = a ? quantile(a, 'p99Us') : null;
  return {
    source: e.source,
    target: e.target,
    change,
    reasons,
    callsBefore: b?.calls ?? 0,
    callsAfter: a?.calls ?? 0,
    errorRateBefore: b?.errorRate ?? null,
    errorRateAfter: a?.errorRate ?? null,
    p50UsBefore: p50b,
    p50UsAfter: p50a,
    p50Ratio: ratio(p50a, p50b),
    p99UsBefore: p99b,
    p99UsAfter: p99a,
    p99Ratio: ratio(p99a, p99b),
  };
}

/** Callee-side latency quantile, or the caller's for calls into uninstrumented peers. */
function quantile(e: ReportEdge, q: 'p50Us' | 'p99Us'): number | null {
  return e.latency?.[q] ?? e.clientLatency?.[q] ?? null;
}

/** after / before to two decimals; null when either is unknown or before is 0. */
function ratio(after: number | null, before: number | null): number | null {
  return after !== null && before !== null && before > 0 ? Math.round((after / before) * 100) / 100 : null;
}
