/**
 * Spans received as OTLP ⇄ SLS Trace rows, in the columns the OpenTelemetry SLS exporter writes
 * (test/fixtures/sls/README.md), extended where the SLS Trace schema has no place:
 *
 * | column | holds |
 * |---|---|
 * | `host`, `service` | resource `host.name` (a string, else ""), the span's service (resource `service.name`, or Jaeger's `OTLPResourceNoServiceName`) |
 * | `resource` | every resource attribute, `service.name` and `host.name` included (the exporter leaves those two out; read back from `service`/`host` when absent) |
 * | `otlp.name`, `otlp.version` | instrumentation scope name and version |
 * | `scopeAttribute` | scope attributes, a JSON object like `attribute` (not in the SLS Trace schema; written only when the scope has attributes) |
 * | `traceID`, `spanID`, `parentSpanID`, `kind`, `name`, `traceState`, `statusCode`, `statusMessage` | as the exporter |
 * | `links` | `[{traceID, spanID, traceState?, attribute, flags?, droppedAttributesCount?}]` — the exporter's keys plus the link's trace state, flags and dropped count when set |
 * | `logs` | `[{name, time (ns), attribute, droppedAttributesCount?}]` |
 * | `start`, `end`, `duration` | µs |
 * | `attribute` | span attributes, typed JSON (attribute-json.ts) |
 * | `jaeger` | side-car JSON, only when needed: `flags` (span flags), `nanos` [start, duration ns below the µs], `dropped` [attributes, events, links], `resource` / `scope` [schemaUrl, droppedAttributesCount], `kind` / `status` (codes outside the OTLP enums), `types` (type notes per JSON column: `a` attribute, `r` resource, `s` scopeAttribute, `e<i>` / `l<i>` event / link i) |
 *
 * There is no `flags` column: its presence marks a row in the Jaeger form (jaeger-row.ts).
 * Pure.
 */
import type { Attribute, OtelEvent, OtelLink, OtelSpanFields, Span } from '../../model/index.js';
import { NO_SERVICE_NAME, SERVICE_NAME_ATTRIBUTE, SPAN_KINDS, STATUS_CODES, spanFromOtel } from '../../model/index.js';
import type { TypeNotes } from './attribute-json.js';
import { attributesFromJson, attributesJson, hasNotes } from './attribute-json.js';
import type { ExactJson } from './exact-json.js';
import { JsonNumber, JsonObject } from './exact-json.js';
import type { SlsRow } from './row-fields.js';
import { integerText, num, padId, parseColumn, rowTimes, SCOPE_ATTRIBUTE_COLUMN, SIDECAR_COLUMN } from './row-fields.js';

const HOST_NAME_ATTRIBUTE = 'host.name';

interface OtlpSidecar {
  flags?: number;
  nanos?: [number, number];
  dropped?: [number, number, number];
  resource?: [string, number];
  scope?: [string, number];
  kind?: number;
  status?: number;
  types?: Record<string, TypeNotes>;
}

// ---- write ----------------------------------------------------------------------------------------

/** The columns of a span received as OTLP, as a flat [key0, value0, key1, value1, …] list. */
export function otlpSpanColumns(span: Span, otel: OtelSpanFields): string[] {
  const sidecar: OtlpSidecar = {};
  let sidecarUsed = false;
  const types: Record<string, TypeNotes> = {};
  const note = (place: string): TypeNotes => (types[place] = {});

  const { resource, scope } = otel;
  let host = '';
  for (const a of resource.attributes) {
    if (a.key === HOST_NAME_ATTRIBUTE && a.type === 'string') {
      host = a.value;
      break;
    }
  }
  const resourceJson = attributesJson(resource.attributes, note('r'));
  const attributeJson = attributesJson(otel.attributes, note('a'));

  let logs = '[]';
  if (otel.events.length > 0) {
    const parts: string[] = [];
    for (let i = 0; i < otel.events.length; i++) parts.push(eventJson(otel.events[i], note(`e${i}`)));
    logs = `[${parts.join(',')}]`;
  }
  let links = '[]';
  if (otel.links.length > 0) {
    const parts: string[] = [];
    for (let i = 0; i < otel.links.length; i++) parts.push(linkJson(otel.links[i], note(`l${i}`)));
    links = `[${parts.join(',')}]`;
  }

  if (span.flags !== 0) {
    sidecar.flags = span.flags;
    sidecarUsed = true;
  }
  if (otel.startNanos !== 0 || otel.durationNanos !== 0) {
    sidecar.nanos = [otel.startNanos, otel.durationNanos];
    sidecarUsed = true;
  }
  if (otel.droppedAttributesCount !== 0 || otel.droppedEventsCount !== 0 || otel.droppedLinksCount !== 0) {
    sidecar.dropped = [otel.droppedAttributesCount, otel.droppedEventsCount, otel.droppedLinksCount];
    sidecarUsed = true;
  }
  if (resource.schemaUrl !== '' || resource.droppedAttributesCount !== 0) {
    sidecar.resource = [resource.schemaUrl, resource.droppedAttributesCount];
    sidecarUsed = true;
  }
  if (scope.schemaUrl !== '' || scope.droppedAttributesCount !== 0) {
    sidecar.scope = [scope.schemaUrl, scope.droppedAttributesCount];
    sidecarUsed = true;
  }
  let kind: string = SPAN_KINDS[otel.kind] ?? '';
  if (SPAN_KINDS[otel.kind] === undefined) {
    sidecar.kind = otel.kind;
    sidecarUsed = true;
    kind = '';
  }
  let status: string = STATUS_CODES[otel.statusCode] ?? 'UNSET';
  if (STATUS_CODES[otel.statusCode] === undefined) {
    sidecar.status = otel.statusCode;
    sidecarUsed = true;
    status = 'UNSET';
  }

  const columns = [
    'host', host,
    'service', span.process.serviceName,
    'resource', resourceJson,
    'otlp.name', scope.name,
    'otlp.version', scope.version,
    'traceID', span.traceId,
    'spanID', span.spanId,
    'parentSpanID', otel.parentSpanId,
    'kind', kind,
    'name', span.operationName,
    'links', links,
    'logs', logs,
    'traceState', otel.traceState,
    'start', integerText(span.startTime),
    'end', integerText(span.startTime + span.duration),
    'duration', integerText(span.duration),
    'attribute', attributeJson,
    'statusCode', status,
    'statusMessage', otel.statusMessage,
  ];
  if (scope.attributes.length > 0) columns.push(SCOPE_ATTRIBUTE_COLUMN, attributesJson(scope.attributes, note('s')));
  for (const place in types) {
    if (!hasNotes(types[place])) delete types[place];
    else (sidecar.types ??= {})[place] = types[place];
  }
  if (sidecarUsed || sidecar.types) columns.push(SIDECAR_COLUMN, JSON.stringify(sidecar));
  return columns;
}

function eventJson(e: OtelEvent, notes: TypeNotes): string {
  const dropped = e.droppedAttributesCount !== 0 ? `,"droppedAttributesCount":${e.droppedAttributesCount}` : '';
  return `{"name":${JSON.stringify(e.name)},"time":${e.timeUnixNano.toString()},"attribute":${attributesJson(e.attributes, notes)}${dropped}}`;
}

function linkJson(l: OtelLink, notes: TypeNotes): string {
  let json = `{"traceID":"${l.traceId}","spanID":"${l.spanId}"`;
  if (l.traceState !== '') json += `,"traceState":${JSON.stringify(l.traceState)}`;
  json += `,"attribute":${attributesJson(l.attributes, notes)}`;
  if (l.flags !== 0) json += `,"flags":${l.flags}`;
  if (l.droppedAttributesCount !== 0) json += `,"droppedAttributesCount":${l.droppedAttributesCount}`;
  return json + '}';
}

// ---- read -----------------------------------------------------------------------------------------

/** A span from a row in the OTLP form (ours or the OpenTelemetry SLS exporter's). Never throws. */
export function rowToOtlpSpan(row: SlsRow): Span {
  const side = sidecarOf(row[SIDECAR_COLUMN]);
  const types = side.types ?? {};
  const traceId = padId(row.traceID ?? row.traceid, 32);
  const times = rowTimes(row);
  const [startNanos, durationNanos] = side.nanos ?? [times.startNanos, times.durationNanos];

  const resourceAttributes = objectColumn(row.resource, 'resource', types.r);
  if (!resourceAttributes.some((a) => a.key === HOST_NAME_ATTRIBUTE) && row.host) {
    resourceAttributes.unshift({ key: HOST_NAME_ATTRIBUTE, type: 'string', value: row.host });
  }
  const service = row.service ?? '';
  if (service !== '' && service !== NO_SERVICE_NAME && !resourceAttributes.some((a) => a.key === SERVICE_NAME_ATTRIBUTE)) {
    resourceAttributes.unshift({ key: SERVICE_NAME_ATTRIBUTE, type: 'string', value: service });
  }
  const [resourceSchemaUrl, resourceDropped] = side.resource ?? ['', 0];
  const [scopeSchemaUrl, scopeDropped] = side.scope ?? ['', 0];
  const [droppedAttributes, droppedEvents, droppedLinks] = side.dropped ?? [0, 0, 0];

  const kindText = (row.kind ?? '').toLowerCase();
  const kindIndex = SPAN_KINDS.indexOf(kindText as (typeof SPAN_KINDS)[number]);
  const statusText = (row.statusCode ?? '').toUpperCase();
  const parent = row.parentSpanID ?? row.parentspanid ?? '';

  const otel: OtelSpanFields = {
    resource: { attributes: resourceAttributes, droppedAttributesCount: resourceDropped, schemaUrl: resourceSchemaUrl },
    scope: {
      name: row['otlp.name'] ?? '',
      version: row['otlp.version'] ?? '',
      attributes: objectColumn(row[SCOPE_ATTRIBUTE_COLUMN], SCOPE_ATTRIBUTE_COLUMN, types.s),
      droppedAttributesCount: scopeDropped,
      schemaUrl: scopeSchemaUrl,
    },
    traceState: row.traceState ?? '',
    parentSpanId: /^0*$/.test(parent.trim()) ? '' : padId(parent, 16),
    kind: side.kind ?? (kindIndex > 0 ? kindIndex : 0),
    startNanos,
    durationNanos,
    attributes: objectColumn(row.attribute, 'attribute', types.a),
    droppedAttributesCount: droppedAttributes,
    events: readEvents(row.logs, types),
    droppedEventsCount: droppedEvents,
    links: readLinks(row.links, traceId, types),
    droppedLinksCount: droppedLinks,
    statusCode: side.status ?? (statusText === 'ERROR' ? 2 : statusText === 'OK' ? 1 : 0),
    statusMessage: row.statusMessage ?? '',
  };
  return spanFromOtel(
    {
      traceId,
      spanId: padId(row.spanID ?? row.spanid, 16),
      operationName: row.name ?? '',
      flags: side.flags ?? 0,
      startTime: times.startTime,
      duration: times.duration,
    },
    otel,
  );
}

function sidecarOf(text: string | undefined): OtlpSidecar {
  if (text === undefined || text === '') return {};
  try {
    const plain = JSON.parse(text) as unknown;
    return plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as OtlpSidecar) : {};
  } catch {
    return {};
  }
}

/** Attributes of a JSON object column; text that is not JSON is kept whole as one string attribute named after the column. */
function objectColumn(text: string | undefined, column: string, notes: TypeNotes | undefined): Attribute[] {
  const parsed = parseColumn(text);
  if (!parsed.ok) return [{ key: column, type: 'string', value: text! }];
  return attributesFromJson(parsed.value, notes);
}

function member(o: JsonObject, ...keys: string[]): ExactJson | undefined {
  for (const k of keys) {
    const v = o.get(k);
    if (v !== undefined) return v;
  }
  return undefined;
}

function count(v: ExactJson | undefined): number {
  return v instanceof JsonNumber && v.isInteger ? Number(v.text) : 0;
}

function text(v: ExactJson | undefined): string {
  return typeof v === 'string' ? v : '';
}

function readEvents(column: string | undefined, types: Record<string, TypeNotes>): OtelEvent[] {
  const parsed = parseColumn(column);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  return parsed.value.map((entry, i): OtelEvent => {
    const e = entry instanceof JsonObject ? entry : new JsonObject([]);
    return {
      timeUnixNano: eventNanos(member(e, 'time', 'Time', 'timeUnixNano')),
      name: text(member(e, 'name', 'Name')),
      attributes: attributesFromJson(member(e, 'attribute', 'attributes', 'Attribute', 'Attributes'), types[`e${i}`]),
      droppedAttributesCount: count(member(e, 'droppedAttributesCount')),
    };
  });
}

/** Event time in ns, as every SLS Trace writer keeps it (the exporter, aliyun-log-jaeger, jaeger-sls). */
function eventNanos(v: ExactJson | undefined): bigint {
  const t = v instanceof JsonNumber ? v.text : typeof v === 'string' ? v.trim() : '';
  if (/^-?\d+$/.test(t)) return BigInt(t);
  const n = num(t);
  return n === undefined ? 0n : BigInt(Math.round(n));
}

function readLinks(column: string | undefined, traceId: string, types: Record<string, TypeNotes>): OtelLink[] {
  const parsed = parseColumn(column);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  const links: OtelLink[] = [];
  parsed.value.forEach((entry, i) => {
    if (!(entry instanceof JsonObject)) return;
    // The exporter writes "" for an empty id; a link without the key is taken to be in the span's trace.
    const linkTrace = member(entry, 'traceID', 'TraceID', 'traceId');
    links.push({
      traceId: padId(linkTrace === undefined ? traceId : text(linkTrace), 32),
      spanId: padId(text(member(entry, 'spanID', 'SpanID', 'SpanId', 'spanId')), 16),
      traceState: text(member(entry, 'traceState', 'TraceState')),
      attributes: attributesFromJson(member(entry, 'attribute', 'attributes', 'Attribute', 'Attributes'), types[`l${i}`]),
      droppedAttributesCount: count(member(entry, 'droppedAttributesCount')),
      flags: count(member(entry, 'flags')),
    });
  });
  return links;
}
