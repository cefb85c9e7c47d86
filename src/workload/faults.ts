/**
 * Injectable faults for the synthetic workload, their flag/scenario syntax, and the per-span test of
 * whether a fault applies.
 *
 * Types:
 *   latency  — the target's server spans get `delayMs` (±15 %) of extra own time before their calls,
 *              like an injected sleep or a slow lock; children keep their durations.
 *   cpu      — self-time inflation: the target's own work is multiplied by `factor` (CPU contention);
 *              children keep their durations.
 *   error    — error burst: the target's server spans fail (error=true, 5xx / gRPC INTERNAL); half
 *              fail fast without calling downstream; callers see the failure unless the call is optional.
 *   db-slow  — a slow downstream database: client spans to `database` take `factor` (±15 %) times longer.
 *   network  — network delay on the target's pods (like `tc netem` egress delay): every packet the
 *              target sends waits `delayMs` (±15 %) — its responses to callers and its requests to
 *              callees — so client spans of calls to or from it grow while server spans do not.
 * Every fault has a window [start, end) (µs; a span is hit when it starts inside it) and a `fraction`
 * of matching calls it hits (default 1). Latency, cpu and error target a service, optionally narrowed
 * to one `operation` and/or one `instance` (hostname or 0-based index).
 *
 * Flag syntax (repeatable `--fault`): `TYPE:key=value,…`, e.g.
 *   latency:service=cart-service,delay=300ms,start=20m,end=35m
 *   error:service=payment-service,operation=payment.PaymentService/Charge,fraction=0.4
 *   db-slow:database=orders-db,factor=10     cpu:service=search-service,instance=1,factor=5
 *   network:service=cart-service,instance=0,delay=40ms
 * `start`/`end` are offsets from the generated period's start (durations) or absolute times; a bare
 * `delay` number is milliseconds.
 */
import { ConfigError } from '../model/index.js';
import type { Topology } from './topology.js';
import { callersOfDatabase } from './topology.js';
import { instanceHostname } from './instances.js';

export const FAULT_TYPES = ['latency', 'cpu', 'error', 'db-slow', 'network'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultSpec {
  type: FaultType;
  service?: string;
  operation?: string;
  /** 0-based instance index within `service`. */
  instance?: number;
  database?: string;
  /** µs since epoch; the fault hits spans starting in [start, end). */
  start: number;
  end: number;
  /** Share of matching calls hit, (0, 1]. */
  fraction: number;
  /** latency: extra ms per hit span; network: extra ms per hit call. */
  delayMs?: number;
  /** cpu: self-time multiplier; db-slow: query latency multiplier. */
  factor?: number;
}

export const FAULT_DEFAULTS = { delayMs: 300, cpuFactor: 5, dbFactor: 10, fraction: 1 } as const;

/** Parser hooks the CLI provides (duration and time syntax live in the command layer). */
export interface FaultTimeParsers {
  duration(text: string, where: string): number;
  timestamp(text: string, where: string): number;
}

/**
 * Parses one `--fault` value against the topology. Times default to the middle third of the
 * period [periodStart, periodEnd). Throws ConfigError naming the flag and the bad part.
 */
export function parseFaultFlag(text: string, topology: Topology, periodStart: number, periodEnd: number, parsers: FaultTimeParsers): FaultSpec {
  const where = `--fault "${text}"`;
  const m = /^([a-z-]+):(.*)$/.exec(text.trim());
  if (!m) throw new ConfigError(`${where}: expected TYPE:key=value,… with TYPE one of ${FAULT_TYPES.join(', ')}`);
  const fields: Record<string, string> = { type: m[1] };
  for (const part of m[2].split(',').filter((p) => p.trim())) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${where}: expected key=value, got "${part}"`);
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return faultFromFields(fields, topology, periodStart, periodEnd, parsers, where);
}

/**
 * A fault from key/value fields — the keys of the flag syntax plus `type`; values as text or
 * numbers (a scenario file's `faults: [{type: latency, service: cart-service, delay: 300ms}]`).
 */
export function faultFromFields(
  fields: Record<string, unknown>,
  topology: Topology,
  periodStart: number,
  periodEnd: number,
  parsers: FaultTimeParsers,
  where: string,
): FaultSpec {
  const known = new Set(['type', 'service', 'operation', 'instance', 'database', 'start', 'end', 'fraction', 'delay', 'factor']);
  for (const k of Object.keys(fields)) if (!known.has(k)) throw new ConfigError(`${where}: unknown key "${k}" (expected ${[...known].join(', ')})`);
  const text = (k: string) => (fields[k] === undefined || fields[k] === null ? undefined : String(fields[k]));
  const when = (key: 'start' | 'end'): number | undefined => {
    const v = text(key);
    if (v === undefined) return undefined;
    if (/^\d{4}-\d{2}-\d{2}/.test(v) || /^now/i.test(v)) return parsers.timestamp(v, `${where} ${key}`);
    return periodStart + parsers.duration(v, `${where} ${key}`);
  };
  const number = (k: string) => {
    const v = text(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ConfigError(`${where}: ${k} must be a number, got "${v}"`);
    return n;
  };
  const delay = text('delay');
  const raw: Record<string, unknown> = {
    type: text('type'),
    service: text('service'),
    operation: text('operation'),
    instance: text('instance'),
    database: text('database'),
    start: when('start'),
    end: when('end'),
    fraction: number('fraction'),
    delayMs: delay === undefined ? undefined : parsers.duration(/^\d+(\.\d+)?$/.test(delay) ? `${delay}ms` : delay, `${where} delay`) / 1000,
    factor: number('factor'),
  };
  return normalizeFault(raw, topology, periodStart, periodEnd, where);
}

/**
 * Validates a fault with resolved times (µs) and fills defaults: times default to the middle third
 * of the period. `instance` may be an index or a hostname.
 */
export function normalizeFault(raw: Record<string, unknown>, topology: Topology, periodStart: number, periodEnd: number, where: string): FaultSpec {
  const fail = (msg: string): never => {
    throw new ConfigError(`${where}: ${msg}`);
  };
  const type = raw.type as FaultType;
  if (!FAULT_TYPES.includes(type)) fail(`unknown fault type "${String(raw.type)}" (expected ${FAULT_TYPES.join(', ')})`);
  const third = Math.floor((periodEnd - periodStart) / 3);
  const spec: FaultSpec = {
    type,
    start: typeof raw.start === 'number' ? raw.start : periodStart + third,
    end: typeof raw.end === 'number' ? raw.end : periodStart + 2 * third,
    fraction: raw.fraction === undefined ? FAULT_DEFAULTS.fraction : Number(raw.fraction),
  };
  if (!(spec.fraction > 0 && spec.fraction <= 1)) fail(`fraction must be in (0, 1], got ${String(raw.fraction)}`);
  if (!(spec.end > spec.start)) fail('end must be after start');
  if (type === 'db-slow') {
    const db = raw.database;
    if (typeof db !== 'string' || !topology.databases[db]) fail(`db-slow needs database=NAME, one of ${Object.keys(topology.databases).join(', ')}`);
    spec.database = db as string;
    if (typeof raw.operation === 'string') spec.operation = raw.operation;
    spec.factor = positive(raw.factor, FAULT_DEFAULTS.dbFactor, 'factor', fail);
    return spec;
  }
  const service = raw.service;
  if (typeof service !== 'string' || !topology.services[service]) fail(`${type} needs service=NAME, one of the topology's ${Object.keys(topology.services).length} services`);
  spec.service = service as string;
  const svc = topology.services[spec.service];
  if (raw.operation !== undefined) {
    if (typeof raw.operation !== 'string' || !svc.operations[raw.operation]) fail(`unknown operation "${String(raw.operation)}" of ${spec.service}`);
    spec.operation = raw.operation as string;
  }
  if (raw.instance !== undefined) {
    const text = String(raw.instance);
    let index = /^\d+$/.test(text) ? Number(text) : -1;
    if (index < 0) index = Array.from({ length: svc.instances }, (_, i) => instanceHostname(spec.service!, i)).indexOf(text);
    if (index < 0 || index >= svc.instances) fail(`unknown instance "${text}" of ${spec.service} (index 0–${svc.instances - 1} or its hostname)`);
    spec.instance = index;
  }
  if (type === 'network' && spec.operation !== undefined) fail('a network fault delays a pod\'s traffic, not one operation: drop operation=');
  if (type === 'latency' || type === 'network') spec.delayMs = positive(raw.delayMs, FAULT_DEFAULTS.delayMs, 'delay', fail);
  if (type === 'cpu') spec.factor = positive(raw.factor, FAULT_DEFAULTS.cpuFactor, 'factor', fail);
  return spec;
}

function positive(v: unknown, fallback: number, key: string, fail: (m: string) => never): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) fail(`${key} must be a positive number, got ${String(v)}`);
  return n;
}

/** Whether a fault targets a server span of (service, operation, instance). */
export function faultTargetsServer(f: FaultSpec, service: string, operation: string, instance: number): boolean {
  return (
    f.type !== 'db-slow' &&
    f.type !== 'network' &&
    f.service === service &&
    (f.operation === undefined || f.operation === operation) &&
    (f.instance === undefined || f.instance === instance)
  );
}

/**
 * Which way a network fault delays an RPC from (caller, instance) to (callee, instance): the request
 * when the caller is a target pod, else the response when the callee is; null when neither.
 */
export function networkFaultDirection(f: FaultSpec, caller: string, callerInstance: number, callee: string, calleeInstance: number): 'request' | 'response' | null {
  if (f.type !== 'network') return null;
  const isTarget = (s: string, i: number) => f.service === s && (f.instance === undefined || f.instance === i);
  if (isTarget(caller, callerInstance)) return 'request';
  if (isTarget(callee, calleeInstance)) return 'response';
  return null;
}

/** Whether a db-slow fault targets a client span to `database` named `operation`. */
export function faultTargetsDatabase(f: FaultSpec, database: string, operation: string): boolean {
  return f.type === 'db-slow' && f.database === database && (f.operation === undefined || f.operation === operation);
}

/**
 * The services a root-cause ranking may name for this fault and be right: the target service; for
 * db-slow the (uninstrumented) database peer and every service that queries it.
 */
export function acceptableRootCauses(f: FaultSpec, topology: Topology): string[] {
  if (f.type === 'db-slow') return [f.database!, ...callersOfDatabase(topology, f.database!)];
  return [f.service!];
}

/** A short human label: `latency cart-service/GetCart#1`. */
export function describeFault(f: FaultSpec): string {
  const target =
    f.type === 'db-slow'
      ? `${f.database}${f.operation ? `/${f.operation}` : ''}`
      : `${f.service}${f.operation ? `/${f.operation}` : ''}${f.instance !== undefined ? `#${f.instance}` : ''}`;
  const size = f.type === 'latency' || f.type === 'network' ? `+${f.delayMs}ms` : f.type === 'error' ? '' : `×${f.factor}`;
  return [f.type, target, size, f.fraction < 1 ? `${Math.round(f.fraction * 100)}%` : ''].filter(Boolean).join(' ');
}
