/**
 * runDeps: the `deps` service function. Reads the dependency facts of the traces in a window
 * (SpanReader.forEachDependencySpans: stored or derived from findTraces; one trace at a time into the graph
 * builder, so memory grows with services and edges), or a Jaeger links file, then answers the optional question (neighbourhood, paths, diff) and returns
 * a DependencyReport. No printing; the command renders.
 */
import { readFile } from 'node:fs/promises';
import type { DependencyLink } from '../model/index.js';
import { InvalidArgumentError, NoDataError } from '../model/index.js';
import type { DependencyGraphBuilder, GraphLevel } from '../analysis/dependency-graph.js';
import { DependencyGraphBuilder as Builder, dependencyGraphFromLinks } from '../analysis/dependency-graph.js';
import type { DependencyReport } from '../analysis/dependency-report.js';
import { dependencyReport } from '../analysis/dependency-report.js';
import { diffDependencyReports } from '../analysis/dependency-diff.js';
import { findCycles } from '../analysis/graph-cycles.js';
import { neighbourhood } from '../analysis/graph-neighbourhood.js';
import { simplePaths } from '../analysis/graph-paths.js';
import { forEachDependencySpans } from '../storage/dependency-spans-source.js';
import type { Store } from '../storage/types.js';
import type { TimeWindow } from './shared-options.js';
import { isoFromUs } from './shared-options.js';

/** Where the graph comes from: a store over a window, or a Jaeger links file. */
export type DepsSource = { kind: 'store'; uri: string; window: TimeWindow } | { kind: 'links'; file: string };

export interface DepsOptions {
  source: DepsSource;
  level: GraphLevel;
  /** Neighbourhood question: nodes within `depth` hops of `service`. */
  service?: string;
  depth?: number;
  /** Path question: call paths from `path[0]` to `path[1]`. */
  path?: [string, string];
  /** Diff question: the baseline to compare with. */
  baseline?: DepsSource;
}

export interface DepsServices {
  openStore(uri: string): Promise<Store>;
  /** Called with the number of traces and spans read so far (progress display). */
  progress?(traces: number, spans: number): void;
}

export async function runDeps(opts: DepsOptions, services: DepsServices): Promise<DependencyReport> {
  const current = await buildFrom(opts.source, opts.level, services);
  const report = project(current, opts.source);
  const g = current.graph;
  report.cycles = findCycles(g);
  if (opts.service !== undefined) {
    const starts = matchingNodes(current, opts.service);
    const keep = neighbourhood(g, starts, opts.depth ?? 1);
    const sub = project(current, opts.source, keep);
    sub.cycles = report.cycles.filter((c) => c.nodes.every((n) => keep.has(n)));
    sub.query = { kind: 'neighbourhood', service: opts.service, depth: opts.depth ?? 1 };
    return withDiff(sub, opts, services, keep);
  }
  if (opts.path !== undefined) {
    const [from, to] = opts.path;
    const result = simplePaths(g, matchingNodes(current, from), matchingNodes(current, to));
    const keep = new Set(result.paths.flat());
    const sub = project(current, opts.source, keep);
    sub.cycles = report.cycles.filter((c) => c.nodes.every((n) => keep.has(n)));
    sub.query = { kind: 'paths', from, to, paths: result.paths, truncated: result.truncated };
    return withDiff(sub, opts, services, keep);
  }
  return withDiff(report, opts, services, undefined);
}

async function withDiff(report: DependencyReport, opts: DepsOptions, services: DepsServices, keep: Set<string> | undefined): Promise<DependencyReport> {
  if (!opts.baseline) return report;
  const base = await buildFrom(opts.baseline, opts.level, services, true);
  // Restrict the baseline to the same question's nodes, plus nodes it alone has next to them.
  let baseKeep: Set<string> | undefined;
  if (keep) {
    baseKeep = new Set<string>();
    base.graph.forEachEdge((_k, _a, s, t) => {
      if (keep.has(s) || keep.has(t)) {
        baseKeep!.add(s);
        baseKeep!.add(t);
      }
    });
    for (const n of keep) if (base.graph.hasNode(n)) baseKeep.add(n);
  }
  report.diff = diffDependencyReports(project(base, opts.baseline, baseKeep), report);
  return report;
}

function project(builder: DependencyGraphBuilder, source: DepsSource, include?: ReadonlySet<string>): DependencyReport {
  return dependencyReport(builder.graph, {
    input: source.kind === 'links' ? 'links' : 'traces',
    window: source.kind === 'store' ? source.window : null,
    totals: builder.totals,
    include,
  });
}

/** Node keys of a service: the service node, or every `service::operation` node. */
function matchingNodes(builder: DependencyGraphBuilder, service: string): string[] {
  const g = builder.graph;
  const nodes = g.filterNodes((_n, a) => a.service === service);
  if (nodes.length === 0) {
    const known = g.reduceNodes((acc: Set<string>, _n, a) => acc.add(a.service), new Set<string>());
    const names = [...known].sort();
    const hint = names.length ? ` (${names.length} services, e.g. ${names.slice(0, 5).join(', ')})` : '';
    throw new InvalidArgumentError(`unknown service "${service}": not in the dependency graph${hint}`);
  }
  return nodes.sort();
}

async function buildFrom(source: DepsSource, level: GraphLevel, services: DepsServices, baseline = false): Promise<DependencyGraphBuilder> {
  if (source.kind === 'links') return dependencyGraphFromLinks(await readLinksFile(source.file));
  const store = await services.openStore(source.uri);
  try {
    const builder = new Builder({ level });
    const w = source.window;
    let spans = 0;
    await forEachDependencySpans(store, { startTimeMin: w.start, startTimeMax: w.end }, (trace) => {
      builder.addSpans(trace);
      spans += trace.length;
      services.progress?.(builder.totals.traces, spans);
    });
    if (builder.totals.traces === 0) {
      throw new NoDataError(`no traces in ${baseline ? 'the baseline window' : 'the window'} ${isoFromUs(w.start)} .. ${isoFromUs(w.end)} in ${redactUri(source.uri)}`);
    }
    return builder;
  } finally {
    await store.close();
  }
}

/**
 * Jaeger dependency links from a JSON file: `[{parent, child, callCount}]` (spark-dependencies,
 * jaeger-ui fixtures) or the query API envelope `{data: [...]}`.
 */
export async function readLinksFile(file: string): Promise<DependencyLink[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`--links ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--links ${file}: not JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { data?: unknown }).data) ? (doc as { data: unknown[] }).data : undefined;
  if (!list) throw new InvalidArgumentError(`--links ${file}: expected [{parent, child, callCount}] or {data: [...]}`);
  return list.map((l, i) => {
    const o = l as Record<string, unknown>;
    if (!o || typeof o.parent !== 'string' || typeof o.child !== 'string' || !(Number(o.callCount) >= 0)) {
      throw new InvalidArgumentError(`--links ${file}: entry ${i} is not {parent, child, callCount}`);
    }
    return { parent: o.parent, child: o.child, callCount: Number(o.callCount) };
  });
}

/** The URI without credentials or query string, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '');
}
