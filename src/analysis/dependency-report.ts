/**
 * Dependency report — the plain, stable data form of a dependency graph (what `--format json`
 * prints and every renderer draws). Schema `jaeger-sls/deps@1`, documented in docs/deps-json.md.
 *
 * Numbers: durations are integer µs (`*Us`), rates per second rounded to 4 decimals, error rates
 * fractions in [0, 1] rounded to 4 decimals; absent figures (links-only input, no calls) are null.
 * Order: nodes by id, edges by source then target, so equal inputs give byte-equal output.
 *
 * Reference: Jaeger `/api/dependencies` (`DependencyLink`); Tempo service-graph edge figures.
 */
import type { DependencyGraph, EdgeEvidence, GraphLevel, GraphTotals } from './dependency-graph.js';
import { EDGE_EVIDENCE } from './dependency-graph.js';
import type { DependencyDiff } from './dependency-diff.js';
import type { LatencySketch } from './latency-sketch.js';

export const DEPS_SCHEMA = 'jaeger-sls/deps@1';

export interface LatencySummary {
  p50Us: number;
  p90Us: number;
  p99Us: number;
  meanUs: number;
  maxUs: number;
}

export interface ReportNode {
  /** The graph key: service, `service::operation`, or the peer name of a virtual node. */
  id: string;
  service: string;
  operation: string | null;
  virtual: boolean;
  /** "" for services; "database", "messaging" or "virtual" for uninstrumented peers. */
  connectionType: string;
  spans: number;
  errorSpans: number;
  /** Requests into the node: entry spans, or calls into a virtual node. */
  calls: number;
  errors: number;
  errorRate: number | null;
  /** calls per second over the window; null without a window. */
  ratePerSecond: number | null;
  duration: LatencySummary | null;
}

export interface ReportEdge {
  source: string;
  target: string;
  calls: number;
  errors: number;
  errorRate: number | null;
  /** Calls over FOLLOWS_FROM or PRODUCER→CONSUMER. */
  asyncCalls: number;
  skewedCalls: number;
  ratePerSecond: number | null;
  connectionType: string;
  /** Calls per kind of evidence; only kinds seen are listed. */
  evidence: Partial<Record<EdgeEvidence, number>>;
  /** Callee span durations. */
  latency: LatencySummary | null;
  /** Caller CLIENT/PRODUCER span durations. */
  clientLatency: LatencySummary | null;
}

export interface ReportWindow {
  start: string;
  end: string;
  startUs: number;
  endUs: number;
}

export interface DependencyReport {
  schema: typeof DEPS_SCHEMA;
  level: GraphLevel;
  /** "traces": figures from spans; "links": call counts only (Jaeger links input). */
  input: 'traces' | 'links';
  window: ReportWindow | null;
  totals: {
    traces: number;
    spans: number;
    nodes: number;
    edges: number;
    calls: number;
    errors: number;
    orphanSpans: number;
    duplicateSpans: number;
    crossTraceReferences: number;
  };
  nodes: ReportNode[];
  edges: ReportEdge[];
  /** Strongly connected groups of two or more nodes, each with one example cycle. */
  cycles: { nodes: string[]; example: string[] }[];
  /** Set by `--service/--depth` or `--path`. */
  /** Set by `--diff`: changes from the baseline window to this one. */
  diff?: DependencyDiff;
  query?: { kind: 'neighbourhood'; service: string; depth: number } | { kind: 'paths'; from: string; to: string; paths: string[][]; truncated: boolean };
}

export interface ReportOptions {
  input: 'traces' | 'links';
  /** µs window used to compute rates; null leaves rates null. */
  window: { start: number; end: number } | null;
  totals: GraphTotals;
  /** Only these nodes (and edges between them); all when absent. */
  include?: ReadonlySet<string>;
}

/** Projects a graph (or a subgraph of it) onto the report shape. */
export function dependencyReport(graph: DependencyGraph, options: ReportOptions): DependencyReport {
  const seconds = options.window ? Math.max(1e-6, (options.window.end - options.window.start) / 1e6) : null;
  const rate = (n: number) => (seconds === null ? null : round4(n / seconds));
  const level = graph.getAttribute('level');
  const nodes: ReportNode[] = [];
  const keep = options.include;
  graph.forEachNode((id, a) => {
    if (keep && !keep.has(id)) return;
    // At the operation level internal-only operations are noise: keep callers, callees and entries.
    if (level === 'operation' && a.calls === 0 && graph.degree(id) === 0) return;
    nodes.push({
      id,
      service: a.service,
      operation: a.operation ?? null,
      virtual: a.virtual,
      connectionType: a.connectionType,
      spans: a.spans,
      errorSpans: a.errorSpans,
      calls: a.calls,
      errors: a.errors,
      errorRate: a.calls > 0 && options.input === 'traces' ? round4(a.errors / a.calls) : null,
      ratePerSecond: rate(a.calls),
      duration: summarize(a.duration),
    });
  });
  nodes.sort((x, y) => compare(x.id, y.id));
  const edges: ReportEdge[] = [];
  let calls = 0;
  let errors = 0;
  graph.forEachEdge((_k, a, source, target) => {
    if (keep && !(keep.has(source) && keep.has(target))) return;
    calls += a.calls;
    errors += a.errors;
    const evidence: Partial<Record<EdgeEvidence, number>> = {};
    for (const e of EDGE_EVIDENCE) if (a.evidence[e] > 0) evidence[e] = a.evidence[e];
    edges.push({
      source,
      target,
      calls: a.calls,
      errors: a.errors,
      errorRate: a.calls > 0 && options.input === 'traces' ? round4(a.errors / a.calls) : null,
      asyncCalls: a.async,
      skewedCalls: a.skewed,
      ratePerSecond: rate(a.calls),
      connectionType: a.connectionType,
      evidence,
      latency: summarize(a.latency),
      clientLatency: summarize(a.clientLatency),
    });
  });
  edges.sort((x, y) => compare(x.source, y.source) || compare(x.target, y.target));
  const t = options.totals;
  return {
    schema: DEPS_SCHEMA,
    level,
    input: options.input,
    window: options.window
      ? { start: new Date(Math.floor(options.window.start / 1000)).toISOString(), end: new Date(Math.floor(options.window.end / 1000)).toISOString(), startUs: options.window.start, endUs: options.window.end }
      : null,
    totals: {
      traces: t.traces,
      spans: t.spans,
      nodes: nodes.length,
      edges: edges.length,
      calls,
      errors,
      orphanSpans: t.orphanSpans,
      duplicateSpans: t.duplicateSpans,
      crossTraceReferences: t.crossTraceReferences,
    },
    nodes,
    edges,
    cycles: [],
  };
}

const SUMMARY_QUANTILES = [0.5, 0.9, 0.99];

export function summarize(sketch: LatencySketch | null): LatencySummary | null {
  if (!sketch || sketch.count === 0) return null;
  const [p50, p90, p99] = sketch.quantiles(SUMMARY_QUANTILES);
  return {
    p50Us: Math.round(p50),
    p90Us: Math.round(p90),
    p99Us: Math.round(p99),
    meanUs: Math.round(sketch.mean),
    maxUs: Math.round(sketch.max),
  };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
