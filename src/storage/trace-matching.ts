import type { KeyValue, Span, TraceQuery } from '../model/index.js';
import { tagValueAsString } from '../model/index.js';

/**
 * Jaeger memstore's matching rule: a span matches when it passes every condition of the query —
 * service, operation, duration and start-time bounds (inclusive, unset = unbounded), and every
 * query tag found among that span's tags, process tags or log fields with AsString equality.
 */
export function spanMatchesQuery(span: Span, query: TraceQuery): boolean {
  if (query.serviceName && span.process.serviceName !== query.serviceName) return false;
  if (query.operationName && span.operationName !== query.operationName) return false;
  if (query.durationMin && span.duration < query.durationMin) return false;
  if (query.durationMax && span.duration > query.durationMax) return false;
  if (query.startTimeMin !== undefined && span.startTime < query.startTimeMin) return false;
  if (query.startTimeMax !== undefined && span.startTime > query.startTimeMax) return false;
  if (query.tags) {
    for (const [key, value] of Object.entries(query.tags)) {
      if (!spanHasTag(span, key, value)) return false;
    }
  }
  return true;
}

export function spanHasTag(span: Span, key: string, value: string): boolean {
  return (
    hasTag(span.tags, key, value) ||
    hasTag(span.process.tags, key, value) ||
    span.logs.some((log) => hasTag(log.fields, key, value))
  );
}

function hasTag(tags: readonly KeyValue[], key: string, value: string): boolean {
  for (const t of tags) if (t.key === key && tagValueAsString(t) === value) return true;
  return false;
}

/** Earliest span start and latest span end of a trace, µs. */
export function traceTimeRange(spans: readonly Span[]): { start: number; end: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    if (s.startTime < start) start = s.startTime;
    if (s.startTime + s.duration > end) end = s.startTime + s.duration;
  }
  return { start, end };
}
