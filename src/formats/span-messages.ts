/**
 * Trace read responses encoded straight from domain spans: jaeger.storage.v1 SpansResponseChunk
 * and OTLP TracesData (jaeger.storage.v2). The bytes are those @grpc/proto-loader's serializer
 * gives for proto-mapping.ts spanToProto and otlp.ts otlpFromSpans of the same spans (the same
 * fields present, in field-number order, the same grouping into ResourceSpans and ScopeSpans),
 * without the intermediate objects: a fraction of the CPU and of the garbage a span.
 */
import type { AnyValue, Attribute, KeyValue, Span } from '../model/index.js';
import { groupSpansByResourceAndScope } from './otlp.js';
import { REF_TYPES } from './proto-mapping.js';
import type { ProtoWriter } from './proto-writer.js';

/** The spans as one SpansResponseChunk (field 1: the spans), appended to `w`. */
export function writeSpansResponseChunk(w: ProtoWriter, spans: readonly Span[]): void {
  for (const span of spans) writeJaegerSpan(w, 1, span);
}

/** The spans as one TracesData (field 1: a ResourceSpans per resource), appended to `w`. */
export function writeTracesData(w: ProtoWriter, spans: readonly Span[]): void {
  for (const { resource, scopes } of groupSpansByResourceAndScope(spans)) {
    const rs = w.fork(1);
    const r = w.fork(1);
    writeAttributes(w, 1, resource.attributes);
    w.uint32(2, resource.droppedAttributesCount);
    w.join(r);
    for (const { scope, spans: inScope } of scopes) {
      const ss = w.fork(2);
      const sc = w.fork(1);
      w.string(1, scope.name);
      w.string(2, scope.version);
      writeAttributes(w, 3, scope.attributes);
      w.uint32(4, scope.droppedAttributesCount);
      w.join(sc);
      for (const { span, otel } of inScope) {
        const s = w.fork(2);
        w.bytesHex(1, span.traceId);
        w.bytesHex(2, span.spanId);
        w.string(3, otel.traceState);
        w.bytesHex(4, otel.parentSpanId);
        w.string(5, span.operationName);
        w.uint32(6, otel.kind);
        writeNanos(w, 7, span.startTime, otel.startNanos);
        writeNanos(w, 8, span.startTime + span.duration, otel.startNanos + otel.durationNanos);
        writeAttributes(w, 9, otel.attributes);
        w.uint32(10, otel.droppedAttributesCount);
        for (const e of otel.events) {
          const em = w.fork(11);
          w.fixed64Big(1, e.timeUnixNano);
          w.string(2, e.name);
          writeAttributes(w, 3, e.attributes);
          w.uint32(4, e.droppedAttributesCount);
          w.join(em);
        }
        w.uint32(12, otel.droppedEventsCount);
        for (const l of otel.links) {
          const lm = w.fork(13);
          w.bytesHex(1, l.traceId);
          w.bytesHex(2, l.spanId);
          w.string(3, l.traceState);
          writeAttributes(w, 4, l.attributes);
          w.uint32(5, l.droppedAttributesCount);
          w.fixed32(6, l.flags);
          w.join(lm);
        }
        w.uint32(14, otel.droppedLinksCount);
        const st = w.fork(15);
        w.string(2, otel.statusMessage);
        w.uint32(3, otel.statusCode);
        w.join(st);
        w.fixed32(16, span.flags);
        w.join(s);
      }
      w.string(3, scope.schemaUrl);
      w.join(ss);
    }
    w.string(3, resource.schemaUrl);
    w.join(rs);
  }
}

function writeJaegerSpan(w: ProtoWriter, field: number, span: Span): void {
  const s = w.fork(field);
  w.bytesHex(1, span.traceId);
  w.bytesHex(2, span.spanId);
  w.string(3, span.operationName);
  for (const r of span.references) {
    const rm = w.fork(4);
    w.bytesHex(1, r.traceId);
    w.bytesHex(2, r.spanId);
    w.uint32(3, REF_TYPES.indexOf(r.refType));
    w.join(rm);
  }
  w.uint32(5, span.flags >>> 0);
  writeTimestamp(w, 6, span.startTime);
  writeDuration(w, 7, span.duration);
  for (const t of span.tags) writeKeyValue(w, 8, t);
  for (const l of span.logs) {
    const lm = w.fork(9);
    writeTimestamp(w, 1, l.timestamp);
    for (const f of l.fields) writeKeyValue(w, 2, f);
    w.join(lm);
  }
  const p = w.fork(10);
  w.string(1, span.process.serviceName);
  for (const t of span.process.tags) writeKeyValue(w, 2, t);
  w.join(p);
  // spanToProto sets processId to "": present, so written.
  w.string(11, '');
  for (const warning of span.warnings) w.string(12, warning);
  w.join(s);
}

/** jaeger.api_v2.ValueType by domain type. */
const VALUE_TYPE_NUMBERS = { string: 0, bool: 1, int64: 2, float64: 3, binary: 4 } as const;

function writeKeyValue(w: ProtoWriter, field: number, kv: KeyValue): void {
  const m = w.fork(field);
  w.string(1, kv.key);
  w.uint32(2, VALUE_TYPE_NUMBERS[kv.type]);
  switch (kv.type) {
    case 'string':
      w.string(3, kv.value);
      break;
    case 'bool':
      w.bool(4, kv.value);
      break;
    case 'int64':
      w.int64Big(5, kv.value);
      break;
    case 'float64':
      w.double(6, kv.value);
      break;
    case 'binary':
      w.bytes(7, kv.value);
      break;
  }
  w.join(m);
}

/** google.protobuf.Timestamp of µs since the epoch (seconds floored, nanos ≥ 0), as microsToTimestamp. */
function writeTimestamp(w: ProtoWriter, field: number, micros: number): void {
  const seconds = Math.floor(micros / 1_000_000);
  const m = w.fork(field);
  w.int64(1, seconds);
  w.uint32(2, (micros - seconds * 1_000_000) * 1000);
  w.join(m);
}

/** google.protobuf.Duration of µs (seconds truncated), as microsToDuration. */
function writeDuration(w: ProtoWriter, field: number, micros: number): void {
  const seconds = Math.trunc(micros / 1_000_000);
  const m = w.fork(field);
  w.int64(1, seconds);
  w.uint32(2, (micros - seconds * 1_000_000) * 1000);
  w.join(m);
}

/**
 * fixed64 ns since the epoch of `micros` µs and `rest` ns (model/otel.ts spanNanos), computed in
 * 32-bit halves so no bigint is made; a time before the epoch goes through a bigint.
 */
function writeNanos(w: ProtoWriter, field: number, micros: number, rest: number): void {
  const us = micros + Math.floor(rest / 1000);
  const ns = rest - Math.floor(rest / 1000) * 1000;
  if (us < 0 || !Number.isSafeInteger(us)) {
    w.fixed64Big(field, BigInt(micros) * 1000n + BigInt(rest));
    return;
  }
  const usHi = Math.floor(us / 2 ** 32);
  // (us mod 2^32) · 1000 + ns < 2^42: exact.
  const low = (us - usHi * 2 ** 32) * 1000 + ns;
  const carry = Math.floor(low / 2 ** 32);
  w.fixed64(field, low - carry * 2 ** 32, usHi * 1000 + carry);
}

function writeAttributes(w: ProtoWriter, field: number, attributes: readonly Attribute[]): void {
  for (const a of attributes) {
    const m = w.fork(field);
    w.string(1, a.key);
    writeAnyValue(w, 2, a);
    w.join(m);
  }
}

/** An AnyValue as otlp.ts anyValueToOtlp gives it. */
function writeAnyValue(w: ProtoWriter, field: number, v: AnyValue): void {
  const m = w.fork(field);
  switch (v.type) {
    case 'string':
      w.string(1, v.value);
      break;
    case 'bool':
      w.bool(2, v.value);
      break;
    case 'int64':
      w.int64Big(3, v.value);
      break;
    case 'float64':
      w.double(4, v.value);
      break;
    case 'array': {
      const a = w.fork(5);
      for (const e of v.value) writeAnyValue(w, 1, e);
      w.join(a);
      break;
    }
    case 'map': {
      const kv = w.fork(6);
      writeAttributes(w, 1, v.value);
      w.join(kv);
      break;
    }
    case 'binary':
      w.bytes(7, v.value);
      break;
    case 'empty':
      break;
  }
  w.join(m);
}
