import { InvalidArgumentError } from './errors.js';
import type { KeyValue, Span } from './span.js';

/** Largest tag, log field or name accepted, in UTF-16 code units (Jaeger and SLS reject far less). */
export const MAX_VALUE_LENGTH = 1 << 20;
export const MAX_REFERENCES = 10_000;

/** `length` lowercase hex digits (a loop: several times cheaper than a regular expression here). */
function isLowerHex(text: unknown, length: number): boolean {
  if (typeof text !== 'string' || text.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Throws InvalidArgumentError naming the first thing wrong with the span. */
export function validateSpan(span: Span): void {
  const where = `span ${span.spanId ?? '?'}`;
  if (!isLowerHex(span.traceId, 32)) throw new InvalidArgumentError(`${where}: invalid trace id "${span.traceId}"`);
  if (!isLowerHex(span.spanId, 16)) throw new InvalidArgumentError(`${where}: invalid span id`);
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
    if (!isLowerHex(r.traceId, 32) || !isLowerHex(r.spanId, 16)) throw new InvalidArgumentError(`${where}: invalid reference id`);
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
    // The label is built only for an over-long value (this runs for every tag of every span).
    if (t.type === 'string' && t.value.length > MAX_VALUE_LENGTH) checkLength(where, `tag "${t.key.slice(0, 40)}"`, t.value);
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
