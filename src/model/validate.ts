import { InvalidArgumentError } from './errors.js';
import type { AnyValue, Attribute, KeyValue, Span } from './span.js';

/** Largest tag, log field or name accepted, in UTF-16 code units (Jaeger and SLS reject far less). */
export const MAX_VALUE_LENGTH = 1 << 20;
export const MAX_REFERENCES = 10_000;

/** Lowercase hex digits of a trace id and of a span id. */
const TRACE_ID_LENGTH = 32;
const SPAN_ID_LENGTH = 16;

/**
 * Throws InvalidArgumentError naming the first thing wrong with the span. `validTraceId`, a trace
 * id already found valid (the previous span's, in a batch), spares checking the same id again.
 */
export function validateSpan(span: Span, validTraceId?: string): void {
  if ((validTraceId === undefined || span.traceId !== validTraceId) && !isHexId(span.traceId, TRACE_ID_LENGTH)) throw invalid(span, `invalid trace id "${span.traceId}"`);
  if (!isHexId(span.spanId, SPAN_ID_LENGTH)) throw invalid(span, 'invalid span id');
  if (!Number.isSafeInteger(span.startTime)) throw invalid(span, `invalid start time ${span.startTime}`);
  if (!Number.isSafeInteger(span.duration) || span.duration < 0) {
    throw invalid(span, `invalid duration ${span.duration}µs (must be a non-negative integer)`);
  }
  checkLength(span, 'operation name', span.operationName);
  checkLength(span, 'service name', span.process.serviceName);
  if (span.references.length > MAX_REFERENCES) throw invalid(span, `${span.references.length} references (at most ${MAX_REFERENCES})`);
  for (const r of span.references) {
    if ((r.traceId !== span.traceId && !isHexId(r.traceId, TRACE_ID_LENGTH)) || !isHexId(r.spanId, SPAN_ID_LENGTH)) throw invalid(span, 'invalid reference id');
  }
  checkTags(span, span.tags);
  checkTags(span, span.process.tags);
  for (const log of span.logs) {
    if (!Number.isSafeInteger(log.timestamp)) throw invalid(span, 'invalid log timestamp');
    checkTags(span, log.fields);
  }
  const otel = span.otel;
  if (otel) {
    // The OTLP fields the v1 view checked above does not hold.
    checkLength(span, 'schema URL', otel.resource.schemaUrl);
    checkLength(span, 'schema URL', otel.scope.schemaUrl);
    checkAttributes(span, otel.scope.attributes);
    for (const l of otel.links) {
      checkLength(span, 'link trace state', l.traceState);
      checkAttributes(span, l.attributes);
    }
  }
}

/**
 * True when `id` is a string of `length` lowercase hex digits. Branch-free over the char codes (a
 * table lookup per char, the verdict once at the end): in random hex, digit or letter is a coin
 * toss per char, which a compare-and-branch loop mispredicts; a regex test costs more than either.
 */
function isHexId(id: string, length: number): boolean {
  if (typeof id !== 'string' || id.length !== length) return false;
  let bad = 0;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    bad |= (c >>> 7) | NOT_HEX[c & 0x7f];
  }
  return bad === 0;
}

/** 1 for each ASCII code that is not a lowercase hex digit. */
const NOT_HEX = new Uint8Array(128).fill(1);
for (const digit of '0123456789abcdef') NOT_HEX[digit.charCodeAt(0)] = 0;

function checkAttributes(span: Span, attrs: readonly (Attribute | AnyValue)[]): void {
  for (const a of attrs) {
    if ('key' in a) checkLength(span, 'attribute key', a.key);
    if (a.type === 'string') checkLength(span, 'attribute', a.value);
    else if (a.type === 'binary' && a.value.length > MAX_VALUE_LENGTH) throw invalid(span, `an attribute is ${a.value.length} bytes (at most ${MAX_VALUE_LENGTH})`);
    else if (a.type === 'array' || a.type === 'map') checkAttributes(span, a.value);
  }
}

function invalid(span: Span, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`span ${span.spanId ?? '?'}: ${reason}`);
}

function checkTags(span: Span, tags: readonly KeyValue[]): void {
  for (const t of tags) {
    checkLength(span, 'tag key', t.key);
    if (t.type === 'string') {
      if (t.value.length > MAX_VALUE_LENGTH) checkLength(span, `tag "${t.key.slice(0, 40)}"`, t.value);
    } else if (t.type === 'binary' && t.value.length > MAX_VALUE_LENGTH) {
      throw invalid(span, `tag "${t.key.slice(0, 40)}" is ${t.value.length} bytes (at most ${MAX_VALUE_LENGTH})`);
    }
  }
}

function checkLength(span: Span, what: string, value: string): void {
  if (value.length > MAX_VALUE_LENGTH) throw invalid(span, `${what} is ${value.length} characters (at most ${MAX_VALUE_LENGTH})`);
}
