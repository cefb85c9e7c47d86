import { InvalidArgumentError } from './errors.js';
import type { KeyValue, Span } from './span.js';

/** Largest tag, log field or name accepted, in UTF-16 code units (Jaeger and SLS reject far less). */
export const MAX_VALUE_LENGTH = 1 << 20;
export const MAX_REFERENCES = 10_000;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** Throws InvalidArgumentError naming the first thing wrong with the span. */
export function validateSpan(span: Span): void {
  const where = `span ${span.spanId ?? '?'}`;
  if (!TRACE_ID.test(span.traceId)) throw new InvalidArgumentError(`${where}: invalid trace id "${span.traceId}"`);
  if (!SPAN_ID.test(span.spanId)) throw new InvalidArgumentError(`${where}: invalid span id`);
  if (!Number.isSafeInteger(span.startTime)) throw new InvalidArgumentError(`${where}: invalid start time ${span.startTime}`);
  if (!Number.isSafeInteger(span.duration) || span.duration < 0) {
    throw new InvalidArgumentError(`${where}: invalid duration ${span.duration}µs (must be a non-negative integer)`);
  }
  checkLength(where, 'operation name', span.operationName);
  checkLength(where, 'service name', span.process.serviceName);
  if (span.references.length > MAX_REFERENCES) {
    throw new InvalidArgumentError(`${where}: ${span.references.length} references (at most ${MAX_REFERENCES})`);
  }
  for (const r of span.references) {
    if (!TRACE_ID.test(r.traceId) || !SPAN_ID.test(r.spanId)) throw new InvalidArgumentError(`${where}: invalid reference id`);
  }
  checkTags(where, span.tags);
  checkTags(where, span.process.tags);
  for (const log of span.logs) {
    if (!Number.isSafeInteger(log.timestamp)) throw new InvalidArgumentError(`${where}: invalid log timestamp`);
    checkTags(where, log.fields);
  }
}

function checkTags(where: string, tags: readonly KeyValue[]): void {
  for (const t of tags) {
    checkLength(where, 'tag key', t.key);
    if (t.type === 'string') checkLength(where, `tag "${t.key.slice(0, 40)}"`, t.value);
    else if (t.type === 'binary' && t.value.length > MAX_VALUE_LENGTH) {
      throw new InvalidArgumentError(`${where}: tag "${t.key.slice(0, 40)}" is ${t.value.length} bytes (at most ${MAX_VALUE_LENGTH})`);
    }
  }
}

function checkLength(where: string, what: string, value: string): void {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InvalidArgumentError(`${where}: ${what} is ${value.length} characters (at most ${MAX_VALUE_LENGTH})`);
  }
}
