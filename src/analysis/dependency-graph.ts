/**
 * Dependency graph — who calls whom, how often, how fast, how often failing.
 *
 * Traces are added one at a time, as their dependency facts (`addSpans`; facts/dependency-spans.ts,
 * and `addTrace` derives them from whole spans). Which spans are calls is the one rule of
 * facts/call-pairing.ts; this file adds figures to what it reports. State is one graphology node
 * per service (or per service+operation) and one edge per caller→callee pair, each with counters and
 * latency sketches, so memory grows with services and edges, never with spans.
 *
 * - **Nodes**: `spans`/`errorSpans` count every span of the node; `calls`/`errors`/`duration`
 *   count entry spans and, for virtual nodes (peers, added with `virtualNodes`), the calls into them.
 * - **Edges**: calls, failed calls (`callFailed`), async calls, evidence; per edge the callee's span
 *   duration (`latency`) and, when the caller is a CLIENT/PRODUCER span, the caller's
 *   (`clientLatency`); durations only, so clock skew between hosts changes nothing. Reference calls
 *   whose callee starts before or ends after its caller are counted as `skewed` for information.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; grafana/tempo
 * `modules/generator/processor/servicegraphs/servicegraphs.go`; see reference/analytics.md §1.
 */
import { DirectedGraph } from 'graphology';
import type { DependencyLink, Trace } from '../model/index.js';
import { AnalysisInputError } from '../model/index.js';
import { LatencySketch } from './latency-sketch.js';
import type { BucketIndexTable } from './latency-sketch.js';
import type { ConnectionType, DependencySpans, SpanFacts } from '../facts/dependency-spans.js';
import { DependencySpansBuffer } from '../facts/dependency-spans.js';
import type { CallEvidence, CallVisitor } from '../facts/call-pairing.js';
import { CallPairing, callFailed, isCallerKind } from '../facts/call-pairing.js';

export type GraphLevel = 'service' | 'operation';
export type { ConnectionType };
export type EdgeEvidence = CallEvidence;

export const EDGE_EVIDENCE: readonly EdgeEvidence[] = ['client+server', 'client-only', 'server-only', 'reference', 'shared-span', 'peer-tag'];

export const DEPENDENCY_GRAPH_DEFAULTS = {
  level: 'service' as GraphLevel,
  /** Add virtual nodes for uninstrumented peers (rule 3). */
  virtualNodes: true,
  /** Keep latency sketches (off for the store's plain DependencyReader). */
  latency: true,
  /** Relative accuracy of the latency sketches. */
  relativeAccuracy: 0.01,
};

export type DependencyGraphOptions = Partial<typeof DEPENDENCY_GRAPH_DEFAULTS>;

export interface NodeStats {
  service: string;
  /** Set at `--level operation` for instrumented nodes. */
  operation?: string;
  /** True while the node is known only from a peer tag. */
  virtual: boolean;
  connectionType: ConnectionType;
  spans: number;
  errorSpans: number;
  /** Entry spans (or calls into a virtual node). */
  calls: number;
  errors: number;
  /** Durations (µs) of the entry spans / of the client spans into a virtual node. */
  duration: LatencySketch | null;
}

export interface EdgeStats {
  calls: number;
  errors: number;
  /** Calls over FOLLOWS_FROM references or PRODUCER→CONSUMER pairs. */
  async: number;
  /** Calls whose callee starts before or ends after its caller (clock skew or async work). */
  skewed: number;
  evidence: Record<EdgeEvidence, number>;
  connectionType: ConnectionType;
  /** Callee span durations, µs. */
  latency: LatencySketch | null;
  /** Caller CLIENT/PRODUCER span durations, µs. */
  clientLatency: LatencySketch | null;
}

export interface GraphTotals {
  traces: number;
  spans: number;
  /** Duplicate span ids (same id, service and kind) ignored. */
  duplicateSpans: number;
  /** References to spans absent from the trace. */
  orphanSpans: number;
  crossTraceReferences: number;
  /** Span start times seen, µs; NaN before the first span. */
  firstSpanStart: number;
  lastSpanEnd: number;
}

export type DependencyGraph = DirectedGraph<NodeStats, EdgeStats, { level: GraphLevel }>;

/** Builds the graph from traces added one at a time; see the module banner for the rules. */
export class DependencyGraphBuilder {
  readonly graph: DependencyGraph;
  readonly options: Required<DependencyGraphOptions>;
  readonly totals: GraphTotals = {
    traces: 0,
    spans: 0,
    duplicateSpans: 0,
    orphanSpans: 0,
    crossTraceReferences: 0,
    firstSpanStart: Number.NaN,
    lastSpanEnd: Number.NaN,
  };

  /** Nodes by number (creation order): key, figures, outgoing edges by target number. */
  private readonly nodeNumbers = new Map<string, number>();
  private sketchIndexes: BucketIndexTable | undefined;
  private readonly nodeKeys: string[] = [];
  private readonly nodeStats: NodeStats[] = [];
  /** edgesFrom[source][target]: the edge between two node numbers. */
  private readonly edgesFrom: EdgeStats[][] = [];
  /** The name table (DependencySpans.names) the span node caches below are for. */
  private names: readonly string[] | null = null;
  /** Service level: name number → node number + 1 (0: not yet looked up). */
  private serviceNodes = new Int32Array(0);
  /** Operation level: service name number → operation name number → node number. */
  private operationNodes: Map<number, number>[] = [];
  private nodeOf = new Int32Array(64);
  private readonly pairing = new CallPairing();
  /** The trace being added, while `pairing` reports it to `visitor`. */
  private current: DependencySpans | null = null;
  private readonly spansScratch = new DependencySpansBuffer();

  constructor(options: DependencyGraphOptions = {}) {
    this.options = { ...DEPENDENCY_GRAPH_DEFAULTS, ...options };
    if (this.options.level !== 'service' && this.options.level !== 'operation') {
      throw new AnalysisInputError(`analysis/dependency-graph: level must be "service" or "operation", got "${String(this.options.level)}"`);
    }
    this.graph = new DirectedGraph<NodeStats, EdgeStats, { level: GraphLevel }>();
    this.graph.replaceAttributes({ level: this.options.level });
  }

  /**
   * Adds one trace. Spans of other traces in the list are ignored by reference matching. `facts`:
   * `spanFacts` of each span (facts/dependency-spans.ts), in order, when the caller has them.
   */
  addTrace(trace: Trace, facts?: readonly SpanFacts[]): void {
    if (facts && facts.length !== trace.spans.length) throw new AnalysisInputError(`analysis/dependency-graph: ${facts.length} span facts for ${trace.spans.length} spans`);
    this.addSpans(this.spansScratch.fromTrace(trace, facts));
  }

  /** Adds one trace given as its dependency facts (facts/dependency-spans.ts); `ds` is not kept. */
  addSpans(ds: DependencySpans): void {
    const n = ds.length;
    if (n === 0) return;
    this.totals.traces++;
    if (this.nodeOf.length < n) this.nodeOf = new Int32Array(Math.max(n, this.nodeOf.length * 2));
    if (ds.names !== this.names) this.forgetSpanNodes(ds.names);
    this.current = ds;
    this.pairing.pair(ds, this.visitor, this.totals);
    this.current = null;
  }

  /** What the call-pairing rule (facts/call-pairing.ts) reports, added to the graph. */
  private readonly visitor: CallVisitor = {
    span: (i) => {
      const { start, duration, service, operation, facts } = this.current!;
      this.totals.spans++;
      const end = start[i] + duration[i];
      if (!(start[i] >= this.totals.firstSpanStart)) this.totals.firstSpanStart = start[i];
      if (!(end <= this.totals.lastSpanEnd)) this.totals.lastSpanEnd = end;
      const node = this.nodeStats[(this.nodeOf[i] = this.spanNode(service[i], operation[i]))];
      node.spans++;
      if (facts[i].error) node.errorSpans++;
    },
    call: (p, i, evidence, isAsync) => {
      const { start, duration, facts } = this.current!;
      const edge = this.edgeBetween(this.nodeOf[p], this.nodeOf[i], '');
      edge.evidence[evidence]++;
      this.countCall(edge, isAsync, callFailed(facts, p, i), duration[i], isCallerKind(facts[p].kind) ? duration[p] : -1);
      if (evidence !== 'shared-span' && (start[i] < start[p] || start[i] + duration[i] > start[p] + duration[p])) edge.skewed++;
    },
    entry: (i) => {
      const { duration, facts } = this.current!;
      const node = this.nodeStats[this.nodeOf[i]];
      node.calls++;
      if (facts[i].error) node.errors++;
      node.duration?.add(duration[i]);
    },
    peerCall: (i) => {
      if (!this.options.virtualNodes) return;
      const { duration, facts } = this.current!;
      const f = facts[i];
      const peerNumber = this.nodeNumber(f.peer!, f.peer!, undefined, true, f.peerType);
      const peer = this.nodeStats[peerNumber];
      peer.calls++;
      if (f.error) peer.errors++;
      peer.duration?.add(duration[i]);
      const edge = this.edgeBetween(this.nodeOf[i], peerNumber, f.peerType);
      edge.evidence['peer-tag']++;
      this.countCall(edge, f.kind === 'producer', f.error, -1, duration[i]);
    },
  };

  /** Jaeger-compatible links: service → service call counts, sorted by parent then child. */
  links(): DependencyLink[] {
    const counts = new Map<string, DependencyLink>();
    this.graph.forEachEdge((_key, attrs, source, target) => {
      const parent = this.graph.getNodeAttribute(source, 'service');
      const child = this.graph.getNodeAttribute(target, 'service');
      const k = `${parent}\u0000${child}`;
      const link = counts.get(k);
      if (link) link.callCount += attrs.calls;
      else counts.set(k, { parent, child, callCount: attrs.calls });
    });
    return [...counts.values()].sort((a, b) => compareStrings(a.parent, b.parent) || compareStrings(a.child, b.child));
  }

  /** The node key for a span: the service, or `service::operation` at the operation level. */
  nodeKey(service: string, operation: string | undefined): string {
    return this.options.level === 'operation' && operation !== undefined ? `${service}::${operation}` : service;
  }

  /** Starts the span node caches over for another name table. */
  private forgetSpanNodes(names: readonly string[]): void {
    this.names = names;
    this.serviceNodes = new Int32Array(Math.max(64, names.length));
    this.operationNodes = [];
  }

  /** The node number of an instrumented span's service (and operation), by name numbers of `this.names`. */
  private spanNode(service: number, operation: number): number {
    const names = this.names!;
    if (this.options.level === 'operation') {
      let byOperation = this.operationNodes[service];
      if (byOperation === undefined) this.operationNodes[service] = byOperation = new Map();
      let node = byOperation.get(operation);
      if (node === undefined) {
        const serviceName = names[service];
        const operationName = names[operation];
        byOperation.set(operation, (node = this.nodeNumber(this.nodeKey(serviceName, operationName), serviceName, operationName, false, '')));
      }
      return node;
    }
    if (service >= this.serviceNodes.length) {
      const grown = new Int32Array(Math.max(service + 1, this.serviceNodes.length * 2));
      grown.set(this.serviceNodes);
      this.serviceNodes = grown;
    }
    const known = this.serviceNodes[service];
    if (known > 0) return known - 1;
    const node = this.nodeNumber(names[service], names[service], names[operation], false, '');
    this.serviceNodes[service] = node + 1;
    return node;
  }

  /** The number of the node `key`, created (or turned from virtual into a service) as needed. */
  private nodeNumber(key: string, service: string, operation: string | undefined, virtual: boolean, connectionType: ConnectionType): number {
    const number = this.nodeNumbers.get(key);
    if (number !== undefined) {
      const known = this.nodeStats[number];
      if (!virtual && known.virtual) {
        known.virtual = false;
        known.connectionType = '';
        if (this.options.level === 'operation' && operation !== undefined) known.operation = operation;
      }
      return number;
    }
    const attrs: NodeStats = {
      service,
      virtual,
      connectionType,
      spans: 0,
      errorSpans: 0,
      calls: 0,
      errors: 0,
      duration: this.newSketch(),
    };
    if (!virtual && this.options.level === 'operation' && operation !== undefined) attrs.operation = operation;
    this.graph.addNode(key, attrs);
    this.nodeNumbers.set(key, this.nodeKeys.length);
    this.nodeKeys.push(key);
    this.nodeStats.push(attrs);
    this.edgesFrom.push([]);
    return this.nodeKeys.length - 1;
  }

  /** A latency sketch when latencies are kept; all of a graph's sketches share one bucket index table. */
  private newSketch(): LatencySketch | null {
    if (!this.options.latency) return null;
    const sketch = new LatencySketch({ relativeAccuracy: this.options.relativeAccuracy, indexes: this.sketchIndexes });
    this.sketchIndexes = sketch.indexes;
    return sketch;
  }

  /** The edge between two node numbers, created as needed. */
  private edgeBetween(source: number, target: number, connectionType: ConnectionType): EdgeStats {
    const out = this.edgesFrom[source];
    const known = out[target];
    if (known !== undefined) return known;
    const attrs: EdgeStats = {
      calls: 0,
      errors: 0,
      async: 0,
      skewed: 0,
      evidence: { 'client+server': 0, 'client-only': 0, 'server-only': 0, reference: 0, 'shared-span': 0, 'peer-tag': 0 },
      connectionType,
      latency: this.newSketch(),
      clientLatency: this.newSketch(),
    };
    const sourceKey = this.nodeKeys[source];
    const targetKey = this.nodeKeys[target];
    this.graph.addDirectedEdgeWithKey(`${sourceKey}\u0000${targetKey}`, sourceKey, targetKey, attrs);
    out[target] = attrs;
    return attrs;
  }

  /** One call on `edge` (its evidence counted by the caller); durations µs, −1 when unknown. */
  private countCall(edge: EdgeStats, isAsync: boolean, failed: boolean, calleeUs: number, callerUs: number): void {
    edge.calls++;
    if (isAsync) edge.async++;
    if (failed) edge.errors++;
    if (calleeUs >= 0) edge.latency?.add(calleeUs);
    if (callerUs >= 0) edge.clientLatency?.add(callerUs);
  }
}

/** Builds a graph from a whole iterable of traces (tests and small inputs). */
export function buildDependencyGraph(traces: Iterable<Trace>, options: DependencyGraphOptions = {}): DependencyGraphBuilder {
  const builder = new DependencyGraphBuilder(options);
  for (const t of traces) builder.addTrace(t);
  return builder;
}

/**
 * A graph from Jaeger dependency links alone (`/api/dependencies`, spark-dependencies output):
 * calls only — no errors, latency or node figures.
 */
export function dependencyGraphFromLinks(links: readonly DependencyLink[]): DependencyGraphBuilder {
  const builder = new DependencyGraphBuilder({ latency: false, virtualNodes: false });
  const g = builder.graph;
  for (const [i, l] of links.entries()) {
    if (typeof l?.parent !== 'string' || typeof l.child !== 'string' || !(Number(l.callCount) >= 0)) {
      throw new AnalysisInputError(`analysis/dependency-graph: link ${i} is not {parent, child, callCount}`);
    }
    for (const s of [l.parent, l.child]) {
      if (!g.hasNode(s)) g.addNode(s, { service: s, virtual: false, connectionType: '', spans: 0, errorSpans: 0, calls: 0, errors: 0, duration: null });
    }
    const key = `${l.parent}\u0000${l.child}`;
    const attrs = g.hasEdge(key) ? g.getEdgeAttributes(key) : undefined;
    if (attrs) {
      attrs.calls += Number(l.callCount);
      attrs.evidence.reference += Number(l.callCount);
    } else {
      g.addDirectedEdgeWithKey(key, l.parent, l.child, {
        calls: Number(l.callCount),
        errors: 0,
        async: 0,
        skewed: 0,
        evidence: { 'client+server': 0, 'client-only': 0, 'server-only': 0, reference: Number(l.callCount), 'shared-span': 0, 'peer-tag': 0 },
        connectionType: '',
        latency: null,
        clientLatency: null,
      });
    }
    g.getNodeAttributes(l.child).calls += Number(l.callCount);
  }
  return builder;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
