/**
 * Dependency graph — who calls whom, how often, how fast, how often failing.
 *
 * Traces are added one at a time, as their dependency facts (`addSpans`; dependency-spans.ts holds
 * all the rules read, and `addTrace` derives it from whole spans). State is one graphology node per
 * service (or per service+operation) and one edge per caller→callee pair, each with counters and
 * latency sketches, so memory grows with services and edges, never with spans. Rules, per trace:
 *
 * 1. **References** (Jaeger spark-dependencies): every CHILD_OF or FOLLOWS_FROM reference to a span
 *    of the same trace whose service differs from the span's own adds one call referenced-service →
 *    span-service. FOLLOWS_FROM calls, and PRODUCER→CONSUMER pairs, count as `async`. Same-service
 *    references add nothing. A reference to a span absent from the trace adds nothing and counts as
 *    an orphan; a reference into another trace counts as cross-trace and adds nothing.
 * 2. **Client/server pairing** (Tempo service graphs): a call whose caller is a CLIENT/PRODUCER span
 *    and whose callee a SERVER/CONSUMER span is `client+server` evidence; only one half known is
 *    `server-only` / `client-only`; neither carries a kind: `reference`. Zipkin-style shared span ids
 *    (a client and a server span with the same id) add one client → server call (`shared-span`).
 * 3. **Virtual peers** (Tempo): a CLIENT/PRODUCER span — or any leaf span tagged `peer.service` — with
 *    no callee span in another service adds one call to a virtual node named, in order, by
 *    `peer.service`; for databases (`db.system`/`db.name`/`db.type`) `server.address`, `net.peer.name`,
 *    `network.peer.address[:port]`, `db.name`, `db.system`; for messaging `messaging.system`; else
 *    `server.address`/`net.peer.name`/`peer.hostname`. Evidence `peer-tag`.
 * 4. **Errors**: a call fails when the callee span fails, or the caller span fails and is its
 *    CLIENT/PRODUCER half. A span fails with `error=true`, OTel status ERROR, HTTP status ≥ 500
 *    or a non-zero gRPC status (span-failure.ts).
 * 5. **Latency**: per edge the callee's span duration (`latency`) and, when the caller is a
 *    CLIENT/PRODUCER span, the caller's (`clientLatency`); durations only, so clock skew between
 *    hosts changes nothing. Calls whose callee starts before or ends after its caller are counted
 *    as `skewed` for information.
 * 6. **Nodes**: `spans`/`errorSpans` count every span of the node; `calls`/`errors`/`duration`
 *    count entry spans (no parent in the trace, or parent in another service) and, for virtual
 *    nodes, the calls into them.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; grafana/tempo
 * `modules/generator/processor/servicegraphs/servicegraphs.go`; see reference/analytics.md §1.
 */
import { DirectedGraph } from 'graphology';
import type { DependencyLink, Trace } from '../model/index.js';
import { AnalysisInputError } from '../model/index.js';
import { LatencySketch } from './latency-sketch.js';
import type { ConnectionType, DependencySpans, SpanFacts } from './dependency-spans.js';
import { DependencySpansBuffer, REF_OTHER_TRACE } from './dependency-spans.js';

export type GraphLevel = 'service' | 'operation';
export type { ConnectionType };
export type EdgeEvidence = 'client+server' | 'client-only' | 'server-only' | 'reference' | 'shared-span' | 'peer-tag';

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

const CALLER_KINDS = new Set(['client', 'producer']);
/** The shared-id pairs of a trace without shared ids (most): never written to. */
const NO_PAIRS: readonly [number, number][] = Object.freeze([]);
const CALLEE_KINDS = new Set(['server', 'consumer']);

// Per-span flag bits used while adding a trace.
const SKIP = 1;
const HAS_CHILD = 2;
const HAS_REMOTE_CHILD = 4;
const NOT_ENTRY = 8;
const SHARED_SERVER_HALF = 16;

/** The span a reference points to: for a shared id, the server (non-client) half. */
function resolveParent(entry: number | number[] | undefined, self: number, facts: readonly SpanFacts[]): number | undefined {
  if (entry === undefined) return undefined;
  if (typeof entry === 'number') return entry === self ? undefined : entry;
  if (entry.includes(self)) return undefined; // the span's own id: the pairing rule covers it
  return entry.find((j) => !CALLER_KINDS.has(facts[j].kind)) ?? entry[0];
}

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
  private flags = new Uint8Array(64);
  private firstById = new Int32Array(64);
  private nodeOf = new Int32Array(64);
  private readonly sharedScratch = new Map<number, number[]>();
  private readonly spansScratch = new DependencySpansBuffer();

  constructor(options: DependencyGraphOptions = {}) {
    this.options = { ...DEPENDENCY_GRAPH_DEFAULTS, ...options };
    if (this.options.level !== 'service' && this.options.level !== 'operation') {
      throw new AnalysisInputError(`analysis/dependency-graph: level must be "service" or "operation", got "${String(this.options.level)}"`);
    }
    this.graph = new DirectedGraph<NodeStats, EdgeStats, { level: GraphLevel }>();
    this.graph.replaceAttributes({ level: this.options.level });
  }

  /** Adds one trace. Spans of other traces in the list are ignored by reference matching. */
  addTrace(trace: Trace): void {
    this.addSpans(this.spansScratch.fromTrace(trace));
  }

  /** Adds one trace given as its dependency facts (dependency-spans.ts); `ds` is not kept. */
  addSpans(ds: DependencySpans): void {
    const n = ds.length;
    if (n === 0) return;
    this.totals.traces++;
    // Per-span scratch, reused across traces: bit flags, node numbers, first span per id number.
    if (this.flags.length < n) {
      this.flags = new Uint8Array(Math.max(n, this.flags.length * 2));
      this.firstById = new Int32Array(this.flags.length);
      this.nodeOf = new Int32Array(this.flags.length);
    }
    const flags = this.flags;
    flags.fill(0, 0, n);
    const firstById = this.firstById;
    firstById.fill(-1, 0, n);
    const { id, service, operation, start, duration, facts, refStart, refTarget, refFollowsFrom, names } = ds;
    if (names !== this.names) this.forgetSpanNodes(names);
    const nodeOf = this.nodeOf;
    const nodeStats = this.nodeStats;
    // Span ids shared by several spans (Zipkin style): every distinct (service, kind) span, in order.
    const sharedIds = this.sharedScratch;
    // Clearing reallocates the table: only when a trace had shared ids (few do).
    if (sharedIds.size > 0) sharedIds.clear();
    for (let i = 0; i < n; i++) {
      const sid = id[i];
      const first = firstById[sid];
      if (first < 0) {
        firstById[sid] = i;
        continue;
      }
      let list = sharedIds.get(sid);
      if (list === undefined) list = [first];
      const f = facts[i];
      if (list.some((j) => service[j] === service[i] && facts[j].kind === f.kind)) {
        flags[i] |= SKIP;
        this.totals.duplicateSpans++;
        continue;
      }
      list.push(i);
      sharedIds.set(sid, list);
    }
    for (let i = 0; i < n; i++) {
      if (flags[i] & SKIP) continue;
      this.totals.spans++;
      const end = start[i] + duration[i];
      if (!(start[i] >= this.totals.firstSpanStart)) this.totals.firstSpanStart = start[i];
      if (!(end <= this.totals.lastSpanEnd)) this.totals.lastSpanEnd = end;
      const node = nodeStats[(nodeOf[i] = this.spanNode(service[i], operation[i]))];
      node.spans++;
      if (facts[i].error) node.errorSpans++;
    }
    // The server half of a shared id is paired with its client half below; its own reference
    // (to the client's parent) would count the same call twice.
    let pairs = NO_PAIRS;
    if (sharedIds.size > 0) {
      const found: [number, number][] = [];
      pairs = found;
      const lists = [...sharedIds.values()].sort((a, b) => a[0] - b[0]);
      for (const entry of lists) {
        const client = entry.find((j) => CALLER_KINDS.has(facts[j].kind));
        const server = entry.find((j) => CALLEE_KINDS.has(facts[j].kind));
        if (client === undefined || server === undefined || service[client] === service[server]) continue;
        flags[server] |= SHARED_SERVER_HALF;
        found.push([client, server]);
      }
    }
    for (let i = 0; i < n; i++) {
      if (flags[i] & (SKIP | SHARED_SERVER_HALF)) continue;
      const r0 = refStart[i];
      const r1 = refStart[i + 1];
      if (r0 === r1) continue;
      const svc = service[i];
      const end = start[i] + duration[i];
      let first = true;
      for (let r = r0; r < r1; r++) {
        const target = refTarget[r];
        if (target === REF_OTHER_TRACE) {
          this.totals.crossTraceReferences++;
          continue;
        }
        const p = target < 0 ? undefined : sharedIds.size === 0 ? (firstById[target] === i ? undefined : firstById[target]) : resolveParent(sharedIds.get(target) ?? firstById[target], i, facts);
        if (p === undefined) {
          if (first) this.totals.orphanSpans++;
          first = false;
          continue;
        }
        flags[p] |= HAS_CHILD;
        if (service[p] === svc) {
          if (first) flags[i] |= NOT_ENTRY;
          first = false;
          continue;
        }
        first = false;
        flags[p] |= HAS_REMOTE_CHILD;
        const pf = facts[p];
        const cf = facts[i];
        const callerHalf = pf.kind === 'client' || pf.kind === 'producer';
        const calleeHalf = cf.kind === 'server' || cf.kind === 'consumer';
        const edge = this.edgeBetween(nodeOf[p], nodeOf[i], '');
        if (callerHalf) {
          if (calleeHalf) edge.evidence['client+server']++;
          else edge.evidence['client-only']++;
        } else if (calleeHalf) edge.evidence['server-only']++;
        else edge.evidence.reference++;
        const isAsync = refFollowsFrom[r] === 1 || (pf.kind === 'producer' && cf.kind === 'consumer');
        this.countCall(edge, isAsync, cf.error || (callerHalf && pf.error), duration[i], callerHalf ? duration[p] : -1);
        if (start[i] < start[p] || end > start[p] + duration[p]) edge.skewed++;
      }
    }
    // Shared span ids: a client and a server half of one RPC under one id.
    for (const [client, server] of pairs) {
      flags[client] |= HAS_REMOTE_CHILD;
      const edge = this.edgeBetween(nodeOf[client], nodeOf[server], '');
      edge.evidence['shared-span']++;
      this.countCall(edge, facts[client].kind === 'producer', facts[server].error || facts[client].error, duration[server], duration[client]);
    }
    for (let i = 0; i < n; i++) {
      const fl = flags[i];
      if (fl & SKIP) continue;
      const f = facts[i];
      if (!(fl & NOT_ENTRY) && !(f.kind === 'client' || f.kind === 'producer')) {
        const node = nodeStats[nodeOf[i]];
        node.calls++;
        if (f.error) node.errors++;
        node.duration?.add(duration[i]);
      }
      if (f.peer === undefined || !this.options.virtualNodes || fl & HAS_REMOTE_CHILD || f.peer === names[service[i]]) continue;
      if (!CALLER_KINDS.has(f.kind) && !(f.peerServiceTagged && !(fl & HAS_CHILD))) continue;
      const peerNumber = this.nodeNumber(f.peer, f.peer, undefined, true, f.peerType);
      const peer = nodeStats[peerNumber];
      peer.calls++;
      if (f.error) peer.errors++;
      peer.duration?.add(duration[i]);
      const edge = this.edgeBetween(nodeOf[i], peerNumber, f.peerType);
      edge.evidence['peer-tag']++;
      this.countCall(edge, f.kind === 'producer', f.error, -1, duration[i]);
    }
  }

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
      duration: this.options.latency ? new LatencySketch({ relativeAccuracy: this.options.relativeAccuracy }) : null,
    };
    if (!virtual && this.options.level === 'operation' && operation !== undefined) attrs.operation = operation;
    this.graph.addNode(key, attrs);
    this.nodeNumbers.set(key, this.nodeKeys.length);
    this.nodeKeys.push(key);
    this.nodeStats.push(attrs);
    this.edgesFrom.push([]);
    return this.nodeKeys.length - 1;
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
      latency: this.options.latency ? new LatencySketch({ relativeAccuracy: this.options.relativeAccuracy }) : null,
      clientLatency: this.options.latency ? new LatencySketch({ relativeAccuracy: this.options.relativeAccuracy }) : null,
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
