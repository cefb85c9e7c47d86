import type { KeyValue, Process, Span, SpanRef, Trace } from '../model/index.js';
import { InputFormatError, parseSpanId, parseTraceId, traceIdToShortHex } from '../model/index.js';
import { isJsonObject, jsonList, jsonObject } from './json-values.js';

/**
 * Jaeger UI / query-service trace JSON (jaeger `internal/uimodel`) ⇄ domain traces.
 * Times are µs on both sides; `processes` are deduplicated as p1, p2, …; int64 tags beyond
 * ±(2^53−1) are written as decimal strings and read from numbers or strings; binary is base64.
 */

type Json = Record<string, unknown>;

export interface JaegerJsonKeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}
export interface JaegerJsonSpan {
  traceID: string;
  spanID: string;
  flags?: number;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerJsonKeyValue[];
  logs: { timestamp: number; fields: JaegerJsonKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}
export interface JaegerJsonTrace {
  traceID: string;
  spans: JaegerJsonSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerJsonKeyValue[] }>;
  warnings: string[] | null;
}

/** A domain trace from one UI trace object; `where` names the file and entry for errors. */
export function traceFromJaegerJson(value: unknown, where: string): Trace {
  const t = jsonObject(value, where);
  if (!Array.isArray(t.spans)) throw new InputFormatError(where, 'expected a trace object with a "spans" array');
  const processes = new Map<string, Process>();
  if (t.processes !== undefined && t.processes !== null) {
    for (const [id, p] of Object.entries(jsonObject(t.processes, `${where}.processes`))) {
      processes.set(id, processFromJson(p, `${where}.processes.${id}`));
    }
  }
  return { spans: t.spans.map((s, i) => spanFromJson(s, processes, `${where}.spans[${i}]`)) };
}

function spanFromJson(value: unknown, processes: Map<string, Process>, at: string): Span {
  const s = jsonObject(value, at);
  const traceId = field(at, 'traceID', () => parseTraceId(string(s.traceID, `${at}.traceID`)));
  let process: Process | undefined;
  if (isJsonObject(s.process)) process = processFromJson(s.process, `${at}.process`);
  else if (typeof s.processID === 'string') {
    process = processes.get(s.processID);
    if (!process) throw new InputFormatError(at, `processID "${s.processID}" is not in the trace's processes`);
  }
  if (!process) throw new InputFormatError(at, 'span has neither "processID" nor "process"');
  const duration = integer(s.duration, `${at}.duration`);
  if (duration < 0) throw new InputFormatError(`${at}.duration`, `negative duration ${duration}µs`);
  return {
    traceId,
    spanId: field(at, 'spanID', () => parseSpanId(string(s.spanID, `${at}.spanID`))),
    operationName: s.operationName === undefined ? '' : string(s.operationName, `${at}.operationName`),
    references: jsonList(s.references, `${at}.references`).map((r, i): SpanRef => {
      const rat = `${at}.references[${i}]`;
      const ref = jsonObject(r, rat);
      const refType = ref.refType === undefined ? 'CHILD_OF' : ref.refType;
      if (refType !== 'CHILD_OF' && refType !== 'FOLLOWS_FROM') throw new InputFormatError(`${rat}.refType`, `unknown reference type ${JSON.stringify(refType)}`);
      return {
        refType,
        traceId: field(rat, 'traceID', () => parseTraceId(string(ref.traceID ?? s.traceID, `${rat}.traceID`))),
        spanId: field(rat, 'spanID', () => parseSpanId(string(ref.spanID, `${rat}.spanID`))),
      };
    }),
    flags: s.flags === undefined ? 0 : integer(s.flags, `${at}.flags`),
    startTime: integer(s.startTime, `${at}.startTime`),
    duration,
    tags: keyValues(s.tags, `${at}.tags`),
    logs: jsonList(s.logs, `${at}.logs`).map((l, i) => {
      const lat = `${at}.logs[${i}]`;
      const log = jsonObject(l, lat);
      return { timestamp: integer(log.timestamp, `${lat}.timestamp`), fields: keyValues(log.fields, `${lat}.fields`) };
    }),
    process,
    warnings: jsonList(s.warnings, `${at}.warnings`).map((w, i) => string(w, `${at}.warnings[${i}]`)),
  };
}

function processFromJson(value: unknown, at: string): Process {
  const p = jsonObject(value, at);
  return { serviceName: string(p.serviceName ?? '', `${at}.serviceName`), tags: keyValues(p.tags, `${at}.tags`) };
}

function keyValues(value: unknown, at: string): KeyValue[] {
  return jsonList(value, at).map((kv, i) => keyValue(kv, `${at}[${i}]`));
}

function keyValue(value: unknown, at: string): KeyValue {
  const o = jsonObject(value, at);
  const key = string(o.key, `${at}.key`);
  const type = typeof o.type === 'string' ? o.type.toLowerCase() : 'string';
  const v = o.value;
  switch (type) {
    case 'string':
      return { key, type: 'string', value: typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v) };
    case 'bool':
      if (typeof v === 'boolean') return { key, type: 'bool', value: v };
      if (v === 'true' || v === 'false') return { key, type: 'bool', value: v === 'true' };
      throw new InputFormatError(at, `bool tag "${key}" has value ${JSON.stringify(v)}`);
    case 'int64':
      if ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v))) {
        return { key, type: 'int64', value: BigInt(v) };
      }
      if (typeof v === 'number' && Number.isInteger(v)) {
        // NOTE: JSON.parse has already rounded it; the original digits are gone.
        throw new InputFormatError(at, `int64 tag "${key}" is a JSON number beyond ±(2^53−1), which loses precision: write it as a string`);
      }
      throw new InputFormatError(at, `int64 tag "${key}" has value ${JSON.stringify(v)?.slice(0, 40)}`);
    case 'float64':
      if (typeof v === 'number') return { key, type: 'float64', value: v };
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return { key, type: 'float64', value: Number(v) };
      throw new InputFormatError(at, `float64 tag "${key}" has value ${JSON.stringify(v)?.slice(0, 40)}`);
    case 'binary':
      if (typeof v === 'string') return { key, type: 'binary', value: new Uint8Array(Buffer.from(v, 'base64')) };
      throw new InputFormatError(at, `binary tag "${key}" must be base64 text`);
    default:
      throw new InputFormatError(at, `unknown tag type "${type}"`);
  }
}

/** One UI trace object for a domain trace (spans in the given order). */
export function jaegerJsonFromTrace(trace: Trace): JaegerJsonTrace {
  const processes: JaegerJsonTrace['processes'] = {};
  const processIds = new Map<string, string>();
  const spans = trace.spans.map((s): JaegerJsonSpan => {
    const tags = s.process.tags.map(keyValueToJson);
    const key = JSON.stringify([s.process.serviceName, tags]);
    let processID = processIds.get(key);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(key, processID);
      processes[processID] = { serviceName: s.process.serviceName, tags };
    }
    return {
      traceID: traceIdToShortHex(s.traceId),
      spanID: s.spanId,
      ...(s.flags ? { flags: s.flags } : {}),
      operationName: s.operationName,
      references: s.references.map((r) => ({ refType: r.refType, traceID: traceIdToShortHex(r.traceId), spanID: r.spanId })),
      startTime: s.startTime,
      duration: s.duration,
      tags: s.tags.map(keyValueToJson),
      logs: s.logs.map((l) => ({ timestamp: l.timestamp, fields: l.fields.map(keyValueToJson) })),
      processID,
      warnings: s.warnings.length ? s.warnings : null,
    };
  });
  return { traceID: spans.length ? spans[0].traceID : '', spans, processes, warnings: null };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function keyValueToJson(kv: KeyValue): JaegerJsonKeyValue {
  switch (kv.type) {
    case 'int64':
      return { key: kv.key, type: 'int64', value: kv.value > MAX_SAFE || kv.value < -MAX_SAFE ? kv.value.toString() : Number(kv.value) };
    case 'binary':
      return { key: kv.key, type: 'binary', value: Buffer.from(kv.value).toString('base64') };
    default:
      return { key: kv.key, type: kv.type, value: kv.value };
  }
}

function string(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new InputFormatError(at, `expected a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

function integer(v: unknown, at: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InputFormatError(at, `expected an integer, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return n;
}

function field<T>(at: string, name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InputFormatError) throw err;
    throw new InputFormatError(`${at}.${name}`, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Domain traces from a Jaeger JSON document: an API envelope `{data: [Trace…]}` or `{data: Trace}`,
 * an array of traces, or one trace. `where` names the file for errors.
 */
export function tracesFromJaegerJson(doc: unknown, where: string): Trace[] {
  if (isJsonObject(doc) && 'data' in doc) {
    const data = doc.data;
    if (Array.isArray(data)) return data.map((t, i) => traceFromJaegerJson(t, `${where}: data[${i}]`));
    return [traceFromJaegerJson(data, `${where}: data`)];
  }
  if (Array.isArray(doc)) return doc.map((t, i) => traceFromJaegerJson(t, `${where}: [${i}]`));
  return [traceFromJaegerJson(doc, where)];
}
