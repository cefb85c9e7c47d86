/**
 * The shape of a synthetic microservice system: instrumented services with their operations and
 * outgoing calls, uninstrumented databases/caches (client spans only), message queues (async
 * producer → consumer work linked by FOLLOWS_FROM), and weighted entry points.
 *
 * File schema (JSON or YAML, `generate --topology FILE`; times in milliseconds):
 *
 *   services:            { NAME: { protocol: http|grpc, instances: N, language?: go|java|…,
 *                                   operations: { OP: { selfMs, sigma?, errorRate?, calls?: [CALL…] } } } }
 *   databases:           { NAME: { system: postgresql|mysql|redis|mongodb, latencyMs, sigma?, port?, dbName? } }
 *   queues:              { NAME: { system: kafka|rabbitmq, delayMs, consumers: [{ service, operation }] } }
 *   entrypoints:         [ { service, operation, weight } ]
 *
 *   CALL (exactly one of `service`, `database`, `queue`):
 *     { service, operation, probability?, repeat?: [min,max], parallel?, optional?, retries?, timeoutMs? }
 *     { database, operation, statement?, probability?, repeat?: [min,max] }
 *     { queue, probability? }
 *
 * selfMs is the median of the operation's own work (log-normal with shape `sigma`, default 0.35);
 * errorRate the natural probability that one execution fails. `optional` calls degrade gracefully
 * (their failure does not fail the caller); `retries` repeats a failed or timed-out client call.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../model/index.js';

export type Protocol = 'http' | 'grpc';

export interface RpcCall {
  service: string;
  operation: string;
  /** Chance the call happens in one execution of the caller; default 1. */
  probability?: number;
  /** Inclusive range of how many times it is made (fan-out); default [1, 1]. */
  repeat?: [number, number];
  /** Repeats run concurrently. */
  parallel?: boolean;
  /** A failure does not fail the caller. */
  optional?: boolean;
  /** Extra attempts after an error or timeout; default 0. */
  retries?: number;
  /** Client gives up after this many ms (DEADLINE_EXCEEDED / 504). */
  timeoutMs?: number;
}

export interface DatabaseCall {
  database: string;
  /** Span name, e.g. "SELECT orders" or "GET". */
  operation: string;
  statement?: string;
  probability?: number;
  repeat?: [number, number];
}

export interface QueueCall {
  queue: string;
  probability?: number;
}

export type CallSpec = RpcCall | DatabaseCall | QueueCall;

export interface OperationSpec {
  /** Median own work, ms. */
  selfMs: number;
  sigma?: number;
  errorRate?: number;
  calls?: CallSpec[];
}

export interface ServiceSpec {
  protocol: Protocol;
  instances: number;
  language?: string;
  operations: Record<string, OperationSpec>;
}

export interface DatabaseSpec {
  system: string;
  /** Median query latency, ms. */
  latencyMs: number;
  sigma?: number;
  port?: number;
  dbName?: string;
}

export interface QueueSpec {
  system: string;
  /** Median time a message waits before a consumer picks it up, ms. */
  delayMs: number;
  consumers: { service: string; operation: string }[];
}

export interface EntryPoint {
  service: string;
  operation: string;
  weight: number;
}

export interface Topology {
  services: Record<string, ServiceSpec>;
  databases: Record<string, DatabaseSpec>;
  queues: Record<string, QueueSpec>;
  entrypoints: EntryPoint[];
}

export function isRpcCall(c: CallSpec): c is RpcCall {
  return 'service' in c;
}
export function isDatabaseCall(c: CallSpec): c is DatabaseCall {
  return 'database' in c;
}
export function isQueueCall(c: CallSpec): c is QueueCall {
  return 'queue' in c;
}

/** Parses a JSON or YAML topology; throws ConfigError naming `where` and the bad field. */
export function parseTopology(text: string, where: string): Topology {
  let raw: unknown;
  try {
    raw = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${where}: not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const t = raw as Partial<Topology> | null;
  if (!t || typeof t !== 'object' || !t.services || typeof t.services !== 'object') {
    throw new ConfigError(`${where}: expected an object with "services", "entrypoints" and optional "databases", "queues"`);
  }
  const topology: Topology = {
    services: t.services,
    databases: t.databases ?? {},
    queues: t.queues ?? {},
    entrypoints: t.entrypoints ?? [],
  };
  validateTopology(topology, where);
  return topology;
}

/** Checks references and ranges; throws ConfigError naming the first problem. */
export function validateTopology(t: Topology, where: string): void {
  const fail = (path: string, msg: string): never => {
    throw new ConfigError(`${where}: ${path}: ${msg}`);
  };
  const hasOp = (service: string, op: string) => Boolean(t.services[service]?.operations?.[op]);
  const num = (path: string, v: unknown, min: number, max = Infinity) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(path, `expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  };
  const range = (path: string, r: unknown) => {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isInteger(x) && x >= 0) || r[0] > r[1]) {
      fail(path, `expected [min, max] non-negative integers, got ${JSON.stringify(r)}`);
    }
  };
  if (Object.keys(t.services).length === 0) fail('services', 'at least one service is required');
  for (const [name, s] of Object.entries(t.services)) {
    const p = `services.${name}`;
    if (s.protocol !== 'http' && s.protocol !== 'grpc') fail(`${p}.protocol`, `expected http or grpc, got ${JSON.stringify(s.protocol)}`);
    if (!Number.isInteger(s.instances) || s.instances < 1) fail(`${p}.instances`, `expected a positive integer, got ${JSON.stringify(s.instances)}`);
    if (!s.operations || typeof s.operations !== 'object' || Object.keys(s.operations).length === 0) fail(`${p}.operations`, 'at least one operation is required');
    for (const [opName, op] of Object.entries(s.operations)) {
      const q = `${p}.operations.${opName}`;
      num(`${q}.selfMs`, op.selfMs, 0);
      if (op.sigma !== undefined) num(`${q}.sigma`, op.sigma, 0, 3);
      if (op.errorRate !== undefined) num(`${q}.errorRate`, op.errorRate, 0, 1);
      (op.calls ?? []).forEach((c, i) => {
        const cp = `${q}.calls[${i}]`;
        const kinds = ['service', 'database', 'queue'].filter((k) => k in (c as object));
        if (kinds.length !== 1) fail(cp, 'expected exactly one of "service", "database", "queue"');
        if (c.probability !== undefined) num(`${cp}.probability`, c.probability, 0, 1);
        if (isRpcCall(c)) {
          if (!hasOp(c.service, c.operation)) fail(cp, `unknown target ${c.service}/${c.operation}`);
          if (c.repeat !== undefined) range(`${cp}.repeat`, c.repeat);
          if (c.retries !== undefined) num(`${cp}.retries`, c.retries, 0, 10);
          if (c.timeoutMs !== undefined) num(`${cp}.timeoutMs`, c.timeoutMs, 0);
        } else if (isDatabaseCall(c)) {
          if (!t.databases[c.database]) fail(cp, `unknown database ${c.database}`);
          if (typeof c.operation !== 'string' || !c.operation) fail(`${cp}.operation`, 'expected a span name');
          if (c.repeat !== undefined) range(`${cp}.repeat`, c.repeat);
        } else if (!t.queues[c.queue]) {
          fail(cp, `unknown queue ${c.queue}`);
        }
      });
    }
  }
  for (const [name, d] of Object.entries(t.databases)) {
    if (typeof d.system !== 'string' || !d.system) fail(`databases.${name}.system`, 'expected e.g. postgresql, mysql or redis');
    num(`databases.${name}.latencyMs`, d.latencyMs, 0);
    if (t.services[name]) fail(`databases.${name}`, 'a database cannot share its name with a service');
  }
  for (const [name, q] of Object.entries(t.queues)) {
    num(`queues.${name}.delayMs`, q.delayMs, 0);
    if (!Array.isArray(q.consumers) || q.consumers.length === 0) fail(`queues.${name}.consumers`, 'at least one consumer is required');
    q.consumers.forEach((c, i) => {
      if (!hasOp(c.service, c.operation)) fail(`queues.${name}.consumers[${i}]`, `unknown consumer ${c.service}/${c.operation}`);
    });
  }
  if (!Array.isArray(t.entrypoints) || t.entrypoints.length === 0) fail('entrypoints', 'at least one entry point is required');
  t.entrypoints.forEach((e, i) => {
    if (!hasOp(e.service, e.operation)) fail(`entrypoints[${i}]`, `unknown operation ${e.service}/${e.operation}`);
    num(`entrypoints[${i}].weight`, e.weight, 0);
  });
  checkAcyclic(t, fail);
}

/** Rejects call cycles, which would generate unbounded traces. */
function checkAcyclic(t: Topology, fail: (path: string, msg: string) => never): void {
  const state = new Map<string, 1 | 2>();
  const visit = (service: string, op: string, path: string[]): void => {
    const key = `${service}/${op}`;
    if (state.get(key) === 2) return;
    if (state.get(key) === 1) fail('calls', `call cycle ${[...path, key].join(' → ')}`);
    state.set(key, 1);
    for (const c of t.services[service].operations[op].calls ?? []) {
      if (isRpcCall(c)) visit(c.service, c.operation, [...path, key]);
      else if (isQueueCall(c)) for (const k of t.queues[c.queue].consumers) visit(k.service, k.operation, [...path, key]);
    }
    state.set(key, 2);
  };
  for (const [s, spec] of Object.entries(t.services)) for (const op of Object.keys(spec.operations)) visit(s, op, []);
}

/** Services that call the database, sorted. */
export function callersOfDatabase(t: Topology, database: string): string[] {
  const out = new Set<string>();
  for (const [s, spec] of Object.entries(t.services)) {
    for (const op of Object.values(spec.operations)) {
      if ((op.calls ?? []).some((c) => isDatabaseCall(c) && c.database === database)) out.add(s);
    }
  }
  return [...out].sort();
}
