import type { KeyValue, Log, Span, SpanRef } from '../model/index.js';
import { InputFormatError, spanIdFromBytes, spanIdToBytes, traceIdFromBytes, traceIdToBytes } from '../model/index.js';

/**
 * OTLP trace trees in the shape @grpc/proto-loader produces with
 * `{keepCase: false, longs: String, enums: Number, defaults: true, oneofs: true}`:
 * camelCase fields, ids as bytes, fixed64/int64 as decimal strings. otlp-json.ts converts OTLP/JSON
 * to and from the same shape, so this module is the one mapping between OTLP and the domain.
 *
 * Rules follow opentelemetry-collector-contrib `pkg/translator/jaeger` (used by Jaeger v2):
 * resource `service.name` ↔ process service; parent_span_id ↔ first CHILD_OF reference; other links
 * ↔ references typed by link attribute `opentracing.ref_type`; kind ↔ tag `span.kind`; status ERROR ↔
 * tag `error=true`, other status codes ↔ `otel.status_code`, message ↔ `otel.status_description`;
 * scope ↔ `otel.scope.name`/`otel.scope.version`; events ↔ logs (name ↔ field `event`);
 * trace_state ↔ `w3c.tracestate`. Times: ns on the OTLP side, integer µs in the domain (sub-µs dropped).
 */

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: Uint8Array;
  /** proto-loader's oneof discriminator: the name of the member that is set. */
  value?: string;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null;
}
export interface OtlpResource {
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}
export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}
export interface OtlpEvent {
  timeUnixNano: string | number;
  name?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}
export interface OtlpLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}
export interface OtlpStatus {
  message?: string;
  code?: number;
}
export interface OtlpSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  events?: OtlpEvent[];
  droppedEventsCount?: number;
  links?: OtlpLink[];
  droppedLinksCount?: number;
  status?: OtlpStatus | null;
  flags?: number;
}
export interface OtlpScopeSpans {
  scope?: OtlpScope | null;
  spans?: OtlpSpan[];
  schemaUrl?: string;
}
export interface OtlpResourceSpans {
  resource?: OtlpResource | null;
  scopeSpans?: OtlpScopeSpans[];
  schemaUrl?: string;
}

export const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
/** Service name Jaeger's translator gives a resource without `service.name`. */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

const TAG_KIND = 'span.kind';
const TAG_STATUS_CODE = 'otel.status_code';
const TAG_STATUS_DESCRIPTION = 'otel.status_description';
const TAG_SCOPE_NAME = 'otel.scope.name';
const TAG_SCOPE_VERSION = 'otel.scope.version';
const TAG_TRACE_STATE = 'w3c.tracestate';
const TAG_ERROR = 'error';
const LINK_REF_TYPE = 'opentracing.ref_type';
/** Span warnings as Jaeger v2 keeps them in OTLP: a string-array attribute. */
const ATTR_WARNINGS = '@jaeger@warnings';
const LOG_EVENT = 'event';

/** Domain spans from OTLP resource spans. `where` prefixes error messages (file or RPC name). */
export function spansFromOtlp(resourceSpans: readonly OtlpResourceSpans[], where = 'OTLP'): Span[] {
  const out: Span[] = [];
  resourceSpans.forEach((rs, ri) => {
    const resourceAttrs = rs.resource?.attributes ?? [];
    let serviceName = NO_SERVICE_NAME;
    const processTags: KeyValue[] = [];
    resourceAttrs.forEach((kv, ai) => {
      const tag = keyValueFromOtlp(kv, `${where}: resourceSpans[${ri}].resource.attributes[${ai}]`);
      if (tag.key === 'service.name' && tag.type === 'string') serviceName = tag.value;
      else processTags.push(tag);
    });
    (rs.scopeSpans ?? []).forEach((ss, si) => {
      const scopeTags: KeyValue[] = [];
      if (ss.scope?.name) scopeTags.push({ key: TAG_SCOPE_NAME, type: 'string', value: ss.scope.name });
      if (ss.scope?.version) scopeTags.push({ key: TAG_SCOPE_VERSION, type: 'string', value: ss.scope.version });
      (ss.spans ?? []).forEach((span, pi) => {
        const at = () => `${where}: resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]`;
        out.push(spanFromOtlp(span, { serviceName, tags: processTags }, scopeTags, at));
      });
    });
  });
  return out;
}

/**
 * Where in the input an error is: a string, or a function building it only when an error needs it
 * (the ingest path converts millions of spans and attributes that have none).
 */
type At = string | (() => string);

function atText(at: At): string {
  return typeof at === 'string' ? at : at();
}

function spanFromOtlp(s: OtlpSpan, process: Span['process'], scopeTags: KeyValue[], at: At): Span {
  const traceId = traceIdField(at, 'traceId', s.traceId);
  const spanId = spanIdField(at, 'spanId', s.spanId, true);
  let startTime: number;
  let duration: number;
  const startUs = decimalMicros(s.startTimeUnixNano);
  const startRest = microsRest;
  const endUs = decimalMicros(s.endTimeUnixNano);
  const endRest = microsRest;
  if (startUs >= 0 && endUs >= 0) {
    // Both plain decimal strings (the gRPC decoders' form): the BigInt arithmetic below, in doubles.
    if (endUs < startUs || (endUs === startUs && endRest < startRest)) throw negativeDuration(at);
    startTime = startUs;
    duration = endUs - startUs - (endRest < startRest ? 1 : 0);
  } else {
    const startNs = nanos(s.startTimeUnixNano, at, 'startTimeUnixNano');
    const endNs = nanos(s.endTimeUnixNano, at, 'endTimeUnixNano');
    if (endNs < startNs) throw negativeDuration(at);
    startTime = Number(startNs / 1000n);
    duration = Number((endNs - startNs) / 1000n);
  }

  const references: SpanRef[] = [];
  if (s.parentSpanId && s.parentSpanId.length > 0) {
    references.push({ refType: 'CHILD_OF', traceId, spanId: spanIdField(at, 'parentSpanId', s.parentSpanId, false) });
  }
  (s.links ?? []).forEach((link, li) => {
    const lat = () => `${atText(at)}.links[${li}]`;
    const refType = (link.attributes ?? []).some((a) => a.key === LINK_REF_TYPE && a.value?.stringValue === 'child_of')
      ? 'CHILD_OF'
      : 'FOLLOWS_FROM';
    references.push({
      refType,
      traceId: traceIdField(lat, 'traceId', link.traceId),
      spanId: spanIdField(lat, 'spanId', link.spanId, true),
    });
  });

  const attributes = s.attributes ?? [];
  const tags: KeyValue[] = [];
  let warnings: string[] = [];
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i];
    if (kv.key === ATTR_WARNINGS && kv.value?.arrayValue) warnings = (kv.value.arrayValue.values ?? []).map((v) => v.stringValue ?? '');
    else tags.push(keyValueFromOtlp(kv, at, 'attributes', i));
  }
  for (const t of scopeTags) tags.push(t);
  const kind = SPAN_KINDS[s.kind ?? 0];
  if (kind === undefined) throw new InputFormatError(atText(at), `unknown span kind ${s.kind}`);
  if (kind) tags.push({ key: TAG_KIND, type: 'string', value: kind });
  const code = s.status?.code ?? 0;
  if (code === 2) tags.push({ key: TAG_ERROR, type: 'bool', value: true });
  else if (code === 1) tags.push({ key: TAG_STATUS_CODE, type: 'string', value: 'OK' });
  if (s.status?.message) tags.push({ key: TAG_STATUS_DESCRIPTION, type: 'string', value: s.status.message });
  if (s.traceState) tags.push({ key: TAG_TRACE_STATE, type: 'string', value: s.traceState });

  const logs: Log[] = (s.events ?? []).map((e, ei) => {
    const eat = () => `${atText(at)}.events[${ei}]`;
    const fields: KeyValue[] = e.name ? [{ key: LOG_EVENT, type: 'string', value: e.name }] : [];
    (e.attributes ?? []).forEach((kv, i) => fields.push(keyValueFromOtlp(kv, eat, 'attributes', i)));
    return { timestamp: Number(nanos(e.timeUnixNano, eat, 'timeUnixNano') / 1000n), fields };
  });

  return {
    traceId,
    spanId,
    operationName: s.name ?? '',
    references,
    flags: s.flags ?? 0,
    startTime,
    duration,
    tags,
    logs,
    process,
    warnings,
  };
}

/**
 * A typed tag from an OTLP attribute; arrays and maps become their JSON text, as Jaeger does. Errors
 * are located at `at`, or at `at.list[index]` when a list is named.
 */
export function keyValueFromOtlp(kv: OtlpKeyValue, at: At, list?: string, index?: number): KeyValue {
  const v = kv.value ?? {};
  const key = kv.key ?? '';
  switch (anyValueCase(v)) {
    case 'stringValue':
      return { key, type: 'string', value: v.stringValue ?? '' };
    case 'boolValue':
      return { key, type: 'bool', value: Boolean(v.boolValue) };
    case 'intValue':
      try {
        return { key, type: 'int64', value: BigInt(v.intValue ?? 0) };
      } catch (err) {
        throw fieldError(list === undefined ? at : () => `${atText(at)}.${list}[${index}]`, 'intValue', err);
      }
    case 'doubleValue':
      return { key, type: 'float64', value: Number(v.doubleValue ?? 0) };
    case 'bytesValue':
      return { key, type: 'binary', value: new Uint8Array(v.bytesValue ?? []) };
    case 'arrayValue':
    case 'kvlistValue':
      return { key, type: 'string', value: JSON.stringify(anyValueToJs(v)) };
    default:
      return { key, type: 'string', value: '' };
  }
}

const ANY_VALUE_CASES = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;

function anyValueCase(v: OtlpAnyValue): (typeof ANY_VALUE_CASES)[number] | undefined {
  if (typeof v.value === 'string' && (ANY_VALUE_CASES as readonly string[]).includes(v.value)) {
    return v.value as (typeof ANY_VALUE_CASES)[number];
  }
  return ANY_VALUE_CASES.find((c) => v[c] !== undefined && v[c] !== null);
}

function anyValueToJs(v: OtlpAnyValue): unknown {
  switch (anyValueCase(v)) {
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'intValue':
      return Number(v.intValue);
    case 'doubleValue':
      return v.doubleValue;
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(anyValueToJs);
    case 'kvlistValue':
      return Object.fromEntries((v.kvlistValue?.values ?? []).map((kv) => [kv.key, anyValueToJs(kv.value ?? {})]));
    default:
      return null;
  }
}

/** OTLP resource spans from domain spans: one ResourceSpans per distinct process, one ScopeSpans per scope. */
export function otlpFromSpans(spans: readonly Span[]): OtlpResourceSpans[] {
  const resources = new Map<string, { rs: OtlpResourceSpans; scopes: Map<string, OtlpScopeSpans> }>();
  for (const span of spans) {
    const processKey = JSON.stringify([span.process.serviceName, span.process.tags.map(tagKeyText)]);
    let entry = resources.get(processKey);
    if (!entry) {
      const attributes = [
        { key: 'service.name', value: { stringValue: span.process.serviceName } },
        ...span.process.tags.map(keyValueToOtlp),
      ];
      entry = { rs: { resource: { attributes }, scopeSpans: [] }, scopes: new Map() };
      resources.set(processKey, entry);
    }
    const { otlp, scopeName, scopeVersion } = spanToOtlp(span);
    const scopeKey = `${scopeName}\u0000${scopeVersion}`;
    let scopeSpans = entry.scopes.get(scopeKey);
    if (!scopeSpans) {
      const scope = scopeName || scopeVersion ? { name: scopeName, version: scopeVersion } : {};
      scopeSpans = { scope, spans: [] };
      entry.scopes.set(scopeKey, scopeSpans);
      entry.rs.scopeSpans!.push(scopeSpans);
    }
    scopeSpans.spans!.push(otlp);
  }
  return [...resources.values()].map((e) => e.rs);
}

function spanToOtlp(span: Span): { otlp: OtlpSpan; scopeName: string; scopeVersion: string } {
  let kind = 0;
  let code = 0;
  let message = '';
  let traceState = '';
  let scopeName = '';
  let scopeVersion = '';
  const attributes: OtlpKeyValue[] = [];
  for (const t of span.tags) {
    const str = t.type === 'string' ? t.value : undefined;
    if (t.key === TAG_KIND && str !== undefined && SPAN_KINDS.includes(str.toLowerCase() as never)) {
      kind = SPAN_KINDS.indexOf(str.toLowerCase() as (typeof SPAN_KINDS)[number]);
    } else if (t.key === TAG_ERROR && t.type === 'bool' && t.value) {
      code = 2;
    } else if (t.key === TAG_STATUS_CODE && str !== undefined && STATUS_CODES.includes(str as never)) {
      code = Math.max(code, STATUS_CODES.indexOf(str as (typeof STATUS_CODES)[number]));
    } else if (t.key === TAG_STATUS_DESCRIPTION && str !== undefined) {
      message = str;
    } else if (t.key === TAG_TRACE_STATE && str !== undefined) {
      traceState = str;
    } else if ((t.key === TAG_SCOPE_NAME || t.key === 'otel.library.name') && str !== undefined) {
      scopeName = str;
    } else if ((t.key === TAG_SCOPE_VERSION || t.key === 'otel.library.version') && str !== undefined) {
      scopeVersion = str;
    } else {
      attributes.push(keyValueToOtlp(t));
    }
  }
  if (span.warnings.length > 0) attributes.push({ key: ATTR_WARNINGS, value: { arrayValue: { values: span.warnings.map((w) => ({ stringValue: w })) } } });
  const parentIndex = span.references.findIndex((r) => r.refType === 'CHILD_OF' && r.traceId === span.traceId);
  const links: OtlpLink[] = span.references
    .filter((_, i) => i !== parentIndex)
    .map((r) => ({
      traceId: traceIdToBytes(r.traceId),
      spanId: spanIdToBytes(r.spanId),
      attributes: [{ key: LINK_REF_TYPE, value: { stringValue: r.refType === 'CHILD_OF' ? 'child_of' : 'follows_from' } }],
    }));
  const startNs = BigInt(span.startTime) * 1000n;
  const otlp: OtlpSpan = {
    traceId: traceIdToBytes(span.traceId),
    spanId: spanIdToBytes(span.spanId),
    traceState,
    parentSpanId: parentIndex >= 0 ? spanIdToBytes(span.references[parentIndex].spanId) : Buffer.alloc(0),
    name: span.operationName,
    kind,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + BigInt(span.duration) * 1000n).toString(),
    attributes,
    events: span.logs.map((log) => {
      const eventField = log.fields.findIndex((f) => f.key === LOG_EVENT && f.type === 'string');
      return {
        timeUnixNano: (BigInt(log.timestamp) * 1000n).toString(),
        name: eventField >= 0 ? (log.fields[eventField].value as string) : '',
        attributes: log.fields.filter((_, i) => i !== eventField).map(keyValueToOtlp),
      };
    }),
    links,
    status: { code, message },
    flags: span.flags,
  };
  return { otlp, scopeName, scopeVersion };
}

export function keyValueToOtlp(kv: KeyValue): OtlpKeyValue {
  switch (kv.type) {
    case 'string':
      return { key: kv.key, value: { stringValue: kv.value } };
    case 'bool':
      return { key: kv.key, value: { boolValue: kv.value } };
    case 'int64':
      return { key: kv.key, value: { intValue: kv.value.toString() } };
    case 'float64':
      return { key: kv.key, value: { doubleValue: kv.value } };
    case 'binary':
      return { key: kv.key, value: { bytesValue: Buffer.from(kv.value) } };
  }
}

function tagKeyText(t: KeyValue): string {
  return `${t.key}=${t.type}:${t.type === 'binary' ? Buffer.from(t.value).toString('hex') : String(t.value)}`;
}

function nonEmpty(bytes: Uint8Array | undefined, expected: number): Uint8Array {
  if (!bytes || bytes.length === 0) throw new Error(`missing (expected ${expected} bytes)`);
  let any = 0;
  for (let i = 0; i < bytes.length; i++) any |= bytes[i];
  if (any === 0) throw new Error('all zero');
  return bytes;
}

function negativeDuration(at: At): InputFormatError {
  return new InputFormatError(atText(at), 'endTimeUnixNano is before startTimeUnixNano (negative duration)');
}

/** The ns below the µs of the last decimalMicros call, 0–999. */
let microsRest = 0;

/**
 * ⌊value / 1000⌋ of a ns time given as 1–19 plain decimal digits whose µs are a safe integer,
 * with the remainder in microsRest; −1 for any other value (which nanos() then judges).
 */
function decimalMicros(value: string | number | undefined): number {
  if (typeof value !== 'string' || value.length === 0 || value.length > 19) return -1;
  const cut = value.length - 3;
  let us = 0;
  let rest = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    // Exact while below 2^53: 16 digits at most, and any µs beyond MAX_SAFE_INTEGER is refused below.
    if (i < cut) us = us * 10 + d;
    else rest = rest * 10 + d;
  }
  if (us > Number.MAX_SAFE_INTEGER) return -1;
  microsRest = rest;
  return us;
}

function nanos(value: string | number | undefined, at: At, field: string): bigint {
  if (value === undefined || value === null || value === '') throw new InputFormatError(atText(at), `missing ${field}`);
  try {
    const n = BigInt(value);
    if (n < 0n) throw new Error('negative');
    return n;
  } catch {
    throw new InputFormatError(atText(at), `invalid ${field} "${String(value).slice(0, 40)}"`);
  }
}

function fieldError(at: At, field: string, err: unknown): InputFormatError {
  const reason = err instanceof Error ? err.message.replace(/^invalid [a-z ]+: /i, '') : String(err);
  return new InputFormatError(atText(at), `invalid ${field}: ${reason}`);
}

/** The trace id field, or InputFormatError naming it. */
function traceIdField(at: At, field: string, bytes: Uint8Array | undefined): string {
  try {
    return traceIdFromBytes(nonEmpty(bytes, 16));
  } catch (err) {
    throw fieldError(at, field, err);
  }
}

/** A span id field (`required`: present and not all zero), or InputFormatError naming it. */
function spanIdField(at: At, field: string, bytes: Uint8Array | undefined, required: boolean): string {
  try {
    return spanIdFromBytes(required ? nonEmpty(bytes, 8) : bytes!);
  } catch (err) {
    throw fieldError(at, field, err);
  }
}
