// Over 400 lines: one walk over the topology that builds spans and applies faults and noise as it goes; the parts share the walk's state.
/**
 * Builds one synthetic trace by walking the topology from an entry point: server spans per service
 * instance, client spans for RPCs (with timeouts and retries), client-only spans for uninstrumented
 * databases and caches, producer spans and FOLLOWS_FROM consumer spans for queues. Faults are applied
 * while walking; every hit is recorded with the time it added, so the caller can tell which traces a
 * fault changed observably.
 *
 * Besides injected faults the workload has natural noise nobody labels: rare stalls of a handler
 * (GC pauses), rare slow queries, and rare errors (default 0.03 % per operation). The realistic
 * profile (realism.ts) replaces these with heavy-tailed pauses that follow load, connection-pool
 * waits that follow database load, per-operation background error rates and TCP retransmissions.
 *
 * Randomness: `rnd` drives the workload itself, `faultRnd` only fault decisions and sizes, so a fault
 * that merely slows a span leaves the rest of the trace exactly as it would have been.
 */
import type { KeyValue, Process, Span, SpanRefType } from '../model/index.js';
import type { FaultSpec } from './faults.js';
import { faultTargetsDatabase, faultTargetsServer, networkFaultDirection } from './faults.js';
import { instanceHostname, instanceProcess } from './instances.js';
import type { Random } from './random.js';
import type { Realism } from './realism.js';
import { pauseUs, queueWaitUs, realisticSelfP99Us, RETRANSMIT_RATE, RETRANSMIT_US, utilisation } from './realism.js';
import type { DatabaseCall, OperationSpec, QueueCall, RpcCall, Topology } from './topology.js';
import { isDatabaseCall, isRpcCall } from './topology.js';

/** Natural failure probabilities when the topology gives none. */
const DEFAULT_ERROR_RATE = 0.0003;
const DB_ERROR_RATE = 0.0001;
const DEFAULT_SIGMA = 0.35;
const DB_SIGMA = 0.5;
/** Natural, unlabelled stalls (GC pauses, lock waits): probability per server span and median size. */
const STALL_RATE = 0.002;
const STALL_MEDIAN_US = 25_000;
/** Natural slow queries (cache misses, lock waits) per database span, and how much slower. */
const SLOW_QUERY_RATE = 0.003;

export interface FaultHit {
  /** Index into the fault list. */
  fault: number;
  spanId: string;
  /** The fault made the span fail. */
  error: boolean;
  /** Time the fault added to the span's own (self) time, µs; children keep their durations. */
  addedUs: number;
  /** The span's own time without the fault, µs (for a database span: its whole duration). */
  unfaultedSelfUs: number;
  /** The 99th percentile of the operation's natural own time, µs (from the topology's median and σ). */
  naturalP99Us: number;
}

/** z of the 99th percentile of a standard normal. */
const Z99 = 2.326;
/** Median one-way network times of an RPC, µs, and their σ (request, response). */
const NET_OUT_US = 250;
const NET_BACK_US = 200;
const NET_SIGMA = 0.4;
/** p99 of the client–server gap (request + response times), bounded by the sum of their p99s. */
const NET_GAP_P99_US = (NET_OUT_US + NET_BACK_US) * Math.exp(Z99 * NET_SIGMA);

export interface BuiltTrace {
  spans: Span[];
  hits: FaultHit[];
}

/** Per-run data shared by every trace: the topology and one Process object per instance. */
export class WorkloadModel {
  private readonly processes = new Map<string, Process[]>();
  private readonly entryWeights: number[];
  private readonly entryTotal: number;
  private readonly selfP99 = new Map<string, number>();

  /** `realism` given: the realistic profile; absent: the clean one. */
  constructor(readonly topology: Topology, version = '1.8.2', readonly realism?: Realism) {
    for (const [name, s] of Object.entries(topology.services)) {
      this.processes.set(name, Array.from({ length: s.instances }, (_, i) => instanceProcess(name, i, s.language, version)));
    }
    this.entryWeights = topology.entrypoints.map((e) => e.weight);
    this.entryTotal = this.entryWeights.reduce((a, b) => a + b, 0);
  }

  /** The 99th percentile of an operation's natural own time at the mean load, µs (cached). */
  naturalSelfP99Us(service: string, operation: string): number {
    const key = `${service}\u0000${operation}`;
    let p99 = this.selfP99.get(key);
    if (p99 === undefined) {
      const op = this.topology.services[service].operations[operation];
      const sigma = op.sigma ?? DEFAULT_SIGMA;
      p99 = this.realism ? realisticSelfP99Us(this.realism, this.topology, service, operation, sigma) : op.selfMs * 1000 * Math.exp(Z99 * sigma);
      this.selfP99.set(key, p99);
    }
    return p99;
  }

  process(service: string, instance: number): Process {
    return this.processes.get(service)![instance];
  }

  pickEntry(rnd: Random): { service: string; operation: string } {
    let x = rnd.next() * this.entryTotal;
    for (let i = 0; i < this.entryWeights.length; i++) {
      x -= this.entryWeights[i];
      if (x < 0) return this.topology.entrypoints[i];
    }
    return this.topology.entrypoints[this.entryWeights.length - 1];
  }
}

interface CallResult {
  end: number;
  error: boolean;
  /** Realistic profile: time the caller spent waiting for a database connection (its own time), µs. */
  waitUs?: number;
}

interface Parent {
  spanId: string;
  refType: SpanRefType;
}

/** `load`: the arrival rate at `start` over the mean rate (the realistic profile's queues and pauses follow it). */
export function buildTrace(model: WorkloadModel, faults: readonly FaultSpec[], start: number, rnd: Random, faultRnd: Random, load = 1): BuiltTrace {
  const builder = new TraceBuilder(model, faults, rnd, faultRnd, rnd.hex(32), load);
  const entry = model.pickEntry(rnd);
  builder.server(entry.service, entry.operation, start, undefined, 'server', []);
  return { spans: builder.spans, hits: builder.hits };
}

class TraceBuilder {
  readonly spans: Span[] = [];
  readonly hits: FaultHit[] = [];

  constructor(
    private readonly model: WorkloadModel,
    private readonly faults: readonly FaultSpec[],
    private readonly rnd: Random,
    private readonly faultRnd: Random,
    private readonly traceId: string,
    private readonly load: number,
  ) {}

  /** A server (or consumer) span and everything below it. */
  /** `chosenInstance`: the instance the caller's RPC reached (drawn by the caller); absent: drawn here. */
  server(service: string, operation: string, start: number, parent: Parent | undefined, kind: 'server' | 'consumer', extraTags: KeyValue[], chosenInstance?: number): CallResult & { instance: number } {
    const rnd = this.rnd;
    const realism = this.model.realism;
    const spec = this.model.topology.services[service];
    const op: OperationSpec = spec.operations[operation];
    const instance = chosenInstance ?? rnd.int(spec.instances);
    const spanId = rnd.hex(16);
    const selfUs = Math.max(20, Math.round(rnd.logNormal(op.selfMs * 1000, op.sigma ?? DEFAULT_SIGMA)));
    const preShare = 0.2 + 0.3 * rnd.next();
    const errorRate = realism ? realism.errorRate[`${service}\u0000${operation}`] : (op.errorRate ?? DEFAULT_ERROR_RATE);
    const naturalError = rnd.next() < errorRate;
    const failFastDraw = rnd.next();
    const stallUs = realism
      ? rnd.next() < (realism.pauseRate[service] ?? 0) * this.load
        ? pauseUs(rnd)
        : 0
      : rnd.next() < STALL_RATE
        ? Math.round(rnd.logNormal(STALL_MEDIAN_US, 0.5))
        : 0;

    let addedPre = 0;
    let selfFactor = 1;
    let faultError = false;
    const hitFaults: number[] = [];
    this.faults.forEach((f, i) => {
      if (start < f.start || start >= f.end || !faultTargetsServer(f, service, operation, instance)) return;
      if (this.faultRnd.next() >= f.fraction) return;
      hitFaults.push(i);
      if (f.type === 'latency') addedPre += Math.round(f.delayMs! * 1000 * (0.85 + 0.3 * this.faultRnd.next()));
      else if (f.type === 'cpu') selfFactor *= f.factor!;
      else if (f.type === 'error') faultError = true;
    });

    const ownUs = Math.round(selfUs * selfFactor);
    const failed = naturalError || faultError;
    // A realistic error fault is a code fault: the handler does its work and then fails (no latency change).
    const failFast = failed && failFastDraw < 0.5 && !(realism && faultError && !naturalError);
    const pre = Math.round(ownUs * preShare) + addedPre;
    let post = ownUs - Math.round(ownUs * preShare) + stallUs;
    if (failFast) post = Math.round(post * 0.3);

    let t = start + pre;
    let downstreamFailed = false;
    let waitedUs = 0;
    if (!failFast) {
      for (const call of op.calls ?? []) {
        if (call.probability !== undefined && rnd.next() >= call.probability) continue;
        const caller = { service, instance, spanId };
        let result: CallResult;
        if (isRpcCall(call)) result = this.fanOut(call, caller, t);
        else if (isDatabaseCall(call)) result = this.databaseCalls(call, caller, t);
        else result = this.publish(call, caller, t);
        waitedUs += result.waitUs ?? 0;
        t = result.end + Math.round(rnd.logNormal(40, 0.5));
        if (result.error) {
          downstreamFailed = true;
          break;
        }
      }
    }
    const end = t + post;
    const error = failed || downstreamFailed;
    const span = this.span(spanId, service, instance, operation, start, end - start, parent);
    const statusTags: KeyValue[] =
      kind === 'server' ? serverTags(spec.protocol, operation, error, faultError || naturalError) : error ? [{ key: 'error', type: 'bool', value: true }] : [];
    span.tags.push({ key: 'span.kind', type: 'string', value: kind }, ...statusTags, ...extraTags);
    if (error) span.logs.push(errorLog(end, failed ? `${operation} failed` : 'downstream call failed'));
    // The realistic profile's pause and connection waits are part of the own time a viewer sees.
    const unfaultedSelfUs = realism ? selfUs + stallUs + waitedUs : selfUs;
    for (const i of hitFaults) {
      const f = this.faults[i];
      const added = addedPre + (f.type === 'cpu' ? ownUs - selfUs : 0);
      this.hits.push({ fault: i, spanId, error: f.type === 'error', addedUs: added, unfaultedSelfUs, naturalP99Us: this.model.naturalSelfP99Us(service, operation) });
    }
    return { end, error, instance };
  }

  /** An RPC repeated `repeat` times, sequentially or concurrently. Fails when any repeat fails. */
  private fanOut(call: RpcCall, caller: Caller, start: number): CallResult {
    const [min, max] = call.repeat ?? [1, 1];
    const n = min + this.rnd.int(max - min + 1);
    let end = start;
    let error = false;
    let t = start;
    for (let i = 0; i < n; i++) {
      const r = this.rpc(call, caller, call.parallel ? start + i * Math.round(this.rnd.logNormal(60, 0.5)) : t);
      end = Math.max(end, r.end);
      t = r.end;
      if (r.error && !call.optional) error = true;
      if (error && !call.parallel) break;
    }
    return { end, error };
  }

  /** Client span(s) of one RPC: retried after a failure or timeout up to `retries` times. */
  private rpc(call: RpcCall, caller: Caller, start: number): CallResult {
    const rnd = this.rnd;
    const target = this.model.topology.services[call.service];
    const attempts = 1 + (call.retries ?? 0);
    let t = start;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const clientId = rnd.hex(16);
      let out = Math.round(rnd.logNormal(NET_OUT_US, NET_SIGMA));
      let back = Math.round(rnd.logNormal(NET_BACK_US, NET_SIGMA));
      const instance = rnd.int(target.instances);
      if (this.model.realism && rnd.next() < RETRANSMIT_RATE) out += RETRANSMIT_US;
      const net = this.networkDelay(caller, call.service, instance, t, clientId, out + back, NET_GAP_P99_US);
      out += net.out;
      back += net.back;
      const srv = this.server(call.service, call.operation, t + out, { spanId: clientId, refType: 'CHILD_OF' }, 'server', [], instance);
      let end = srv.end + back;
      const timedOut = call.timeoutMs !== undefined && end - t > call.timeoutMs * 1000;
      if (timedOut) end = t + Math.round(call.timeoutMs! * 1000);
      const error = srv.error || timedOut;
      const span = this.span(clientId, caller.service, caller.instance, call.operation, t, end - t, { spanId: caller.spanId, refType: 'CHILD_OF' });
      span.tags.push(
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'peer.service', type: 'string', value: call.service },
        { key: 'server.address', type: 'string', value: `${call.service}.shop.svc.cluster.local` },
        { key: 'net.peer.name', type: 'string', value: instanceHostname(call.service, srv.instance) },
        ...clientTags(target.protocol, call.operation, error, timedOut),
      );
      if (attempt > 0) span.tags.push({ key: 'http.request.resend_count', type: 'int64', value: BigInt(attempt) });
      if (error) span.logs.push(errorLog(end, timedOut ? `deadline of ${call.timeoutMs}ms exceeded` : `${call.service} returned an error`));
      if (!error) return { end, error: false };
      t = end;
      if (attempt + 1 < attempts) t += Math.round(rnd.logNormal(15_000 * 2 ** attempt, 0.3));
    }
    return { end: t, error: true };
  }

  /**
   * Network faults on one call: a delayed pod delays what it sends — its requests (`out`) and its
   * responses (`back`) — so only the client span grows; a server span is unchanged. `unfaultedUs`
   * and `naturalP99Us` describe the time the delay adds to (the client–server gap; for a database
   * query its whole duration).
   */
  private networkDelay(caller: Caller, callee: string, calleeInstance: number, t: number, clientId: string, unfaultedUs: number, naturalP99Us: number): { out: number; back: number } {
    let out = 0;
    let back = 0;
    this.faults.forEach((f, i) => {
      if (f.type !== 'network' || t < f.start || t >= f.end) return;
      const direction = networkFaultDirection(f, caller.service, caller.instance, callee, calleeInstance);
      if (!direction) return;
      if (this.faultRnd.next() >= f.fraction) return;
      const added = Math.round(f.delayMs! * 1000 * (0.85 + 0.3 * this.faultRnd.next()));
      if (direction === 'request') out += added;
      else back += added;
      this.hits.push({ fault: i, spanId: clientId, error: false, addedUs: added, unfaultedSelfUs: unfaultedUs, naturalP99Us });
    });
    return { out, back };
  }

  /** Client-only spans to an uninstrumented database or cache. */
  private databaseCalls(call: DatabaseCall, caller: Caller, start: number): CallResult {
    const rnd = this.rnd;
    const db = this.model.topology.databases[call.database];
    const [min, max] = call.repeat ?? [1, 1];
    const n = min + rnd.int(max - min + 1);
    let t = start;
    const realism = this.model.realism;
    // Connection checkout before the first query: the caller's own time, before any client span.
    const waitUs = realism ? queueWaitUs(rnd, utilisation(realism, call.database, this.load), db.latencyMs * 1000) : 0;
    t += waitUs;
    for (let i = 0; i < n; i++) {
      const spanId = rnd.hex(16);
      let base = Math.max(10, Math.round(rnd.logNormal(db.latencyMs * 1000, db.sigma ?? DB_SIGMA)));
      if (rnd.next() < SLOW_QUERY_RATE) base = Math.round(base * (3 + 7 * rnd.next()));
      const naturalError = rnd.next() < DB_ERROR_RATE;
      let duration = base;
      const hitFaults: number[] = [];
      this.faults.forEach((f, fi) => {
        if (t < f.start || t >= f.end || !faultTargetsDatabase(f, call.database, call.operation)) return;
        if (this.faultRnd.next() >= f.fraction) return;
        hitFaults.push(fi);
        duration = Math.round(duration * f.factor! * (0.85 + 0.3 * this.faultRnd.next()));
      });
      const naturalP99Us = db.latencyMs * 1000 * Math.exp(Z99 * (db.sigma ?? DB_SIGMA));
      const slowedBy = duration - base;
      duration += this.networkDelay(caller, call.database, -1, t, spanId, base, naturalP99Us).out;
      const span = this.span(spanId, caller.service, caller.instance, call.operation, t, duration, { spanId: caller.spanId, refType: 'CHILD_OF' });
      span.tags.push(
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'db.system', type: 'string', value: db.system },
        { key: 'peer.service', type: 'string', value: call.database },
        { key: 'server.address', type: 'string', value: `${call.database}.shop.internal` },
        { key: 'server.port', type: 'int64', value: BigInt(db.port ?? defaultPort(db.system)) },
        { key: 'db.operation', type: 'string', value: call.operation.split(' ')[0] },
      );
      if (db.dbName) span.tags.push({ key: 'db.name', type: 'string', value: db.dbName });
      if (call.statement) span.tags.push({ key: 'db.statement', type: 'string', value: call.statement });
      if (naturalError) {
        span.tags.push({ key: 'error', type: 'bool', value: true });
        span.logs.push(errorLog(t + duration, `${db.system} connection reset`));
      }
      for (const fi of hitFaults) this.hits.push({ fault: fi, spanId, error: false, addedUs: slowedBy, unfaultedSelfUs: base, naturalP99Us });
      t += duration;
      if (naturalError) return { end: t, error: true, waitUs };
      if (i + 1 < n) t += Math.round(rnd.logNormal(30, 0.5));
    }
    return { end: t, error: false, waitUs };
  }

  /** A producer span; each consumer handles the message later, linked by FOLLOWS_FROM. */
  private publish(call: QueueCall, caller: Caller, start: number): CallResult {
    const rnd = this.rnd;
    const queue = this.model.topology.queues[call.queue];
    const spanId = rnd.hex(16);
    const duration = Math.max(50, Math.round(rnd.logNormal(700, 0.4)));
    const span = this.span(spanId, caller.service, caller.instance, `${call.queue} publish`, start, duration, { spanId: caller.spanId, refType: 'CHILD_OF' });
    const messaging: KeyValue[] = [
      { key: 'messaging.system', type: 'string', value: queue.system },
      { key: 'messaging.destination.name', type: 'string', value: call.queue },
    ];
    span.tags.push(
      { key: 'span.kind', type: 'string', value: 'producer' },
      ...messaging,
      { key: 'messaging.operation', type: 'string', value: 'publish' },
      { key: 'peer.service', type: 'string', value: queue.system },
      { key: 'server.address', type: 'string', value: `${queue.system}.shop.internal` },
    );
    for (const consumer of queue.consumers) {
      const pickedUp = start + duration + Math.round(rnd.logNormal(queue.delayMs * 1000, 0.6));
      this.server(consumer.service, consumer.operation, pickedUp, { spanId, refType: 'FOLLOWS_FROM' }, 'consumer', [
        ...messaging,
        { key: 'messaging.operation', type: 'string', value: 'process' },
      ]);
    }
    return { end: start + duration, error: false };
  }

  private span(spanId: string, service: string, instance: number, operationName: string, startTime: number, duration: number, parent: Parent | undefined): Span {
    const span: Span = {
      traceId: this.traceId,
      spanId,
      operationName,
      references: parent ? [{ refType: parent.refType, traceId: this.traceId, spanId: parent.spanId }] : [],
      flags: 1,
      startTime,
      duration,
      tags: [],
      logs: [],
      process: this.model.process(service, instance),
      warnings: [],
    };
    this.spans.push(span);
    return span;
  }
}

interface Caller {
  service: string;
  instance: number;
  spanId: string;
}

function defaultPort(system: string): number {
  return system === 'mysql' ? 3306 : system === 'redis' ? 6379 : 5432;
}

function serverTags(protocol: 'http' | 'grpc', operation: string, error: boolean, ownFailure: boolean): KeyValue[] {
  const tags: KeyValue[] = [];
  if (protocol === 'http') {
    const [method, route] = operation.includes(' ') ? operation.split(' ', 2) : ['GET', operation];
    tags.push(
      { key: 'http.method', type: 'string', value: method },
      { key: 'http.route', type: 'string', value: route },
      { key: 'http.status_code', type: 'int64', value: BigInt(error ? (ownFailure ? 500 : 502) : 200) },
    );
  } else {
    tags.push(...grpcTags(operation, error ? (ownFailure ? 13 : 14) : 0));
  }
  if (error) tags.push({ key: 'error', type: 'bool', value: true });
  return tags;
}

function clientTags(protocol: 'http' | 'grpc', operation: string, error: boolean, timedOut: boolean): KeyValue[] {
  const tags: KeyValue[] = [];
  if (protocol === 'http') {
    const [method] = operation.includes(' ') ? operation.split(' ', 1) : ['GET'];
    tags.push({ key: 'http.method', type: 'string', value: method }, { key: 'http.status_code', type: 'int64', value: BigInt(timedOut ? 504 : error ? 500 : 200) });
  } else {
    tags.push(...grpcTags(operation, timedOut ? 4 : error ? 13 : 0));
  }
  if (error) tags.push({ key: 'error', type: 'bool', value: true });
  return tags;
}

function grpcTags(operation: string, code: number): KeyValue[] {
  const slash = operation.lastIndexOf('/');
  return [
    { key: 'rpc.system', type: 'string', value: 'grpc' },
    { key: 'rpc.service', type: 'string', value: slash > 0 ? operation.slice(0, slash) : operation },
    { key: 'rpc.method', type: 'string', value: slash > 0 ? operation.slice(slash + 1) : operation },
    { key: 'rpc.grpc.status_code', type: 'int64', value: BigInt(code) },
  ];
}

function errorLog(timestamp: number, message: string): { timestamp: number; fields: KeyValue[] } {
  return {
    timestamp,
    fields: [
      { key: 'event', type: 'string', value: 'error' },
      { key: 'message', type: 'string', value: message },
    ],
  };
}
