// Over 400 lines: the whole proto ↔ domain mapping of three API generations in one pure module, so each field rule is written once.
import type {
  AnyValue,
  Attribute,
  DependencyLink,
  FoundTraceId,
  GetTraceQuery,
  KeyValue,
  Log,
  Operation,
  OperationQuery,
  Process,
  Span,
  SpanRef,
  TraceQuery,
  TraceSearchSummary,
} from '../model/index.js';
import { attributeFromOtlp, attributeToOtlp } from './otlp.js';
import {
  InvalidArgumentError,
  spanIdFromBytes,
  spanIdToBytes,
  tagValueAsString,
  traceIdFromBytes,
  traceIdToBytes,
} from '../model/index.js';

/**
 * Pure mapping between the jaeger.api_v2 / jaeger.storage.v1 / jaeger.storage.v2 messages (in the
 * shape @grpc/proto-loader produces with PROTO_LOADER_OPTIONS: camelCase, int64 as decimal strings,
 * enums as numbers, bytes as Buffer, absent messages as null) and the domain model.
 * Domain times are integer µs since the epoch; proto times are Timestamp/Duration (s + ns).
 * Malformed input throws InvalidArgumentError naming the field.
 */

export interface ProtoTimestamp {
  seconds: string | number;
  nanos: number;
}
export type ProtoDuration = ProtoTimestamp;

export interface ProtoKeyValue {
  key: string;
  vType: number;
  vStr?: string;
  vBool?: boolean;
  vInt64?: string;
  vFloat64?: number;
  vBinary?: Uint8Array;
}

export interface ProtoSpanRef {
  traceId: Uint8Array;
  spanId: Uint8Array;
  refType: number;
}

export interface ProtoProcess {
  serviceName: string;
  tags: ProtoKeyValue[];
}

export interface ProtoLog {
  timestamp: ProtoTimestamp | null;
  fields: ProtoKeyValue[];
}

export interface ProtoSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  operationName: string;
  references: ProtoSpanRef[];
  flags: number;
  startTime: ProtoTimestamp | null;
  duration: ProtoDuration | null;
  tags: ProtoKeyValue[];
  logs: ProtoLog[];
  process: ProtoProcess | null;
  processId?: string;
  warnings: string[];
}

export interface ProtoTraceQueryV1 {
  serviceName: string;
  operationName: string;
  tags: Record<string, string> | null;
  startTimeMin: ProtoTimestamp | null;
  startTimeMax: ProtoTimestamp | null;
  durationMin: ProtoDuration | null;
  durationMax: ProtoDuration | null;
  numTraces: number;
}

export interface ProtoAnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  bytesValue?: Uint8Array;
  arrayValue?: { values: ProtoAnyValue[] };
  kvlistValue?: { values: ProtoAttribute[] };
}

export interface ProtoAttribute {
  key: string;
  value: ProtoAnyValue | null;
}

export interface ProtoTraceQueryV2 {
  serviceName: string;
  operationName: string;
  attributes: ProtoAttribute[];
  startTimeMin: ProtoTimestamp | null;
  startTimeMax: ProtoTimestamp | null;
  durationMin: ProtoDuration | null;
  durationMax: ProtoDuration | null;
  searchDepth: number;
}

export interface ProtoDependencyLink {
  parent: string;
  child: string;
  callCount: string;
  source: string;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which Jaeger's Go client sends for "unset". */
const GO_ZERO_TIME_SECONDS = -62135596800;

const VALUE_TYPES = ['string', 'bool', 'int64', 'float64', 'binary'] as const;
/** jaeger.api_v2.SpanRefType by number. */
export const REF_TYPES = ['CHILD_OF', 'FOLLOWS_FROM'] as const;

// ---- times ------------------------------------------------------------------------------------

/** google.protobuf.Timestamp and Duration: nanos is below one second (Timestamp: 0 ≤ nanos). */
const MAX_NANOS = 999_999_999;

/** Timestamp → µs since the epoch; undefined when absent or Go's zero time. */
export function timestampToMicros(ts: ProtoTimestamp | null | undefined, field = 'timestamp'): number | undefined {
  return ts ? timestampPartsToMicros(Number(ts.seconds), ts.nanos, field) : undefined;
}

/** A present Timestamp's seconds and nanos → µs since the epoch (⌊ns / 1000⌋); undefined for Go's zero time. */
export function timestampPartsToMicros(seconds: number, nanos: number, field: string): number | undefined {
  if (!(nanos >= 0 && nanos <= MAX_NANOS)) throw new InvalidArgumentError(`${field}: nanos ${nanos} out of range [0, ${MAX_NANOS}]`);
  if (seconds <= GO_ZERO_TIME_SECONDS) return undefined;
  const micros = seconds * 1_000_000 + Math.floor(nanos / 1000);
  if (!Number.isSafeInteger(micros)) throw new InvalidArgumentError(`${field}: timestamp ${seconds}s is out of range`);
  return micros;
}

export function microsToTimestamp(micros: number): ProtoTimestamp {
  const seconds = Math.floor(micros / 1_000_000);
  return { seconds: String(seconds), nanos: (micros - seconds * 1_000_000) * 1000 };
}

/** Duration → µs (truncated); 0 when absent. Negative durations throw. */
export function durationToMicros(d: ProtoDuration | null | undefined, field = 'duration'): number {
  return d ? durationPartsToMicros(Number(d.seconds), d.nanos, field) : 0;
}

/** A present Duration's seconds and nanos → µs (truncated). Negative durations throw. */
export function durationPartsToMicros(seconds: number, nanos: number, field: string): number {
  if (!(Math.abs(nanos) <= MAX_NANOS) || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    throw new InvalidArgumentError(`${field}: nanos ${nanos} out of range for ${seconds}s (|nanos| ≤ ${MAX_NANOS}, sign of seconds)`);
  }
  const micros = seconds * 1_000_000 + Math.trunc(nanos / 1000);
  if (!Number.isSafeInteger(micros)) throw new InvalidArgumentError(`${field}: duration ${seconds}s is out of range`);
  if (micros < 0) throw new InvalidArgumentError(`${field}: negative duration ${micros}µs`);
  return micros;
}

export function microsToDuration(micros: number): ProtoDuration {
  const seconds = Math.trunc(micros / 1_000_000);
  return { seconds: String(seconds), nanos: (micros - seconds * 1_000_000) * 1000 };
}

// ---- spans (jaeger.api_v2) ----------------------------------------------------------------------

export function protoToKeyValue(kv: ProtoKeyValue): KeyValue {
  const key = kv.key;
  switch (kv.vType) {
    case 0:
      return { key, type: 'string', value: kv.vStr ?? '' };
    case 1:
      return { key, type: 'bool', value: Boolean(kv.vBool) };
    case 2:
      return { key, type: 'int64', value: BigInt(kv.vInt64 ?? 0) };
    case 3:
      return { key, type: 'float64', value: kv.vFloat64 ?? 0 };
    case 4:
      return { key, type: 'binary', value: new Uint8Array(kv.vBinary ?? []) };
    default:
      throw new InvalidArgumentError(`tag "${key.slice(0, 40)}": unknown value type ${kv.vType}`);
  }
}

export function keyValueToProto(kv: KeyValue): ProtoKeyValue {
  const vType = VALUE_TYPES.indexOf(kv.type);
  switch (kv.type) {
    case 'string':
      return { key: kv.key, vType, vStr: kv.value };
    case 'bool':
      return { key: kv.key, vType, vBool: kv.value };
    case 'int64':
      return { key: kv.key, vType, vInt64: kv.value.toString() };
    case 'float64':
      return { key: kv.key, vType, vFloat64: kv.value };
    case 'binary':
      return { key: kv.key, vType, vBinary: kv.value };
  }
}

function protoToSpanRef(ref: ProtoSpanRef): SpanRef {
  const refType = REF_TYPES[ref.refType];
  if (refType === undefined) throw new InvalidArgumentError(`reference: unknown type ${ref.refType}`);
  return { refType, traceId: traceIdFromBytes(ref.traceId), spanId: spanIdFromBytes(ref.spanId) };
}

function protoToLog(log: ProtoLog): Log {
  const timestamp = timestampToMicros(log.timestamp, 'log timestamp');
  return { timestamp: timestamp ?? 0, fields: log.fields.map(protoToKeyValue) };
}

function protoToProcess(p: ProtoProcess | null): Process {
  return { serviceName: p?.serviceName ?? '', tags: (p?.tags ?? []).map(protoToKeyValue) };
}

/** A jaeger.api_v2.Span → domain Span. Does not validate limits; callers run validateSpan. */
export function protoToSpan(span: ProtoSpan): Span {
  const startTime = timestampToMicros(span.startTime, 'start_time');
  return {
    traceId: traceIdFromBytes(span.traceId),
    spanId: spanIdFromBytes(span.spanId),
    operationName: span.operationName,
    references: span.references.map(protoToSpanRef),
    flags: span.flags,
    startTime: startTime ?? 0,
    duration: durationToMicros(span.duration, 'duration'),
    tags: span.tags.map(protoToKeyValue),
    logs: span.logs.map(protoToLog),
    process: protoToProcess(span.process),
    warnings: span.warnings,
  };
}

export function spanToProto(span: Span): ProtoSpan {
  return {
    traceId: traceIdToBytes(span.traceId),
    spanId: spanIdToBytes(span.spanId),
    operationName: span.operationName,
    references: span.references.map((r) => ({
      traceId: traceIdToBytes(r.traceId),
      spanId: spanIdToBytes(r.spanId),
      refType: REF_TYPES.indexOf(r.refType),
    })),
    flags: span.flags,
    startTime: microsToTimestamp(span.startTime),
    duration: microsToDuration(span.duration),
    tags: span.tags.map(keyValueToProto),
    logs: span.logs.map((l) => ({ timestamp: microsToTimestamp(l.timestamp), fields: l.fields.map(keyValueToProto) })),
    process: { serviceName: span.process.serviceName, tags: span.process.tags.map(keyValueToProto) },
    processId: '',
    warnings: span.warnings,
  };
}

/**
 * Upper bound of a span's encoded size in bytes, for chunking streams under the message limit.
 * Strings count 3 bytes per UTF-16 unit only when they are long, so the estimate stays cheap.
 */
export function estimateSpanBytes(span: Span): number {
  let n = 96 + strBytes(span.operationName) + strBytes(span.process.serviceName) + span.references.length * 40;
  n += tagsBytes(span.tags) + tagsBytes(span.process.tags);
  for (const log of span.logs) n += 16 + tagsBytes(log.fields);
  for (const w of span.warnings) n += 8 + strBytes(w);
  const otel = span.otel;
  if (otel) {
    // What the v1 view above does not count: scope and link attributes, trace states, schema URLs.
    n += strBytes(otel.traceState) + strBytes(otel.resource.schemaUrl) + strBytes(otel.scope.schemaUrl) + tagsBytes(otel.scope.attributes);
    for (const l of otel.links) n += 16 + strBytes(l.traceState) + tagsBytes(l.attributes);
  }
  return n;
}

function tagsBytes(tags: readonly (Attribute | AnyValue)[]): number {
  let n = 0;
  for (const t of tags) {
    n += 24 + ('key' in t ? strBytes(t.key) : 0);
    if (t.type === 'string') n += strBytes(t.value);
    else if (t.type === 'binary') n += t.value.length;
    else if (t.type === 'array' || t.type === 'map') n += tagsBytes(t.value);
  }
  return n;
}

function strBytes(s: string): number {
  return s.length < 64 ? s.length * 3 : Buffer.byteLength(s, 'utf8');
}

// ---- requests and responses -------------------------------------------------------------------

/** v1 GetTraceRequest / v2 GetTraceParams → GetTraceQuery; zero or absent times = no hint. */
export function protoToGetTraceQuery(req: {
  traceId: Uint8Array;
  startTime?: ProtoTimestamp | null;
  endTime?: ProtoTimestamp | null;
}): GetTraceQuery {
  const query: GetTraceQuery = { traceId: traceIdFromBytes(req.traceId) };
  const startTime = timestampToMicros(req.startTime, 'start_time');
  const endTime = timestampToMicros(req.endTime, 'end_time');
  if (startTime !== undefined) query.startTime = startTime;
  if (endTime !== undefined) query.endTime = endTime;
  return query;
}

export function getTraceQueryToProto(q: GetTraceQuery): {
  traceId: Buffer;
  startTime: ProtoTimestamp | null;
  endTime: ProtoTimestamp | null;
} {
  return {
    traceId: traceIdToBytes(q.traceId),
    startTime: q.startTime === undefined ? null : microsToTimestamp(q.startTime),
    endTime: q.endTime === undefined ? null : microsToTimestamp(q.endTime),
  };
}

function queryBounds(q: ProtoTraceQueryV1 | ProtoTraceQueryV2): TraceQuery {
  const query: TraceQuery = {};
  if (q.serviceName) query.serviceName = q.serviceName;
  if (q.operationName) query.operationName = q.operationName;
  const startTimeMin = timestampToMicros(q.startTimeMin, 'start_time_min');
  const startTimeMax = timestampToMicros(q.startTimeMax, 'start_time_max');
  const durationMin = durationToMicros(q.durationMin, 'duration_min');
  const durationMax = durationToMicros(q.durationMax, 'duration_max');
  if (startTimeMin !== undefined) query.startTimeMin = startTimeMin;
  if (startTimeMax !== undefined) query.startTimeMax = startTimeMax;
  if (durationMin) query.durationMin = durationMin;
  if (durationMax) query.durationMax = durationMax;
  if (query.durationMin !== undefined && query.durationMax !== undefined && query.durationMin > query.durationMax) {
    throw new InvalidArgumentError(`duration_min ${query.durationMin}µs is greater than duration_max ${query.durationMax}µs`);
  }
  return query;
}

function limitFrom(n: number, field: string): number | undefined {
  if (n < 0) throw new InvalidArgumentError(`${field}: negative value ${n}`);
  return n > 0 ? n : undefined;
}

/** jaeger.storage.v1.TraceQueryParameters → TraceQuery. Zero durations and Go zero times = no bound. */
export function protoToTraceQueryV1(q: ProtoTraceQueryV1 | null): TraceQuery {
  if (!q) throw new InvalidArgumentError('query is required');
  const query = queryBounds(q);
  if (q.tags && Object.keys(q.tags).length > 0) query.tags = { ...q.tags };
  const limit = limitFrom(q.numTraces, 'num_traces');
  if (limit !== undefined) query.limit = limit;
  return query;
}

function boundsToProto(q: TraceQuery) {
  return {
    serviceName: q.serviceName ?? '',
    operationName: q.operationName ?? '',
    startTimeMin: q.startTimeMin === undefined ? null : microsToTimestamp(q.startTimeMin),
    startTimeMax: q.startTimeMax === undefined ? null : microsToTimestamp(q.startTimeMax),
    durationMin: microsToDuration(q.durationMin ?? 0),
    durationMax: microsToDuration(q.durationMax ?? 0),
  };
}

export function traceQueryToProtoV1(q: TraceQuery): ProtoTraceQueryV1 {
  return { ...boundsToProto(q), tags: q.tags ?? {}, numTraces: q.limit ?? 0 };
}

/**
 * jaeger.storage.v2.TraceQueryParameters → TraceQuery; the attributes become the v2 attribute
 * filter, typed, one per key (a later entry replaces an earlier one, as in Jaeger's pcommon.Map).
 */
export function protoToTraceQueryV2(q: ProtoTraceQueryV2 | null): TraceQuery {
  if (!q) throw new InvalidArgumentError('query is required');
  const query = queryBounds(q);
  if (q.attributes.length > 0) {
    const byKey = new Map<string, Attribute>();
    q.attributes.forEach((a, i) => {
      try {
        byKey.set(a.key, attributeFromOtlp(a, 'query', 'attributes', i));
      } catch (err) {
        throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
      }
    });
    query.attributes = [...byKey.values()];
  }
  const limit = limitFrom(q.searchDepth, 'search_depth');
  if (limit !== undefined) query.limit = limit;
  return query;
}

/** The v2 attribute filter travels typed; v1 query tags travel as string attributes (the receiving side compares them with AsString). */
export function traceQueryToProtoV2(q: TraceQuery): ProtoTraceQueryV2 {
  const attributes: ProtoAttribute[] = Object.entries(q.tags ?? {}).map(([key, value]) => ({ key, value: { stringValue: value } }));
  for (const a of q.attributes ?? []) attributes.push(attributeToOtlp(a) as ProtoAttribute);
  return { ...boundsToProto(q), attributes, searchDepth: q.limit ?? 0 };
}

export interface ProtoTraceSummary {
  traceId: Buffer;
  rootServiceName: string;
  rootOperationName: string;
  minStartTimeUnixNano: string;
  maxEndTimeUnixNano: string;
  spanCount: number;
  errorSpanCount: number;
  orphanSpanCount: number;
  services: { name: string; spanCount: number; errorSpanCount: number }[];
}

export function traceSummaryToProto(s: TraceSearchSummary): ProtoTraceSummary {
  return {
    traceId: traceIdToBytes(s.traceId),
    rootServiceName: s.rootServiceName,
    rootOperationName: s.rootOperationName,
    minStartTimeUnixNano: s.minStartTimeUnixNano.toString(),
    maxEndTimeUnixNano: s.maxEndTimeUnixNano.toString(),
    spanCount: s.spanCount,
    errorSpanCount: s.errorSpanCount,
    orphanSpanCount: s.orphanSpanCount,
    services: s.services.map((c) => ({ name: c.name, spanCount: c.spanCount, errorSpanCount: c.errorSpanCount })),
  };
}

export function operationToProto(op: Operation): { name: string; spanKind: string } {
  return { name: op.name, spanKind: op.spanKind };
}

export function protoToOperationQuery(req: { service: string; spanKind: string }): OperationQuery {
  const query: OperationQuery = { serviceName: req.service };
  if (req.spanKind) query.spanKind = req.spanKind;
  return query;
}

export function dependencyLinkToProto(link: DependencyLink): ProtoDependencyLink {
  return { parent: link.parent, child: link.child, callCount: String(link.callCount), source: link.source ?? '' };
}

export function protoToDependencyLink(link: ProtoDependencyLink): DependencyLink {
  const out: DependencyLink = { parent: link.parent, child: link.child, callCount: Number(link.callCount) };
  if (link.source) out.source = link.source;
  return out;
}

/** GetDependenciesRequest (v1 or v2) → end time and lookback, µs. */
export function protoToDependencyWindow(req: {
  startTime: ProtoTimestamp | null;
  endTime: ProtoTimestamp | null;
}): { endTime: number; lookback: number } {
  const endTime = timestampToMicros(req.endTime, 'end_time');
  if (endTime === undefined) throw new InvalidArgumentError('end_time is required');
  const startTime = timestampToMicros(req.startTime, 'start_time') ?? 0;
  if (startTime > endTime) throw new InvalidArgumentError('start_time is after end_time');
  return { endTime, lookback: endTime - startTime };
}

export function dependencyWindowToProto(endTime: number, lookback: number): {
  startTime: ProtoTimestamp;
  endTime: ProtoTimestamp;
} {
  return { startTime: microsToTimestamp(endTime - lookback), endTime: microsToTimestamp(endTime) };
}

export function foundTraceIdToProto(found: FoundTraceId): { traceId: Buffer; start: ProtoTimestamp; end: ProtoTimestamp } {
  return { traceId: traceIdToBytes(found.traceId), start: microsToTimestamp(found.start), end: microsToTimestamp(found.end) };
}

export function protoToFoundTraceId(found: {
  traceId: Uint8Array;
  start: ProtoTimestamp | null;
  end: ProtoTimestamp | null;
}): FoundTraceId {
  const start = timestampToMicros(found.start, 'start') ?? 0;
  return { traceId: traceIdFromBytes(found.traceId), start, end: timestampToMicros(found.end, 'end') ?? start };
}
