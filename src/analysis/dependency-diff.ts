/**
 * Dependency diff — what changed between a baseline graph and the current one: nodes and edges
 * that appeared or vanished, and edges whose error rate, p99 latency or call volume moved by more
 * than a threshold. Works on reports, so either side may come from traces or from links.
 *
 * Reference: reference-window comparison as in MicroRank / TraceRCA (analytics.md §2), applied to
 * Tempo-style per-edge RED figures.
 */
import type { DependencyReport, ReportEdge, ReportWindow } from './dependency-report.js';
import { compare } from './dependency-report.js';

export const DEPENDENCY_DIFF_DEFAULTS = {
  /** Absolute error-rate change (fraction) that marks an edge changed. */
  errorRateDelta: 0.01,
  /** p99 ratio (after/before) at or beyond which (or its inverse) an edge is changed. */
  latencyRatio: 1.5,
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
    const pa = p99(a) ?? undefined;
    const pb = p99(b) ?? undefined;
    if (pa !== undefined && pb !== undefined && pb > 0 && (pa / pb >= o.latencyRatio || pb / Math.max(pa, 1) >= o.latencyRatio)) reasons.push('latency');
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
  const p99b = b ? p99(b) : null;
  const p99a = a ? p99(a) : null;
  return {
    source: e.source,
    target: e.target,
    change,
    reasons,
    callsBefore: b?.calls ?? 0,
    callsAfter: a?.calls ?? 0,
    errorRateBefore: b?.errorRate ?? null,
    errorRateAfter: a?.errorRate ?? null,
    p99UsBefore: p99b,
    p99UsAfter: p99a,
    p99Ratio: p99a !== null && p99b !== null && p99b > 0 ? Math.round((p99a / p99b) * 100) / 100 : null,
  };
}

/** Callee-side p99, or the caller's for calls into uninstrumented peers. */
function p99(e: ReportEdge): number | null {
  return e.latency?.p99Us ?? e.clientLatency?.p99Us ?? null;
}
