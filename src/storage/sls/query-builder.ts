/**
 * SLS queries `<search> | <SQL>` for the span logstore (SLS Trace schema), built so that every user
 * value is data, never syntax (sls.md §5.3–§5.4):
 * - search values are double-quoted with `\` and `"` backslash-escaped; keys are ours, never user input;
 * - SQL string literals are single-quoted with `'` doubled; identifiers double-quoted with `"` doubled;
 * - numbers are checked to be safe integers;
 * - tag keys reach SQL only inside a JSON path literal (`$["key"]`, JSON-escaped, then SQL-quoted).
 * Exact matching lives in the SQL part (the search part narrows by indexed service/name/traceID).
 * Times and durations are µs; rows written in ns (start ≥ 1e17) are matched with scaled bounds.
 * Pure: strings in, strings out.
 */
import type { Attribute, TraceQuery } from '../../model/index.js';
import { InvalidArgumentError, otelAsString, SERVICE_NAME_ATTRIBUTE, WARNINGS_ATTRIBUTE } from '../../model/index.js';
import { SCOPE_ATTRIBUTE_COLUMN } from './row-fields.js';

/** SLS SQL answers at most this many rows per query unless told otherwise. */
export const MAX_SQL_ROWS = 100_000;
/** A search part takes at most 30 conditions. */
export const MAX_SEARCH_TERMS = 30;
/** start values at or above this are ns, below µs. */
export const NS_THRESHOLD = 100_000_000_000_000_000n;

export function quoteSearchValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlInt(value: number | bigint, what = 'number'): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`invalid ${what} ${value}: expected an integer`);
  return String(value);
}

/** JSON path selecting one top-level key, e.g. `$["http.method"]`. */
export function jsonKeyPath(key: string): string {
  return `$[${JSON.stringify(key)}]`;
}

function col(alias: string | undefined, name: string): string {
  return alias ? `${alias}.${sqlIdent(name)}` : sqlIdent(name);
}

/** `traceID: "<32 hex>" or traceID: "<unpadded>"` terms for the ids (aliyun-log-jaeger writes unpadded ids). */
export function traceIdTerms(traceIds: readonly string[]): string[] {
  const terms: string[] = [];
  for (const id of traceIds) {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new InvalidArgumentError(`invalid trace id "${id.slice(0, 40)}"`);
    terms.push(`traceID: ${quoteSearchValue(id)}`);
    const short = id.replace(/^0+/, '') || '0';
    if (short !== id) terms.push(`traceID: ${quoteSearchValue(short)}`);
  }
  return terms;
}

/** Trace ids grouped so that each group's search part stays within the condition limit. */
export function traceIdBatches(traceIds: readonly string[], maxTerms = MAX_SEARCH_TERMS): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let terms = 0;
  for (const id of traceIds) {
    const n = traceIdTerms([id]).length;
    if (terms + n > maxTerms && current.length > 0) {
      batches.push(current);
      current = [];
      terms = 0;
    }
    current.push(id);
    terms += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Search part fetching every span of the traces. */
export function buildTraceFetchQuery(traceIds: readonly string[]): string {
  return traceIdTerms(traceIds).join(' or ');
}

export function buildServicesQuery(): string {
  return `* | select distinct ${sqlIdent('service')} from log order by ${sqlIdent('service')} limit ${MAX_SQL_ROWS}`;
}

export function buildOperationsQuery(service: string, spanKind?: string): string {
  let search = `service: ${quoteSearchValue(service)}`;
  let where = `${sqlIdent('service')} = ${sqlString(service)}`;
  if (spanKind) {
    search += ` and kind: ${quoteSearchValue(spanKind)}`;
    where += ` and ${sqlIdent('kind')} = ${sqlString(spanKind)}`;
  }
  return `${search} | select distinct ${sqlIdent('name')}, ${sqlIdent('kind')} from log where ${where} limit ${MAX_SQL_ROWS}`;
}

/**
 * SQL condition on start time and duration (µs bounds, inclusive), matching µs rows with the bounds
 * and ns rows with the bounds × 1000. Undefined when there is no bound.
 */
export function timeConditions(
  bounds: { startMin?: number; startMax?: number; durationMin?: number; durationMax?: number },
  alias?: string,
): string | undefined {
  const start = col(alias, 'start');
  const duration = col(alias, 'duration');
  const parts = (scale: bigint): string[] => {
    const out: string[] = [];
    const n = (v: number, what: string) => (BigInt(sqlInt(v, what)) * scale).toString();
    if (bounds.startMin !== undefined) out.push(`${start} >= ${n(bounds.startMin, 'start time')}`);
    if (bounds.startMax !== undefined) out.push(`${start} <= ${n(bounds.startMax, 'start time')}`);
    if (bounds.durationMin) out.push(`${duration} >= ${n(bounds.durationMin, 'duration')}`);
    if (bounds.durationMax) out.push(`${duration} <= ${n(bounds.durationMax, 'duration')}`);
    return out;
  };
  const us = parts(1n);
  if (us.length === 0) return undefined;
  const ns = parts(1000n);
  return `((${start} < ${NS_THRESHOLD} and ${us.join(' and ')}) or (${start} >= ${NS_THRESHOLD} and ${ns.join(' and ')}))`;
}

/** The columns a logstore's index lets SQL read (keys with doc_value); undefined = every column of index-config.ts. */
export type IndexedColumns = ReadonlySet<string> | undefined;

function indexed(columns: IndexedColumns, name: string): boolean {
  return columns === undefined || columns.has(name);
}

/** SQL that is never true, for a condition no indexed column can satisfy. */
const NEVER = '1 = 0';

/** `(a or b …)`, or NEVER when there is no alternative. */
function anyOf(alternatives: readonly string[]): string {
  return alternatives.length === 0 ? NEVER : `(${alternatives.join(' or ')})`;
}

/** Go's encoding/json escapes <, >, &, U+2028 and U+2029 in strings (the OTel SLS exporter's rows); JSON.stringify does not. */
function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `strpos` conditions finding `"key":<value>` in a JSON text column (logs and links are arrays,
 * which SLS cannot json-index): a string value as JSON.stringify and Go write it, a number or
 * boolean followed by `,` or `}`, a JSON array or object as given.
 */
function jsonMemberText(column: string, key: string, valueText: string, isString: boolean): string[] {
  const k = JSON.stringify(key);
  const texts = isString ? [...new Set([`${k}:${JSON.stringify(valueText)}`, `${goJsonString(key)}:${goJsonString(valueText)}`])] : [',', '}'].map((end) => `${k}:${valueText}${end}`);
  return texts.map((t) => `strpos(${sqlIdent(column)}, ${sqlString(t)}) > 0`);
}

const JSON_SCALAR_TEXT = /^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false)$/;

/**
 * The v1 tags of a span received as OTLP that live in columns of the OTLP row form (model/otel.ts
 * spanFromOtel derives them): tag key → condition on the tag value.
 */
const DERIVED_TAGS = new Map<string, (value: string, columns: IndexedColumns) => string | undefined>(Object.entries({
  'span.kind': (v, c) => (indexed(c, 'kind') ? `${sqlIdent('kind')} = ${sqlString(v)}` : undefined),
  error: (v, c) => (v === 'true' && indexed(c, 'statusCode') ? `${sqlIdent('statusCode')} = 'ERROR'` : undefined),
  'otel.status_code': (v, c) => (indexed(c, 'statusCode') ? `${sqlIdent('statusCode')} = ${sqlString(v)}` : undefined),
  'otel.status_description': (v, c) => (indexed(c, 'statusMessage') ? `${sqlIdent('statusMessage')} = ${sqlString(v)}` : undefined),
  'w3c.tracestate': (v, c) => (indexed(c, 'traceState') ? `${sqlIdent('traceState')} = ${sqlString(v)}` : undefined),
  'otel.scope.name': (v, c) => (indexed(c, 'otlp.name') ? `${sqlIdent('otlp.name')} = ${sqlString(v)}` : undefined),
  'otel.scope.version': (v, c) => (indexed(c, 'otlp.version') ? `${sqlIdent('otlp.version')} = ${sqlString(v)}` : undefined),
  event: (v, c) => (indexed(c, 'logs') ? jsonMemberText('logs', 'name', v, true).join(' or ') : undefined),
}));

/**
 * SQL condition: the span has v1 tag `key` whose string form is `value`, among span tags
 * (attribute), process tags (resource), log fields (logs, matched on the JSON text) or, for spans
 * written in the OTLP form, the tags Jaeger's translator derives from columns (DERIVED_TAGS). A
 * superset of Jaeger's rule where JSON text cannot tell types apart; the store filters the fetched
 * spans with the exact rule.
 */
export function tagCondition(key: string, value: string, columns?: IndexedColumns): string {
  const path = sqlString(jsonKeyPath(key));
  const v = sqlString(value);
  const alternatives: string[] = [];
  const structured = value.startsWith('[') || value.startsWith('{');
  for (const column of ['attribute', 'resource']) {
    if (!indexed(columns, column)) continue;
    alternatives.push(`json_extract_scalar(${sqlIdent(column)}, ${path}) = ${v}`);
    if (structured) alternatives.push(...jsonMemberText(column, key, value, false));
  }
  if (indexed(columns, 'logs')) {
    alternatives.push(...jsonMemberText('logs', key, value, true));
    if (JSON_SCALAR_TEXT.test(value) || structured) alternatives.push(...jsonMemberText('logs', key, value, false));
  }
  const derived = DERIVED_TAGS.get(key)?.(value, columns);
  if (derived) alternatives.push(derived);
  return anyOf(alternatives);
}

/** Go's strconv.ParseBool, which Jaeger v2 reads a string `error` filter with. */
const GO_BOOLS = new Map<string, boolean>(Object.entries({ '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false }));
const KIND_COLUMN = new Map<string, string>(Object.entries({ INTERNAL: 'internal', SERVER: 'server', CLIENT: 'client', PRODUCER: 'producer', CONSUMER: 'consumer' }));
const RESOURCE_PREFIX = 'resource.';
/** v1 tags that rows in the Jaeger form keep a scope name / version in (before the otlp.* columns). */
const SCOPE_TAGS = { 'otlp.name': ['otel.scope.name', 'otel.library.name'], 'otlp.version': ['otel.scope.version', 'otel.library.version'] } as const;

/**
 * Conditions finding a v2 filter value among the attributes of a JSON column: json_extract_scalar
 * against the value's AsString for strings, integers and booleans, the member's JSON text for those
 * too (the first of duplicate keys decides in Jaeger's rule); for doubles, bytes (base64 in the OTLP
 * form, hex in the Jaeger form), arrays, maps and the empty value, whose text varies between
 * writers, only the key.
 */
function attributeValueIn(column: string, key: string, q: Attribute, columns: IndexedColumns): string[] {
  if (!indexed(columns, column)) return [];
  const keyOnly = q.type === 'float64' || q.type === 'binary' || q.type === 'array' || q.type === 'map' || q.type === 'empty';
  if (keyOnly) return [`strpos(${sqlIdent(column)}, ${sqlString(`${JSON.stringify(key)}:`)}) > 0`];
  const text = otelAsString(q);
  const out = column === 'logs' || column === 'links' ? [] : [`json_extract_scalar(${sqlIdent(column)}, ${sqlString(jsonKeyPath(key))}) = ${sqlString(text)}`];
  out.push(...jsonMemberText(column, key, text, true));
  if (JSON_SCALAR_TEXT.test(text)) out.push(...jsonMemberText(column, key, text, false));
  return out;
}

/**
 * SQL condition for one entry of a Jaeger v2 attribute filter (storage/trace-matching.ts states the
 * rule): special keys on their columns, `resource.<key>` on the resource, any other key on span,
 * scope, resource, event and link attributes. Every value is escaped. A superset of the rule — the
 * store applies the rule itself to the spans it fetches — except for rows in the Jaeger form whose
 * tags contradict each other (an `error` tag beside `otel.status_code=OK`), where the statusCode
 * column decides. Undefined: no condition can narrow this entry (the rule alone decides).
 */
export function attributeCondition(q: Attribute, columns?: IndexedColumns): string | undefined {
  const text = otelAsString(q);
  // Rows in the Jaeger form keep the v1 view in kind / statusCode (model spanKind, isErrorSpan),
  // which differ from the OTLP fields Jaeger's translator derives when tags repeat or contradict
  // each other; the tags' JSON text in `attribute` covers those.
  const inAttribute = (text: string) => (indexed(columns, 'attribute') ? [`strpos(lower(${sqlIdent('attribute')}), ${sqlString(text)}) > 0`] : []);
  const status = (code: 'OK' | 'ERROR' | 'UNSET') => {
    if (!indexed(columns, 'statusCode')) return undefined;
    const alternatives = [`${sqlIdent('statusCode')} = ${sqlString(code)}`];
    if (code === 'OK') alternatives.push(...inAttribute('"otel.status_code":"ok"'));
    if (code === 'UNSET') alternatives.push(...inAttribute('"error":"true"').map((c) => `(${sqlIdent('statusCode')} = 'ERROR' and ${c})`));
    return anyOf(alternatives);
  };
  switch (q.key) {
    case 'error': {
      const wanted = q.type === 'bool' ? q.value : q.type === 'string' ? GO_BOOLS.get(q.value) : undefined;
      return wanted === undefined ? NEVER : status(wanted ? 'ERROR' : 'OK');
    }
    case 'span.status': {
      const upper = text.toUpperCase();
      return status(upper === 'OK' || upper === 'ERROR' ? upper : 'UNSET');
    }
    case 'span.kind': {
      if (!indexed(columns, 'kind')) return undefined;
      const kind = KIND_COLUMN.get(text.toUpperCase()) ?? '';
      // Unspecified: no kind, or (Jaeger form) a span.kind tag that names none.
      if (kind === '') return `(${[...KIND_COLUMN.values()].map((k) => `${sqlIdent('kind')} <> ${sqlString(k)}`).join(' and ')})`;
      return anyOf([`${sqlIdent('kind')} = ${sqlString(kind)}`, ...inAttribute(`"span.kind":${JSON.stringify(kind)}`)]);
    }
    case 'scope.name':
    case 'scope.version': {
      const column = q.key === 'scope.name' ? 'otlp.name' : 'otlp.version';
      const alternatives = indexed(columns, column) ? [`${sqlIdent(column)} = ${sqlString(text)}`] : [];
      if (indexed(columns, 'attribute')) for (const tag of SCOPE_TAGS[column]) alternatives.push(`json_extract_scalar(${sqlIdent('attribute')}, ${sqlString(jsonKeyPath(tag))}) = ${sqlString(text)}`);
      return anyOf(alternatives);
    }
  }
  const resourceOnly = q.key.startsWith(RESOURCE_PREFIX);
  const key = resourceOnly ? q.key.slice(RESOURCE_PREFIX.length) : q.key;
  // Rows in the Jaeger form keep warnings in the unindexed sidecar column: no condition, the rule decides.
  if (!resourceOnly && key === WARNINGS_ATTRIBUTE) return undefined;
  const alternatives = attributeValueIn('resource', key, q, columns);
  // The exporter keeps service.name and host.name in columns of their own, out of `resource`.
  if (key === SERVICE_NAME_ATTRIBUTE && q.type === 'string' && indexed(columns, 'service')) alternatives.push(`${sqlIdent('service')} = ${sqlString(text)}`);
  if (key === 'host.name' && q.type === 'string' && indexed(columns, 'host')) alternatives.push(`${sqlIdent('host')} = ${sqlString(text)}`);
  if (!resourceOnly) for (const column of ['attribute', SCOPE_ATTRIBUTE_COLUMN, 'logs', 'links']) alternatives.push(...attributeValueIn(column, key, q, columns));
  return anyOf(alternatives);
}

/** Whether SQL may match more than the query does (tags and attributes), so that fetched spans need the rule itself. */
export function needsExactFilter(q: TraceQuery): boolean {
  return (q.tags !== undefined && Object.keys(q.tags).length > 0) || (q.attributes?.length ?? 0) > 0;
}


function searchAndWhere(q: TraceQuery, columns: IndexedColumns): { search: string; where: string[] } {
  const search: string[] = [];
  const where: string[] = [];
  if (q.serviceName) {
    search.push(`service: ${quoteSearchValue(q.serviceName)}`);
    where.push(`${sqlIdent('service')} = ${sqlString(q.serviceName)}`);
  }
  if (q.operationName) {
    search.push(`name: ${quoteSearchValue(q.operationName)}`);
    where.push(`${sqlIdent('name')} = ${sqlString(q.operationName)}`);
  }
  const time = timeConditions({ startMin: q.startTimeMin, startMax: q.startTimeMax, durationMin: q.durationMin, durationMax: q.durationMax });
  if (time) where.push(time);
  for (const [key, value] of Object.entries(q.tags ?? {})) where.push(tagCondition(key, value, columns));
  for (const a of q.attributes ?? []) {
    const condition = attributeCondition(a, columns);
    if (condition) where.push(condition);
  }
  return { search: search.length ? search.join(' and ') : '*', where };
}

/**
 * Trace ids with at least one span matching every condition, newest first; columns traceid, newest.
 * `page` selects rows [offset, offset + size) of that order (default: the query's limit from 0).
 */
export function buildFindTraceIdsQuery(q: TraceQuery, columns?: IndexedColumns, page?: { offset: number; size: number }): string {
  const { search, where } = searchAndWhere(q, columns);
  const size = page?.size ?? (q.limit ? Math.min(q.limit, MAX_SQL_ROWS) : MAX_SQL_ROWS);
  const offset = page?.offset ?? 0;
  const id = sqlIdent('traceID');
  return (
    `${search} | select ${id}, max(${sqlIdent('start')}) as newest from log` +
    (where.length ? ` where ${where.join(' and ')}` : '') +
    ` group by ${id} order by newest desc limit ${offset > 0 ? `${sqlInt(offset, 'offset')}, ` : ''}${sqlInt(size, 'limit')}`
  );
}

/** The time range every listed trace covers; columns traceid, tmin, tmax (in the rows' unit). */
export function buildTraceRangesQuery(traceIds: readonly string[]): string {
  const start = sqlIdent('start');
  return `${buildTraceFetchQuery(traceIds)} | select ${sqlIdent('traceID')}, min(${start}) as tmin, max(${start} + ${sqlIdent('duration')}) as tmax from log group by ${sqlIdent('traceID')} limit ${MAX_SQL_ROWS}`;
}

/**
 * Service links aggregated inside SLS: a self-join of child spans on their parent (same trace,
 * parentSpanID = spanID) across services, for child spans starting in [startMin, startMax] µs.
 * Columns parent, child, callcount.
 */
export function buildDependenciesQuery(startMin: number, startMax: number): string {
  const time = timeConditions({ startMin, startMax }, 'c');
  return (
    `* | select p.${sqlIdent('service')} as parent, c.${sqlIdent('service')} as child, count(1) as callcount` +
    ` from log p join log c on c.${sqlIdent('traceID')} = p.${sqlIdent('traceID')} and c.${sqlIdent('parentSpanID')} = p.${sqlIdent('spanID')}` +
    ` where p.${sqlIdent('service')} <> c.${sqlIdent('service')} and ${time}` +
    ` group by p.${sqlIdent('service')}, c.${sqlIdent('service')} limit ${MAX_SQL_ROWS}`
  );
}

/** Links from the SLS Trace app's `<instance>-traces-deps` logstore. Columns parent_service, child_service, callcount. */
export function buildDepsLogstoreQuery(): string {
  return `version: ${quoteSearchValue('service')} | select parent_service, child_service, sum(n_status_fail + n_status_succ) as callcount from log group by parent_service, child_service limit ${MAX_SQL_ROWS}`;
}
