// Over 400 lines: the one OTLP tree ↔ domain mapping, both directions side by side.
import type { AnyValue, Attribute, KeyValue, OtelResource, OtelScope, OtelSpanFields, Process, Span } from '../model/index.js';
import {
  InputFormatError,
  otelOf,
  processOfResource,
  scopeTagsOf,
  spanFromOtel,
  spanIdFromBytes,
  spanIdToBytes,
  spanNanos,
  SPAN_KINDS,
  traceIdFromBytes,
  traceIdToBytes,
} from '../model/index.js';

/**
 * OTLP trace trees in the shape @grpc/proto-loader produces with
 * `{keepCase: false, longs: String, enums: Number, defaults: true, oneofs: true}`:
 * camelCase fields, ids as bytes, fixed64/int64 as decimal strings. otlp-json.ts converts OTLP/JSON
 * to and from the same shape, so this module is the one mapping between OTLP and the domain.
 *
 * The OTLP side of a domain span is kept whole (Span.otel); its Jaeger v1 view and the rules
 * between the two are model/otel.ts. This module only converts between the proto shape and the
 * domain types: ids bytes ↔ hex, AnyValue ↔ Attribute, ns times ↔ µs + ns rest.
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

export { SPAN_KINDS, STATUS_CODES, NO_SERVICE_NAME } from '../model/index.js';

/** Domain spans from OTLP resource spans, each holding the OTLP span whole. `where` prefixes error messages (file or RPC name). */
export function spansFromOtlp(resourceSpans: readonly OtlpResourceSpans[], where = 'OTLP'): Span[] {
  const out: Span[] = [];
  resourceSpans.forEach((rs, ri) => {
    const resource: OtelResource = {
      attributes: attributesFromOtlp(rs.resource?.attributes, () => `${where}: resourceSpans[${ri}].resource`),
      droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0,
      schemaUrl: rs.schemaUrl ?? '',
    };
    const process = processOfResource(resource);
    (rs.scopeSpans ?? []).forEach((ss, si) => {
      const scope: OtelScope = {
        name: ss.scope?.name ?? '',
        version: ss.scope?.version ?? '',
        attributes: attributesFromOtlp(ss.scope?.attributes, () => `${where}: resourceSpans[${ri}].scopeSpans[${si}].scope`),
        droppedAttributesCount: ss.scope?.droppedAttributesCount ?? 0,
        schemaUrl: ss.schemaUrl ?? '',
      };
      const scopeTags = scopeTagsOf(scope);
      (ss.spans ?? []).forEach((span, pi) => {
        const at = () => `${where}: resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]`;
        out.push(spanFromOtlp(span, resource, scope, process, scopeTags, at));
      });
    });
  });
  return out;
}

/**
 * Where in the input an error is: a string, or a function building it only when an error needs it
 * (the ingest path converts millions of spans and attributes that have none).
 */
export type At = string | (() => string);

function atText(at: At): string {
  return typeof at === 'string' ? at : at();
}

function spanFromOtlp(s: OtlpSpan, resource: OtelResource, scope: OtelScope, process: Process, scopeTags: KeyValue[], at: At): Span {
  const traceId = traceIdField(at, 'traceId', s.traceId);
  const spanId = spanIdField(at, 'spanId', s.spanId, true);
  const startUs = decimalMicros(s.startTimeUnixNano);
  const endUs = decimalMicros(s.endTimeUnixNano);
  const times =
    startUs >= 0 && endUs >= 0
      ? // Both plain decimal strings (the gRPC decoders' form): no BigInt needed.
        spanTimesFromMicros(startUs, nsBelowMicros(s.startTimeUnixNano as string), endUs, nsBelowMicros(s.endTimeUnixNano as string), at)
      : spanTimesFromNanos(nanos(s.startTimeUnixNano, at, 'startTimeUnixNano'), nanos(s.endTimeUnixNano, at, 'endTimeUnixNano'), at);
  const kind = s.kind === undefined ? 0 : spanKindField(s.kind, at);

  const otel: OtelSpanFields = {
    resource,
    scope,
    traceState: s.traceState ?? '',
    parentSpanId: s.parentSpanId && s.parentSpanId.length > 0 ? spanIdField(at, 'parentSpanId', s.parentSpanId, false) : '',
    kind,
    startNanos: times.startNanos,
    durationNanos: times.durationNanos,
    attributes: attributesFromOtlp(s.attributes, at),
    droppedAttributesCount: s.droppedAttributesCount ?? 0,
    events: (s.events ?? []).map((e, ei) => {
      const eat = () => `${atText(at)}.events[${ei}]`;
      return {
        timeUnixNano: nanos(e.timeUnixNano, eat, 'timeUnixNano'),
        name: e.name ?? '',
        attributes: attributesFromOtlp(e.attributes, eat),
        droppedAttributesCount: e.droppedAttributesCount ?? 0,
      };
    }),
    droppedEventsCount: s.droppedEventsCount ?? 0,
    links: (s.links ?? []).map((link, li) => {
      const lat = () => `${atText(at)}.links[${li}]`;
      return {
        traceId: traceIdField(lat, 'traceId', link.traceId),
        spanId: spanIdField(lat, 'spanId', link.spanId, true),
        traceState: link.traceState ?? '',
        attributes: attributesFromOtlp(link.attributes, lat),
        droppedAttributesCount: link.droppedAttributesCount ?? 0,
        flags: link.flags ?? 0,
      };
    }),
    droppedLinksCount: s.droppedLinksCount ?? 0,
    statusCode: s.status?.code ?? 0,
    statusMessage: s.status?.message ?? '',
  };
  const core = { traceId, spanId, operationName: s.name ?? '', flags: s.flags ?? 0, startTime: times.startTime, duration: times.duration };
  return spanFromOtel(core, otel, process, scopeTags);
}

/** An OTLP span's times in the domain's units: whole µs of start and duration, and the ns below each (0–999). */
export interface SpanTimes {
  startTime: number;
  startNanos: number;
  duration: number;
  durationNanos: number;
}

/**
 * The times of a span whose start and end ns are given as ⌊ns / 1000⌋ (safe integers) and
 * ns mod 1000; InputFormatError at `at` when the end is before the start.
 */
export function spanTimesFromMicros(startUs: number, startRest: number, endUs: number, endRest: number, at: At): SpanTimes {
  if (endUs < startUs || (endUs === startUs && endRest < startRest)) throw negativeDuration(at);
  const borrow = endRest < startRest ? 1 : 0;
  return { startTime: startUs, startNanos: startRest, duration: endUs - startUs - borrow, durationNanos: endRest + borrow * 1000 - startRest };
}

/** spanTimesFromMicros for ns as bigints (any size; µs beyond 2^53 become inexact numbers, which validation refuses). */
export function spanTimesFromNanos(startNs: bigint, endNs: bigint, at: At): SpanTimes {
  if (endNs < startNs) throw negativeDuration(at);
  return {
    startTime: Number(startNs / 1000n),
    startNanos: Number(startNs % 1000n),
    duration: Number((endNs - startNs) / 1000n),
    durationNanos: Number((endNs - startNs) % 1000n),
  };
}

/** An OTLP SpanKind number, or InputFormatError at `at` for one OTLP does not define. */
export function spanKindField(kind: number, at: At): number {
  if (SPAN_KINDS[kind] === undefined) throw new InputFormatError(atText(at), `unknown span kind ${kind}`);
  return kind;
}

function attributesFromOtlp(list: readonly OtlpKeyValue[] | undefined, at: At): Attribute[] {
  if (!list || list.length === 0) return [];
  const out: Attribute[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = attributeFromOtlp(list[i], at, 'attributes', i);
  return out;
}

/** A domain attribute from an OTLP one. Errors are located at `at`, or at `at.list[index]` when a list is named. */
export function attributeFromOtlp(kv: OtlpKeyValue, at: At, list?: string, index?: number): Attribute {
  const key = kv.key ?? '';
  const value = anyValueFromOtlp(kv.value ?? {}, list === undefined ? at : () => `${atText(at)}.${list}[${index}]`);
  return { key, ...value } as Attribute;
}

function anyValueFromOtlp(v: OtlpAnyValue, at: At): AnyValue {
  switch (anyValueCase(v)) {
    case 'stringValue':
      return { type: 'string', value: v.stringValue ?? '' };
    case 'boolValue':
      return { type: 'bool', value: Boolean(v.boolValue) };
    case 'intValue':
      try {
        return { type: 'int64', value: BigInt(v.intValue ?? 0) };
      } catch (err) {
        throw fieldError(at, 'intValue', err);
      }
    case 'doubleValue':
      return { type: 'float64', value: Number(v.doubleValue ?? 0) };
    case 'bytesValue':
      return { type: 'binary', value: new Uint8Array(v.bytesValue ?? []) };
    case 'arrayValue':
      return { type: 'array', value: (v.arrayValue?.values ?? []).map((e) => anyValueFromOtlp(e ?? {}, at)) };
    case 'kvlistValue':
      return { type: 'map', value: (v.kvlistValue?.values ?? []).map((kv) => attributeFromOtlp(kv, at)) };
    default:
      return { type: 'empty', value: null };
  }
}

const ANY_VALUE_CASES = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;

function anyValueCase(v: OtlpAnyValue): (typeof ANY_VALUE_CASES)[number] | undefined {
  if (typeof v.value === 'string' && (ANY_VALUE_CASES as readonly string[]).includes(v.value)) {
    return v.value as (typeof ANY_VALUE_CASES)[number];
  }
  return ANY_VALUE_CASES.find((c) => v[c] !== undefined && v[c] !== null);
}

/** OTLP resource spans from domain spans: one ResourceSpans per distinct resource, one ScopeSpans per distinct scope in it. */
export function otlpFromSpans(spans: readonly Span[]): OtlpResourceSpans[] {
  return groupSpansByResourceAndScope(spans).map(({ resource: r, scopes }) => ({
    resource: { attributes: r.attributes.map(attributeToOtlp), droppedAttributesCount: r.droppedAttributesCount },
    scopeSpans: scopes.map(({ scope: sc, spans: inScope }) => ({
      scope: { name: sc.name, version: sc.version, attributes: sc.attributes.map(attributeToOtlp), droppedAttributesCount: sc.droppedAttributesCount },
      spans: inScope.map((s) => spanToOtlp(s.span, s.otel)),
      schemaUrl: sc.schemaUrl,
    })),
    schemaUrl: r.schemaUrl,
  }));
}

/** Spans of one resource, by scope, as OTLP nests them; each span with its OTLP fields. */
export interface ResourceGroup {
  resource: OtelResource;
  scopes: { scope: OtelScope; spans: { span: Span; otel: OtelSpanFields }[] }[];
}

/**
 * The spans grouped as an OTLP tree holds them: one group per distinct resource (equal content, in
 * order of first appearance), in it one per distinct scope, spans in their order within each.
 */
export function groupSpansByResourceAndScope(spans: readonly Span[]): ResourceGroup[] {
  const resources = new Map<string, { group: ResourceGroup; scopes: Map<string, ResourceGroup['scopes'][number]> }>();
  const resourceKeys = new Map<OtelResource, string>();
  const scopeKeys = new Map<OtelScope, string>();
  const processKeys = new Map<Span['process'], string>();
  for (const span of spans) {
    const otel = otelOf(span);
    let resourceKey = span.otel ? resourceKeys.get(otel.resource) : processKeys.get(span.process);
    if (resourceKey === undefined) {
      resourceKey = contentKey(otel.resource);
      if (span.otel) resourceKeys.set(otel.resource, resourceKey);
      else processKeys.set(span.process, resourceKey);
    }
    let entry = resources.get(resourceKey);
    if (!entry) {
      entry = { group: { resource: otel.resource, scopes: [] }, scopes: new Map() };
      resources.set(resourceKey, entry);
    }
    let scopeKey = scopeKeys.get(otel.scope);
    if (scopeKey === undefined) scopeKeys.set(otel.scope, (scopeKey = contentKey(otel.scope)));
    let inScope = entry.scopes.get(scopeKey);
    if (!inScope) {
      inScope = { scope: otel.scope, spans: [] };
      entry.scopes.set(scopeKey, inScope);
      entry.group.scopes.push(inScope);
    }
    inScope.spans.push({ span, otel });
  }
  return [...resources.values()].map((e) => e.group);
}

/** A text equal for equal resources or scopes (typed values, order kept). */
function contentKey(value: OtelResource | OtelScope): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}

function spanToOtlp(span: Span, otel: OtelSpanFields): OtlpSpan {
  const { start, end } = spanNanos(span, otel);
  return {
    traceId: traceIdToBytes(span.traceId),
    spanId: spanIdToBytes(span.spanId),
    traceState: otel.traceState,
    parentSpanId: otel.parentSpanId ? spanIdToBytes(otel.parentSpanId) : Buffer.alloc(0),
    name: span.operationName,
    kind: otel.kind,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: otel.attributes.map(attributeToOtlp),
    droppedAttributesCount: otel.droppedAttributesCount,
    events: otel.events.map((e) => ({
      timeUnixNano: e.timeUnixNano.toString(),
      name: e.name,
      attributes: e.attributes.map(attributeToOtlp),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: otel.droppedEventsCount,
    links: otel.links.map((l) => ({
      traceId: traceIdToBytes(l.traceId),
      spanId: spanIdToBytes(l.spanId),
      traceState: l.traceState,
      attributes: l.attributes.map(attributeToOtlp),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: otel.droppedLinksCount,
    status: { code: otel.statusCode, message: otel.statusMessage },
    flags: span.flags,
  };
}

export function attributeToOtlp(a: Attribute): OtlpKeyValue {
  return { key: a.key, value: anyValueToOtlp(a) };
}

function anyValueToOtlp(v: AnyValue): OtlpAnyValue {
  switch (v.type) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int64':
      return { intValue: v.value.toString() };
    case 'float64':
      return { doubleValue: v.value };
    case 'binary':
      return { bytesValue: Buffer.from(v.value) };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueToOtlp) } };
    case 'map':
      return { kvlistValue: { values: v.value.map(attributeToOtlp) } };
    case 'empty':
      return {};
  }
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

/**
 * ⌊value / 1000⌋ of a ns time given as 1–19 plain decimal digits whose µs are a safe integer;
 * −1 for any other value (which nanos() then judges). nsBelowMicros gives the remainder.
 */
function decimalMicros(value: string | number | undefined): number {
  if (typeof value !== 'string' || value.length === 0 || value.length > 19) return -1;
  const cut = value.length - 3;
  let us = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    // Exact while below 2^53: 16 digits at most, and any µs beyond MAX_SAFE_INTEGER is refused below.
    if (i < cut) us = us * 10 + d;
  }
  return us > Number.MAX_SAFE_INTEGER ? -1 : us;
}

/** value mod 1000 of a ns time that decimalMicros accepted: its last three digits. */
function nsBelowMicros(value: string): number {
  let rest = 0;
  for (let i = Math.max(0, value.length - 3); i < value.length; i++) rest = rest * 10 + value.charCodeAt(i) - 0x30;
  return rest;
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
export function traceIdField(at: At, field: string, bytes: Uint8Array | undefined): string {
  try {
    return traceIdFromBytes(nonEmpty(bytes, 16));
  } catch (err) {
    throw fieldError(at, field, err);
  }
}

/** A span id field (`required`: present and not all zero), or InputFormatError naming it. */
export function spanIdField(at: At, field: string, bytes: Uint8Array | undefined, required: boolean): string {
  try {
    return spanIdFromBytes(required ? nonEmpty(bytes, 8) : bytes!);
  } catch (err) {
    throw fieldError(at, field, err);
  }
}
