import type { Attribute, KeyValue, OtelSpanFields, Span, TraceQuery } from '../model/index.js';
import { LINK_REF_TYPE_ATTRIBUTE, otelAsString, otelOf, SERVICE_NAME_ATTRIBUTE, tagValueAsString, WARNINGS_ATTRIBUTE } from '../model/index.js';

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
  if (query.attributes && query.attributes.length > 0) {
    const otel = otelOf(span);
    for (const a of query.attributes) if (!spanHasAttribute(span, otel, a)) return false;
  }
  return true;
}

/** The attribute-filter keys Jaeger v2 gives a meaning of their own. */
export const SPECIAL_ATTRIBUTE_KEYS = ['error', 'span.status', 'span.kind', 'scope.name', 'scope.version'] as const;
export const RESOURCE_PREFIX = 'resource.';

const SPAN_KIND_CODES: Record<string, number> = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS_CODES: Record<string, number> = { OK: 1, ERROR: 2 };
/** Go's strconv.ParseBool. */
const GO_BOOLS: Record<string, boolean> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

/** One entry of a v2 attribute filter against one span (Jaeger v2 memory store, tenant.go validSpan). */
function spanHasAttribute(span: Span, otel: OtelSpanFields, q: Attribute): boolean {
  switch (q.key) {
    case 'error': {
      const wanted = q.type === 'bool' ? q.value : q.type === 'string' ? GO_BOOLS[q.value] : undefined;
      if (wanted === undefined) return false;
      return otel.statusCode === (wanted ? 2 : 1);
    }
    case 'span.status':
      return otel.statusCode === (STATUS_CODES[otelAsString(q).toUpperCase()] ?? 0);
    case 'span.kind':
      return otel.kind === (SPAN_KIND_CODES[otelAsString(q).toUpperCase()] ?? 0);
    case 'scope.name':
      return otel.scope.name === otelAsString(q);
    case 'scope.version':
      return otel.scope.version === otelAsString(q);
  }
  const wanted = otelAsString(q);
  if (q.key.startsWith(RESOURCE_PREFIX)) return firstMatches(otel.resource.attributes, q.key.slice(RESOURCE_PREFIX.length), wanted);
  return (
    firstMatches(otel.attributes, q.key, wanted) ||
    firstMatches(otel.scope.attributes, q.key, wanted) ||
    firstMatches(otel.resource.attributes, q.key, wanted) ||
    otel.events.some((e) => firstMatches(e.attributes, q.key, wanted)) ||
    otel.links.some((l) => firstMatches(l.attributes, q.key, wanted))
  );
}

/** pcommon.Map.Get semantics: the first attribute with the key decides. */
function firstMatches(attrs: readonly Attribute[], key: string, wanted: string): boolean {
  for (const a of attrs) if (a.key === key) return otelAsString(a) === wanted;
  return false;
}

/**
 * The `key=AsString(value)` pairs a v2 attribute filter entry can be driven by in an index of span
 * tags, process tags and log fields, plus scope and link attributes and the AsString texts that
 * differ from Jaeger v1's (storage/sqlite/index-keys.ts): undefined for special keys and keys
 * whose matches may lie outside that index (`service.name`, the warnings attribute, the link
 * reference type derived for spans received in the Jaeger model).
 */
export function attributeIndexKey(q: Attribute): { key: string; value: string } | undefined {
  if ((SPECIAL_ATTRIBUTE_KEYS as readonly string[]).includes(q.key)) return undefined;
  const key = q.key.startsWith(RESOURCE_PREFIX) ? q.key.slice(RESOURCE_PREFIX.length) : q.key;
  if (key === SERVICE_NAME_ATTRIBUTE || key === WARNINGS_ATTRIBUTE || key === LINK_REF_TYPE_ATTRIBUTE) return undefined;
  return { key, value: otelAsString(q) };
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
