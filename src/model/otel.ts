import { isDeepStrictEqual } from 'node:util';
import type { SpanId, TraceId } from './ids.js';
import type { AnyValue, Attribute, KeyValue, Log, Process, Span, SpanRef } from './span.js';

/**
 * The OpenTelemetry side of the domain model, and the one translation between it and the Jaeger
 * v1 view (process, tags, logs, references, warnings). Rules follow the Jaeger ↔ OTLP translator
 * Jaeger v2 uses (opentelemetry-collector-contrib `pkg/translator/jaeger`,
 * reference/jaeger-storage-api.md §5): resource `service.name` ↔ process service, other resource
 * attributes ↔ process tags; parent_span_id ↔ first CHILD_OF reference; other links ↔ further
 * references typed by link attribute `opentracing.ref_type`; kind ↔ tag `span.kind`; status ERROR ↔
 * `error=true`, OK ↔ `otel.status_code=OK`, message ↔ `otel.status_description`; scope name/version
 * ↔ `otel.scope.name`/`otel.scope.version`; events ↔ logs (name ↔ field `event`); trace_state ↔
 * `w3c.tracestate`; warnings ↔ the string-array attribute `@jaeger@warnings`.
 * Times: the span's startTime/duration hold whole µs, OtelSpanFields the ns below them.
 */

export interface OtelResource {
  /** All attributes, `service.name` included, in the producer's order. */
  attributes: Attribute[];
  droppedAttributesCount: number;
  /** The ResourceSpans' schema_url. */
  schemaUrl: string;
}

export interface OtelScope {
  name: string;
  version: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
  /** The ScopeSpans' schema_url. */
  schemaUrl: string;
}

export interface OtelEvent {
  /** ns since the Unix epoch. */
  timeUnixNano: bigint;
  name: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export interface OtelLink {
  traceId: TraceId;
  spanId: SpanId;
  traceState: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
  /** W3C trace flags and the OTLP link flags bits (fixed32). */
  flags: number;
}

/**
 * An OTLP span's fields besides trace id, span id, name (operationName), flags and the whole µs of
 * start and duration, which the Span holds. Resource and scope objects are shared by the spans of
 * one ResourceSpans / ScopeSpans.
 */
export interface OtelSpanFields {
  resource: OtelResource;
  scope: OtelScope;
  traceState: string;
  /** "" when the span has none. */
  parentSpanId: SpanId | '';
  /** OTLP SpanKind, 0 (unspecified) to 5; SPAN_KINDS names them. */
  kind: number;
  /** ns past startTime's µs, 0–999. */
  startNanos: number;
  /** ns past duration's µs, 0–999. */
  durationNanos: number;
  attributes: Attribute[];
  droppedAttributesCount: number;
  events: OtelEvent[];
  droppedEventsCount: number;
  links: OtelLink[];
  droppedLinksCount: number;
  /** OTLP StatusCode: 0 unset, 1 OK, 2 ERROR. */
  statusCode: number;
  statusMessage: string;
}

/** OTLP SpanKind numbers → the `span.kind` tag value ("" = no tag). */
export const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
/** OTLP StatusCode numbers → the `otel.status_code` tag value. */
export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
/** Service name Jaeger's translator gives a resource without `service.name`. */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
export const SERVICE_NAME_ATTRIBUTE = 'service.name';

const TAG_KIND = 'span.kind';
const TAG_STATUS_CODE = 'otel.status_code';
const TAG_STATUS_DESCRIPTION = 'otel.status_description';
const TAG_SCOPE_NAME = 'otel.scope.name';
const TAG_SCOPE_VERSION = 'otel.scope.version';
const TAG_LIBRARY_NAME = 'otel.library.name';
const TAG_LIBRARY_VERSION = 'otel.library.version';
const TAG_TRACE_STATE = 'w3c.tracestate';
const TAG_ERROR = 'error';
export const LINK_REF_TYPE_ATTRIBUTE = 'opentracing.ref_type';
/** Span warnings as Jaeger v2 keeps them in OTLP: a string-array attribute. */
export const WARNINGS_ATTRIBUTE = '@jaeger@warnings';
const LOG_EVENT = 'event';

const EMPTY_SCOPE: OtelScope = Object.freeze({ name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' }) as OtelScope;

// ---- OTLP → Jaeger v1 view ----------------------------------------------------------------------

/** The Jaeger tag of an attribute: scalars as they are (the same object), arrays and maps as JSON text, empty as "". */
export function tagOfAttribute(attr: Attribute): KeyValue {
  switch (attr.type) {
    case 'array':
    case 'map':
      return { key: attr.key, type: 'string', value: JSON.stringify(jsonOfValue(attr)) };
    case 'empty':
      return { key: attr.key, type: 'string', value: '' };
    default:
      return attr;
  }
}

/** The JSON value of an AnyValue inside a v1 array/map tag: int64 as a JSON number, bytes as base64. */
function jsonOfValue(v: AnyValue): unknown {
  switch (v.type) {
    case 'int64':
      return Number(v.value);
    case 'binary':
      return Buffer.from(v.value).toString('base64');
    case 'array':
      return v.value.map(jsonOfValue);
    case 'map':
      return Object.fromEntries(v.value.map((a) => [a.key, jsonOfValue(a)]));
    case 'empty':
      return null;
    default:
      return v.value;
  }
}

/** The Jaeger process of a resource: `service.name` (a string) is the service, the rest are tags. */
export function processOfResource(resource: OtelResource): Process {
  let serviceName = NO_SERVICE_NAME;
  const tags: KeyValue[] = [];
  for (const a of resource.attributes) {
    if (a.key === SERVICE_NAME_ATTRIBUTE && a.type === 'string') serviceName = a.value;
    else tags.push(tagOfAttribute(a));
  }
  return { serviceName, tags };
}

/** The tags a scope gives each of its spans. */
export function scopeTagsOf(scope: OtelScope): KeyValue[] {
  const tags: KeyValue[] = [];
  if (scope.name) tags.push({ key: TAG_SCOPE_NAME, type: 'string', value: scope.name });
  if (scope.version) tags.push({ key: TAG_SCOPE_VERSION, type: 'string', value: scope.version });
  return tags;
}

/** The Span fields an OTLP span has apart from OtelSpanFields. */
export interface SpanCore {
  traceId: TraceId;
  spanId: SpanId;
  operationName: string;
  flags: number;
  /** µs since the epoch, integer. */
  startTime: number;
  /** µs, integer, ≥ 0. */
  duration: number;
}

/**
 * A Span holding `otel` whole, with its Jaeger v1 view derived. `process` and `scopeTags`, when
 * given, must be processOfResource(otel.resource) and scopeTagsOf(otel.scope): callers converting
 * many spans of one resource pass them to share one Process.
 */
export function spanFromOtel(
  core: SpanCore,
  otel: OtelSpanFields,
  process: Process = processOfResource(otel.resource),
  scopeTags: readonly KeyValue[] = scopeTagsOf(otel.scope),
): Span {
  const { traceId } = core;
  const references: SpanRef[] = [];
  if (otel.parentSpanId) references.push({ refType: 'CHILD_OF', traceId, spanId: otel.parentSpanId });
  for (const link of otel.links) {
    const childOf = link.attributes.some((a) => a.key === LINK_REF_TYPE_ATTRIBUTE && a.type === 'string' && a.value === 'child_of');
    references.push({ refType: childOf ? 'CHILD_OF' : 'FOLLOWS_FROM', traceId: link.traceId, spanId: link.spanId });
  }

  const tags: KeyValue[] = [];
  let warnings: string[] = [];
  for (const a of otel.attributes) {
    if (a.key === WARNINGS_ATTRIBUTE && a.type === 'array') warnings = a.value.map((v) => (v.type === 'string' ? v.value : ''));
    else tags.push(tagOfAttribute(a));
  }
  for (const t of scopeTags) tags.push(t);
  const kind = SPAN_KINDS[otel.kind];
  if (kind) tags.push({ key: TAG_KIND, type: 'string', value: kind });
  if (otel.statusCode === 2) tags.push({ key: TAG_ERROR, type: 'bool', value: true });
  else if (otel.statusCode === 1) tags.push({ key: TAG_STATUS_CODE, type: 'string', value: 'OK' });
  if (otel.statusMessage) tags.push({ key: TAG_STATUS_DESCRIPTION, type: 'string', value: otel.statusMessage });
  if (otel.traceState) tags.push({ key: TAG_TRACE_STATE, type: 'string', value: otel.traceState });

  const logs: Log[] = otel.events.map((e) => {
    const fields: KeyValue[] = e.name ? [{ key: LOG_EVENT, type: 'string', value: e.name }] : [];
    for (const a of e.attributes) fields.push(tagOfAttribute(a));
    return { timestamp: Number(e.timeUnixNano / 1000n), fields };
  });

  return {
    traceId,
    spanId: core.spanId,
    operationName: core.operationName,
    references,
    flags: core.flags,
    startTime: core.startTime,
    duration: core.duration,
    tags,
    logs,
    process,
    warnings,
    otel,
  };
}

// ---- Jaeger v1 view → OTLP ------------------------------------------------------------------------

/** The span's OTLP fields: as received, or derived from its Jaeger fields for spans received in the Jaeger model. */
export function otelOf(span: Span): OtelSpanFields {
  return span.otel ?? otelFromJaeger(span);
}

/**
 * The span without `otel` when `otel` holds nothing beyond its Jaeger v1 view (otelFromJaeger of the
 * view gives it back exactly): the form of a span received in the Jaeger model. For readers of OTLP
 * that cannot tell how a span arrived (storage v2 reads carry every span as OTLP), so a span written
 * in the Jaeger model reads back as written while one carrying more keeps its `otel` whole.
 * Comparison is strict (a Buffer is not a Uint8Array): when in doubt `otel` stays.
 */
export function withoutDerivableOtel(span: Span): Span {
  if (!span.otel || !isDeepStrictEqual(otelFromJaeger(span), span.otel)) return span;
  const { otel: _derivable, ...jaeger } = span;
  return jaeger;
}

/** The resource of a Jaeger process: `service.name` first, then the process tags. */
export function resourceOfProcess(process: Process): OtelResource {
  return {
    attributes: [{ key: SERVICE_NAME_ATTRIBUTE, type: 'string', value: process.serviceName }, ...process.tags],
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}

/** OTLP fields of a span received in the Jaeger model (the translator's model → OTLP direction). */
export function otelFromJaeger(span: Span): OtelSpanFields {
  let kind = 0;
  let statusCode = 0;
  let statusMessage = '';
  let traceState = '';
  let scopeName = '';
  let scopeVersion = '';
  const attributes: Attribute[] = [];
  for (const t of span.tags) {
    const str = t.type === 'string' ? t.value : undefined;
    if (t.key === TAG_KIND && str !== undefined && SPAN_KINDS.includes(str.toLowerCase() as never)) {
      kind = SPAN_KINDS.indexOf(str.toLowerCase() as (typeof SPAN_KINDS)[number]);
    } else if (t.key === TAG_ERROR && t.type === 'bool' && t.value) {
      statusCode = 2;
    } else if (t.key === TAG_STATUS_CODE && str !== undefined && STATUS_CODES.includes(str as never)) {
      statusCode = Math.max(statusCode, STATUS_CODES.indexOf(str as (typeof STATUS_CODES)[number]));
    } else if (t.key === TAG_STATUS_DESCRIPTION && str !== undefined) {
      statusMessage = str;
    } else if (t.key === TAG_TRACE_STATE && str !== undefined) {
      traceState = str;
    } else if ((t.key === TAG_SCOPE_NAME || t.key === TAG_LIBRARY_NAME) && str !== undefined) {
      scopeName = str;
    } else if ((t.key === TAG_SCOPE_VERSION || t.key === TAG_LIBRARY_VERSION) && str !== undefined) {
      scopeVersion = str;
    } else {
      attributes.push(t);
    }
  }
  if (span.warnings.length > 0) {
    attributes.push({ key: WARNINGS_ATTRIBUTE, type: 'array', value: span.warnings.map((w) => ({ type: 'string', value: w })) });
  }
  const parentIndex = span.references.findIndex((r) => r.refType === 'CHILD_OF' && r.traceId === span.traceId);
  const links: OtelLink[] = [];
  span.references.forEach((r, i) => {
    if (i === parentIndex) return;
    links.push({
      traceId: r.traceId,
      spanId: r.spanId,
      traceState: '',
      attributes: [{ key: LINK_REF_TYPE_ATTRIBUTE, type: 'string', value: r.refType === 'CHILD_OF' ? 'child_of' : 'follows_from' }],
      droppedAttributesCount: 0,
      flags: 0,
    });
  });
  const events: OtelEvent[] = span.logs.map((log) => {
    const nameField = log.fields.findIndex((f) => f.key === LOG_EVENT && f.type === 'string');
    return {
      timeUnixNano: BigInt(log.timestamp) * 1000n,
      name: nameField >= 0 ? (log.fields[nameField].value as string) : '',
      attributes: log.fields.filter((_, i) => i !== nameField),
      droppedAttributesCount: 0,
    };
  });
  return {
    resource: resourceOfProcess(span.process),
    scope: scopeName || scopeVersion ? { ...EMPTY_SCOPE, name: scopeName, version: scopeVersion, attributes: [] } : EMPTY_SCOPE,
    traceState,
    parentSpanId: parentIndex >= 0 ? span.references[parentIndex].spanId : '',
    kind,
    startNanos: 0,
    durationNanos: 0,
    attributes,
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    links,
    droppedLinksCount: 0,
    statusCode,
    statusMessage,
  };
}

/** ns since the epoch of the span's start and end. */
export function spanNanos(span: Span, otel: OtelSpanFields = otelOf(span)): { start: bigint; end: bigint } {
  const start = BigInt(span.startTime) * 1000n + BigInt(otel.startNanos);
  return { start, end: start + BigInt(span.duration) * 1000n + BigInt(otel.durationNanos) };
}

// ---- Jaeger v2 comparisons ------------------------------------------------------------------------

/**
 * OpenTelemetry's `pcommon.Value.AsString`, which Jaeger v2 compares attribute filters with:
 * doubles in Go's FormatFloat(v, 'f', -1, 64), bytes in base64, arrays and maps as JSON (map keys
 * sorted, as Go's encoding/json writes them), empty as "".
 */
export function otelAsString(v: AnyValue): string {
  switch (v.type) {
    case 'string':
      return v.value;
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int64':
      return v.value.toString();
    case 'float64':
      return formatFloatF(v.value);
    case 'binary':
      return Buffer.from(v.value).toString('base64');
    case 'empty':
      return '';
    default:
      return jsonText(v);
  }
}

function jsonText(v: AnyValue): string {
  switch (v.type) {
    case 'string':
      return JSON.stringify(v.value);
    case 'int64':
      return v.value.toString();
    case 'float64':
      return Number.isFinite(v.value) ? formatFloatF(v.value) : JSON.stringify(formatFloatF(v.value));
    case 'binary':
      return JSON.stringify(otelAsString(v));
    case 'bool':
      return String(v.value);
    case 'empty':
      return 'null';
    case 'array':
      return `[${v.value.map(jsonText).join(',')}]`;
    case 'map': {
      const entries = [...v.value].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return `{${entries.map((a) => `${JSON.stringify(a.key)}:${jsonText(a)}`).join(',')}}`;
    }
  }
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that round-trip, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const text = String(Math.abs(v));
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const e = text.indexOf('e');
  if (e < 0) return sign + text;
  const digits = text.slice(0, e).replace('.', '');
  const dot = text.indexOf('.');
  const exp = Number(text.slice(e + 1)) - (dot >= 0 ? e - dot - 1 : 0);
  // value = digits × 10^exp
  if (exp >= 0) return sign + digits + '0'.repeat(exp);
  const point = digits.length + exp;
  return sign + (point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`);
}
