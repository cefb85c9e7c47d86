/**
 * Spans received in the Jaeger model ⇄ SLS Trace rows, and the rows of other Jaeger-model writers.
 * Pure: no I/O, no clock.
 *
 * Written columns: traceID (32 hex), spanID (16 hex), parentSpanID ("" for roots), name, kind
 * (lower case), service, host, resource / attribute (JSON objects with typed JSON values), logs
 * `[{name,time(ns),attribute}]`, links `[{traceID,spanID,attribute:{"opentracing.ref_type"}}]`,
 * traceState (tag `w3c.tracestate`), otlp.name / otlp.version (tags `otel.scope.name` /
 * `otel.scope.version`), start / end / duration (µs), statusCode (ERROR from
 * `error`/`otel.status_code`, OK, UNSET), statusMessage, flags, and — only when plain JSON cannot
 * carry the exact Jaeger span — `jaeger`: a JSON side-car with the exact typed tag lists (int64
 * beyond 2^53, integral or non-finite float64, binary, duplicate or reordered keys), the reference
 * list, and warnings. The `flags` column marks this form: rows without it are in the OTLP form
 * (otlp-row.ts).
 *
 * Read side accepts rows of aliyun-log-jaeger (unpadded ids, parentSpanID "0", stringified
 * attributes, ProcessID in resource, TraceID/SpanID/RefType link keys).
 */
import type { KeyValue, Log, Span, SpanRef, SpanRefType } from '../../model/index.js';
import { isErrorSpan, parentSpanId, tagValueAsString } from '../../model/index.js';
import type { SlsRow } from './row-fields.js';
import { integerText, num, padId, SIDECAR_COLUMN, timeUnitDivisor, toMicros } from './row-fields.js';

export const REF_TYPE_ATTRIBUTE = 'opentracing.ref_type';

type TypeCode = 's' | 'b' | 'i' | 'f' | 'x';
/** [key, type, exact value text] */
type ExactTag = [string, TypeCode, string];

interface Sidecar {
  /** span tags */
  t?: ExactTag[];
  /** process tags */
  p?: ExactTag[];
  /** fields of every log, in order */
  l?: ExactTag[][];
  /** links hold every reference in order (parentSpanID is informative only) */
  r?: 1;
  /** warnings */
  w?: string[];
}

// ---------------------------------------------------------------------------------------------
// Write

/** The span's columns as a flat [key0, value0, key1, value1, …] list (the write path's form). */
export function jaegerSpanColumns(span: Span): string[] {
  const sidecar: Sidecar = {};
  let sidecarUsed = false;
  const attribute = tagsToJson(span.tags);
  if (!attribute.exact) {
    sidecar.t = span.tags.map(exactTag);
    sidecarUsed = true;
  }
  const resource = tagsToJson(span.process.tags);
  if (!resource.exact) {
    sidecar.p = span.process.tags.map(exactTag);
    sidecarUsed = true;
  }

  let logs = '[]';
  if (span.logs.length > 0) {
    const logParts: string[] = [];
    let logsExact = true;
    for (const log of span.logs) {
      const fields = tagsToJson(log.fields);
      if (!fields.exact) logsExact = false;
      const event = log.fields.find((f) => f.key === 'event' && f.type === 'string');
      logParts.push(`{"name":${JSON.stringify(event ? event.value : '')},"time":${(BigInt(log.timestamp) * 1000n).toString()},"attribute":${fields.json}}`);
    }
    if (!logsExact) {
      sidecar.l = span.logs.map((l) => l.fields.map(exactTag));
      sidecarUsed = true;
    }
    logs = `[${logParts.join(',')}]`;
  }

  const refs = span.references;
  const first = refs[0];
  let parentFirst = first !== undefined && first.refType === 'CHILD_OF' && first.traceId === span.traceId;
  for (let i = 1; parentFirst && i < refs.length; i++) if (refs[i].spanId === first.spanId && refs[i].traceId === span.traceId) parentFirst = false;
  const parent = parentFirst ? first.spanId : (parentSpanId(span) ?? '');
  if (!parentFirst && parent !== '') {
    sidecar.r = 1;
    sidecarUsed = true;
  }
  let links = '[]';
  const linkStart = parentFirst ? 1 : 0;
  if (refs.length > linkStart) {
    const parts: string[] = [];
    for (let i = linkStart; i < refs.length; i++) {
      const r = refs[i];
      parts.push(`{"traceID":"${r.traceId}","spanID":"${r.spanId}","attribute":{"${REF_TYPE_ATTRIBUTE}":"${r.refType === 'CHILD_OF' ? 'child_of' : 'follows_from'}"}}`);
    }
    links = `[${parts.join(',')}]`;
  }
  if (span.warnings.length > 0) {
    sidecar.w = [...span.warnings];
    sidecarUsed = true;
  }

  // One pass for what spanKind, isErrorSpan and the status tags would each look up.
  let kindTag: KeyValue | undefined;
  let ok = false;
  let statusMessage = '';
  let traceState = '';
  let scopeName = '';
  let scopeVersion = '';
  for (const t of span.tags) {
    if (t.key === 'span.kind') kindTag ??= t;
    else if (t.type !== 'string') continue;
    else if (t.key === 'otel.status_code' && t.value === 'OK') ok = true;
    else if (t.key === 'otel.status_description') statusMessage = t.value;
    else if (t.key === 'w3c.tracestate') traceState = t.value;
    else if (t.key === 'otel.scope.name' || t.key === 'otel.library.name') scopeName = t.value;
    else if (t.key === 'otel.scope.version' || t.key === 'otel.library.version') scopeVersion = t.value;
  }
  const statusCode = isErrorSpan(span) ? 'ERROR' : ok ? 'OK' : 'UNSET';
  const columns = [
    'traceID', span.traceId,
    'spanID', span.spanId,
    'parentSpanID', parent,
    'name', span.operationName,
    'kind', kindTag !== undefined && kindTag.type === 'string' ? kindTag.value.toLowerCase() : '',
    'service', span.process.serviceName,
    'host', hostOf(span.process.tags),
    'resource', resource.json,
    'attribute', attribute.json,
    'logs', logs,
    'links', links,
    'traceState', traceState,
    'otlp.name', scopeName,
    'otlp.version', scopeVersion,
    'start', integerText(span.startTime),
    'end', integerText(span.startTime + span.duration),
    'duration', integerText(span.duration),
    'statusCode', statusCode,
    'statusMessage', statusMessage,
    'flags', String(span.flags),
  ];
  if (sidecarUsed) columns.push(SIDECAR_COLUMN, JSON.stringify(sidecar));
  return columns;
}

function hostOf(tags: readonly KeyValue[]): string {
  let hostname: string | undefined;
  for (const t of tags) {
    if (t.type !== 'string') continue;
    if (t.key === 'host.name') return t.value;
    if (t.key === 'hostname') hostname ??= t.value;
  }
  return hostname ?? '';
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** Whether inference reads `key` back as written (not an array index, which JS objects reorder, nor __proto__). */
function plainKey(key: string): boolean {
  return key !== '__proto__' && !(ARRAY_INDEX.test(key) && Number(key) < 4294967295);
}

/** The JSON object of typed tags, and whether reading it back by inference gives the same list. */
export function tagsToJson(tags: readonly KeyValue[]): { json: string; exact: boolean } {
  if (tags.length === 0) return { json: '{}', exact: true };
  let exact = true;
  let json = '{';
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i];
    if (!plainKey(t.key) || !valueInferable(t)) exact = false;
    else if (exact) for (let j = 0; j < i; j++) if (tags[j].key === t.key) exact = false;
    json += `${i === 0 ? '' : ','}${JSON.stringify(t.key)}:${jsonValue(t)}`;
  }
  return { json: json + '}', exact };
}

const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether the JSON text jsonValue gives reads back with its type by inference. */
function valueInferable(kv: KeyValue): boolean {
  switch (kv.type) {
    case 'string':
    case 'bool':
      return true;
    case 'int64':
      return kv.value >= MIN_SAFE_BIGINT && kv.value <= MAX_SAFE_BIGINT;
    case 'float64':
      return Number.isFinite(kv.value) && !Number.isInteger(kv.value);
    case 'binary':
      return false;
  }
}

/** The JSON text of a tag value, readable by SLS and its console. */
function jsonValue(kv: KeyValue): string {
  switch (kv.type) {
    case 'string':
      return JSON.stringify(kv.value);
    case 'bool':
      return kv.value ? 'true' : 'false';
    case 'int64':
      return kv.value >= MIN_SAFE_BIGINT && kv.value <= MAX_SAFE_BIGINT ? kv.value.toString() : `"${kv.value.toString()}"`;
    case 'float64': {
      const v = kv.value;
      if (!Number.isFinite(v)) return `"${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}"`;
      // Jaeger's string form (Go %g, e.g. 1e-07) when it is exact, so SQL tag matches see AsString.
      const asString = tagValueAsString(kv);
      return Number(asString) === v && !Object.is(v, -0) ? asString : JSON.stringify(v);
    }
    case 'binary':
      return `"${Buffer.from(kv.value).toString('hex')}"`;
  }
}

function exactTag(kv: KeyValue): ExactTag {
  switch (kv.type) {
    case 'string':
      return [kv.key, 's', kv.value];
    case 'bool':
      return [kv.key, 'b', kv.value ? 'true' : 'false'];
    case 'int64':
      return [kv.key, 'i', kv.value.toString()];
    case 'float64':
      return [kv.key, 'f', Object.is(kv.value, -0) ? '-0' : String(kv.value)];
    case 'binary':
      return [kv.key, 'x', Buffer.from(kv.value).toString('hex')];
  }
}

// ---------------------------------------------------------------------------------------------
// Read

function fromExactTag([key, type, text]: ExactTag): KeyValue {
  switch (type) {
    case 's':
      return { key, type: 'string', value: text };
    case 'b':
      return { key, type: 'bool', value: text === 'true' };
    case 'i':
      return { key, type: 'int64', value: BigInt(text) };
    case 'f':
      return { key, type: 'float64', value: text === '-0' ? -0 : Number(text) };
    case 'x':
      return { key, type: 'binary', value: new Uint8Array(Buffer.from(text, 'hex')) };
  }
}

/** Tags read back from a JSON object by inference: string, bool, integer → int64, other number → float64. */
export function tagsFromJson(value: unknown): KeyValue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out.push({ key, type: 'string', value: v });
    else if (typeof v === 'boolean') out.push({ key, type: 'bool', value: v });
    else if (typeof v === 'number') {
      out.push(Number.isInteger(v) ? { key, type: 'int64', value: BigInt(v) } : { key, type: 'float64', value: v });
    } else out.push({ key, type: 'string', value: v === null ? '' : JSON.stringify(v) });
  }
  return out;
}

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (text === undefined || text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function jsonTags(text: string | undefined, fallbackKey: string): KeyValue[] {
  const parsed = parseJson(text);
  if (!parsed.ok) return [{ key: fallbackKey, type: 'string', value: text! }];
  return tagsFromJson(parsed.value);
}

const ZERO_ID = /^0*$/;

/** A span from a row in the Jaeger form (string values). Never throws on foreign or damaged rows. */
export function rowToJaegerSpan(row: SlsRow): Span {
  const sidecarParsed = parseJson(row[SIDECAR_COLUMN]);
  const sidecar = (sidecarParsed.ok && sidecarParsed.value && typeof sidecarParsed.value === 'object' ? sidecarParsed.value : {}) as Sidecar;
  const traceId = padId(row.traceID ?? row.traceid, 32);
  const spanId = padId(row.spanID ?? row.spanid, 16);

  const rawStart = num(row.start) ?? 0;
  const divisor = timeUnitDivisor(rawStart);
  const startTime = toMicros(rawStart, divisor);
  const rawDuration = num(row.duration);
  const rawEnd = num(row.end);
  const duration = rawDuration !== undefined ? toMicros(rawDuration, divisor) : rawEnd !== undefined ? Math.max(0, toMicros(rawEnd, divisor) - startTime) : 0;

  const tags = sidecar.t ? sidecar.t.map(fromExactTag) : jsonTags(row.attribute, 'tags');
  if (!sidecar.t) addColumnTags(tags, row);

  let processTags = sidecar.p ? sidecar.p.map(fromExactTag) : jsonTags(row.resource, 'resource');
  if (!sidecar.p) {
    processTags = processTags.filter((t) => !(t.key === 'ProcessID' && t.type === 'string' && /^p\d+$/.test(t.value)));
    const host = row.host ?? '';
    if (host !== '' && !processTags.some((t) => t.key === 'host.name' || t.key === 'hostname')) {
      processTags.push({ key: 'host.name', type: 'string', value: host });
    }
  }

  const logs = readLogs(row.logs, sidecar.l);
  const references = readReferences(row, traceId, sidecar.r === 1);
  const flags = num(row.flags);
  return {
    traceId,
    spanId,
    operationName: row.name ?? row.operationName ?? '',
    references,
    flags: flags !== undefined && Number.isInteger(flags) ? flags : 0,
    startTime,
    duration,
    tags,
    logs,
    process: { serviceName: row.service ?? '', tags: processTags },
    warnings: Array.isArray(sidecar.w) ? sidecar.w.map(String) : [],
  };
}

/** Foreign rows keep kind and status in columns only; restore them as Jaeger tags. */
function addColumnTags(tags: KeyValue[], row: SlsRow): void {
  const kind = (row.kind ?? '').toLowerCase();
  if (kind !== '' && kind !== 'internal' && kind !== 'unspecified' && !tags.some((t) => t.key === 'span.kind')) {
    tags.push({ key: 'span.kind', type: 'string', value: kind });
  }
  if ((row.statusCode ?? '').toUpperCase() === 'ERROR' && !tags.some((t) => t.key === 'error' || t.key === 'otel.status_code')) {
    tags.push({ key: 'error', type: 'bool', value: true });
  }
}

function readLogs(text: string | undefined, exact: ExactTag[][] | undefined): Log[] {
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  return parsed.value.map((entry, i): Log => {
    const e = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    const time = typeof e.time === 'number' ? e.time : typeof e.time === 'string' ? Number(e.time) : 0;
    const timestamp = Number.isFinite(time) ? toMicros(time, timeUnitDivisor(time)) : 0;
    if (exact?.[i]) return { timestamp, fields: exact[i].map(fromExactTag) };
    const fields = tagsFromJson(e.attribute ?? e.Attribute ?? e.attributes);
    const name = typeof e.name === 'string' ? e.name : '';
    if (name !== '' && !fields.some((f) => f.key === 'event')) fields.unshift({ key: 'event', type: 'string', value: name });
    return { timestamp, fields };
  });
}

function pick(o: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

function readReferences(row: SlsRow, traceId: string, linksHoldAll: boolean): SpanRef[] {
  const refs: SpanRef[] = [];
  const parsed = parseJson(row.links);
  if (parsed.ok && Array.isArray(parsed.value)) {
    for (const entry of parsed.value) {
      if (!entry || typeof entry !== 'object') continue;
      const l = entry as Record<string, unknown>;
      const attrs = (pick(l, 'attribute', 'Attributes', 'attributes') ?? {}) as Record<string, unknown>;
      const typeText = String(pick(attrs, REF_TYPE_ATTRIBUTE) ?? pick(l, 'RefType', 'refType') ?? 'follows_from').toLowerCase();
      const refType: SpanRefType = typeText === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
      refs.push({
        refType,
        traceId: padId(String(pick(l, 'traceID', 'TraceID', 'traceId') ?? traceId), 32),
        spanId: padId(String(pick(l, 'spanID', 'SpanID', 'SpanId', 'spanId') ?? ''), 16),
      });
    }
  }
  const parentText = row.parentSpanID ?? row.parentspanid ?? '';
  if (!linksHoldAll && !ZERO_ID.test(parentText)) {
    const parent = padId(parentText, 16);
    if (!refs.some((r) => r.spanId === parent && r.traceId === traceId)) refs.unshift({ refType: 'CHILD_OF', traceId, spanId: parent });
  }
  return refs;
}
