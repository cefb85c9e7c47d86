import type { SpanId, TraceId } from './ids.js';
import type { OtelSpanFields } from './otel.js';

/** A typed tag, Jaeger's KeyValue. int64 is a bigint so no precision is lost. */
export type KeyValue =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'bool'; value: boolean }
  | { key: string; type: 'int64'; value: bigint }
  | { key: string; type: 'float64'; value: number }
  | { key: string; type: 'binary'; value: Uint8Array };

export type ValueType = KeyValue['type'];

/**
 * An OpenTelemetry attribute value (OTLP AnyValue): the five KeyValue types plus arrays, maps and
 * the empty value. int64 is a bigint, so values beyond 2^53 stay exact.
 */
export type AnyValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'int64'; value: bigint }
  | { type: 'float64'; value: number }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'array'; value: AnyValue[] }
  | { type: 'map'; value: Attribute[] }
  | { type: 'empty'; value: null };

/** An OpenTelemetry attribute. Every KeyValue is one, so scalar attributes serve as v1 tags unchanged. */
export type Attribute = AnyValue & { key: string };

export interface Log {
  /** µs since the Unix epoch, integer. */
  timestamp: number;
  fields: KeyValue[];
}

export type SpanRefType = 'CHILD_OF' | 'FOLLOWS_FROM';

export interface SpanRef {
  refType: SpanRefType;
  traceId: TraceId;
  spanId: SpanId;
}

export interface Process {
  serviceName: string;
  tags: KeyValue[];
}

export interface Span {
  traceId: TraceId;
  spanId: SpanId;
  operationName: string;
  /** In the order the producer gave them; the first CHILD_OF in the same trace is the parent. */
  references: SpanRef[];
  flags: number;
  /** µs since the Unix epoch, integer. */
  startTime: number;
  /** µs, integer, ≥ 0. */
  duration: number;
  tags: KeyValue[];
  logs: Log[];
  process: Process;
  warnings: string[];
  /**
   * What an OTLP span carries beyond the fields above, on spans received as OTLP; the fields above
   * are then its Jaeger v1 view (model/otel.ts spanFromOtel derives them). Absent on spans received
   * in the Jaeger model: their OTLP form is derived from the fields above (otel.ts otelOf).
   */
  otel?: OtelSpanFields;
}

/** All stored spans of one trace id, duplicates included. */
export interface Trace {
  spans: Span[];
}

/**
 * Jaeger's `KeyValue.AsString`: the string form tag queries compare against.
 * FLOAT64 follows Go's FormatFloat(v, 'g', 10, 64) for the values Jaeger's fixtures use.
 */
export function tagValueAsString(kv: KeyValue): string {
  switch (kv.type) {
    case 'string':
      return kv.value;
    case 'bool':
      return kv.value ? 'true' : 'false';
    case 'int64':
      return kv.value.toString();
    case 'float64':
      return formatFloatG10(kv.value);
    case 'binary':
      return Buffer.from(kv.value).toString('hex');
  }
}

function formatFloatG10(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 10) {
    const [mant, e] = v.toExponential(9).split('e');
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(10)));
}

export function findTag(tags: readonly KeyValue[], key: string): KeyValue | undefined {
  return tags.find((t) => t.key === key);
}

/** The `span.kind` tag lower-cased, or "" when absent. */
export function spanKind(span: Span): string {
  const kv = findTag(span.tags, 'span.kind');
  return kv && kv.type === 'string' ? lowerSpanKind(kv.value) : '';
}

/** A `span.kind` value lower-cased. The usual values already are; comparing costs less than lower-casing. */
export function lowerSpanKind(v: string): string {
  return v === 'client' || v === 'server' || v === 'producer' || v === 'consumer' || v === 'internal' ? v : v.toLowerCase();
}

/** A span is an error when tagged `error=true` or with OTel status ERROR. */
export function isErrorSpan(span: Span): boolean {
  for (const t of span.tags) {
    if (t.key === 'error') {
      if (t.type === 'bool' ? t.value : t.type === 'string' && t.value.toLowerCase() === 'true') return true;
    } else if (t.key === 'otel.status_code' && t.type === 'string' && t.value === 'ERROR') {
      return true;
    }
  }
  return false;
}

/** The span id of the first CHILD_OF reference within the same trace, if any. */
export function parentSpanId(span: Span): SpanId | undefined {
  for (const r of span.references) {
    if (r.refType === 'CHILD_OF' && r.traceId === span.traceId) return r.spanId;
  }
  for (const r of span.references) {
    if (r.traceId === span.traceId) return r.spanId;
  }
  return undefined;
}
