// Over 400 lines: two hand-written protobuf decoders (WriteSpanRequest, ExportTraceServiceRequest) over one shared reader, each loop following its .proto field list.
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
} from '../formats/otlp.js';
import { durationPartsToMicros, REF_TYPES, timestampPartsToMicros } from '../formats/proto-mapping.js';
import type { KeyValue, Log, Process, Span, SpanRef } from '../model/index.js';
import { InvalidArgumentError, spanIdFromBytes, traceIdFromBytes } from '../model/index.js';

/**
 * Fast decoders for the two ingest messages. jaeger.storage.v1.WriteSpanRequest decodes straight
 * into the domain Span. OTLP ExportTraceServiceRequest decodes into exactly the objects
 * @grpc/proto-loader produces with PROTO_LOADER_OPTIONS (camelCase, every field present,
 * int64/fixed64 as decimal strings, bytes as Buffer views, absent messages as null, the oneof
 * member's name in `value`), which formats/otlp.ts maps. Property tests check both against
 * proto-loader, at a fraction of protobufjs' decode + toObject cost.
 * Field numbers: proto/jaeger/api_v2/model.proto, proto/opentelemetry/proto/. Malformed input throws.
 */
const EMPTY = Buffer.alloc(0);

// ---- WriteSpanRequest straight into the domain model -------------------------------------

/**
 * The span of an encoded jaeger.storage.v1.WriteSpanRequest as a domain Span, or null when the
 * request has none — the same Span protoToSpan makes of proto-loader's object (a property test
 * checks the two agree), without building that object first. Throws InvalidArgumentError for
 * values the model refuses (ids of the wrong length, nanos out of range, unknown enum values) and
 * Error "invalid protobuf" for malformed bytes. Limits are left to validateSpan.
 */
export function decodeWriteSpanRequestSpan(buf: Buffer): Span | null {
  const r = new WireReader(buf);
  let span: Span | null = null;
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) span = decodeDomainSpan(r, r.lengthEnd());
    else r.skip(tag & 7);
  }
  return span;
}

function decodeDomainSpan(r: WireReader, end: number): Span {
  let traceId: Uint8Array = EMPTY;
  let spanId: Uint8Array = EMPTY;
  let operationName = '';
  const references: SpanRef[] = [];
  let flags = 0;
  let startTime = 0;
  let duration = 0;
  const tags: KeyValue[] = [];
  const logs: Log[] = [];
  let process: Process = { serviceName: '', tags: [] };
  const warnings: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        traceId = r.bytes();
        break;
      case (2 << 3) | 2:
        spanId = r.bytes();
        break;
      case (3 << 3) | 2:
        operationName = r.string();
        break;
      case (4 << 3) | 2:
        references.push(decodeDomainSpanRef(r, r.lengthEnd()));
        break;
      case (5 << 3) | 0:
        flags = r.uint32();
        break;
      case (6 << 3) | 2:
        startTime = decodeTime(r, r.lengthEnd(), 'start_time', false) ?? 0;
        break;
      case (7 << 3) | 2:
        duration = decodeTime(r, r.lengthEnd(), 'duration', true)!;
        break;
      case (8 << 3) | 2:
        tags.push(decodeDomainKeyValue(r, r.lengthEnd()));
        break;
      case (9 << 3) | 2:
        logs.push(decodeDomainLog(r, r.lengthEnd()));
        break;
      case (10 << 3) | 2:
        process = decodeDomainProcess(r, r.lengthEnd());
        break;
      case (12 << 3) | 2:
        warnings.push(r.string());
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectAt(end);
  return { traceId: traceIdFromBytes(traceId), spanId: spanIdFromBytes(spanId), operationName, references, flags, startTime, duration, tags, logs, process, warnings };
}

function decodeDomainSpanRef(r: WireReader, end: number): SpanRef {
  let traceId: Uint8Array = EMPTY;
  let spanId: Uint8Array = EMPTY;
  let refType = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) traceId = r.bytes();
    else if (tag === ((2 << 3) | 2)) spanId = r.bytes();
    else if (tag === ((3 << 3) | 0)) refType = r.int32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  const type = REF_TYPES[refType];
  if (type === undefined) throw new InvalidArgumentError(`reference: unknown type ${refType}`);
  return { refType: type, traceId: traceIdFromBytes(traceId), spanId: spanIdFromBytes(spanId) };
}

/** A Timestamp (µs, undefined for Go's zero time) or, with `isDuration`, a Duration (µs). */
function decodeTime(r: WireReader, end: number, field: string, isDuration: boolean): number | undefined {
  let seconds = 0;
  let nanos = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 0)) seconds = r.int64Number();
    else if (tag === ((2 << 3) | 0)) nanos = r.int32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return isDuration ? durationPartsToMicros(seconds, nanos, field) : timestampPartsToMicros(seconds, nanos, field);
}

function decodeDomainKeyValue(r: WireReader, end: number): KeyValue {
  let key = '';
  let vType = 0;
  let vStr = '';
  let vBool = false;
  let vInt64 = 0n;
  let vFloat64 = 0;
  let vBinary: Uint8Array | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        key = r.string();
        break;
      case (2 << 3) | 0:
        vType = r.int32();
        break;
      case (3 << 3) | 2:
        vStr = r.string();
        break;
      case (4 << 3) | 0:
        vBool = r.bool();
        break;
      case (5 << 3) | 0:
        vInt64 = r.int64BigInt();
        break;
      case (6 << 3) | 1:
        vFloat64 = r.double();
        break;
      case (7 << 3) | 2:
        vBinary = r.bytesCopy();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectAt(end);
  switch (vType) {
    case 0:
      return { key, type: 'string', value: vStr };
    case 1:
      return { key, type: 'bool', value: vBool };
    case 2:
      return { key, type: 'int64', value: vInt64 };
    case 3:
      return { key, type: 'float64', value: vFloat64 };
    case 4:
      return { key, type: 'binary', value: vBinary ?? new Uint8Array(0) };
    default:
      throw new InvalidArgumentError(`tag "${key.slice(0, 40)}": unknown value type ${vType}`);
  }
}

function decodeDomainLog(r: WireReader, end: number): Log {
  let timestamp = 0;
  const fields: KeyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) timestamp = decodeTime(r, r.lengthEnd(), 'log timestamp', false) ?? 0;
    else if (tag === ((2 << 3) | 2)) fields.push(decodeDomainKeyValue(r, r.lengthEnd()));
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return { timestamp, fields };
}

/** Like protobufjs, a repeated occurrence of a singular message field replaces the earlier one. */
function decodeDomainProcess(r: WireReader, end: number): Process {
  const p: Process = { serviceName: '', tags: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) p.serviceName = r.string();
    else if (tag === ((2 << 3) | 2)) p.tags.push(decodeDomainKeyValue(r, r.lengthEnd()));
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return p;
}

// ---- OTLP ExportTraceServiceRequest ---------------------------------------------------------

export function decodeExportTraceServiceRequest(buf: Buffer): { resourceSpans: OtlpResourceSpans[] } {
  const r = new WireReader(buf);
  const resourceSpans: OtlpResourceSpans[] = [];
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) resourceSpans.push(decodeResourceSpans(r, r.lengthEnd()));
    else r.skip(tag & 7);
  }
  return { resourceSpans };
}

function decodeResourceSpans(r: WireReader, end: number): OtlpResourceSpans {
  const rs: OtlpResourceSpans = { resource: null, scopeSpans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) rs.resource = decodeResource(r, r.lengthEnd());
    else if (tag === ((2 << 3) | 2)) rs.scopeSpans!.push(decodeScopeSpans(r, r.lengthEnd()));
    else if (tag === ((3 << 3) | 2)) rs.schemaUrl = r.string();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return rs;
}

function decodeResource(r: WireReader, end: number): OtlpResource {
  const res: OtlpResource = { attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) res.attributes!.push(decodeOtlpKeyValue(r, r.lengthEnd()));
    else if (tag === ((2 << 3) | 0)) res.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return res;
}

function decodeScopeSpans(r: WireReader, end: number): OtlpScopeSpans {
  const ss: OtlpScopeSpans = { scope: null, spans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) ss.scope = decodeScope(r, r.lengthEnd());
    else if (tag === ((2 << 3) | 2)) ss.spans!.push(decodeOtlpSpan(r, r.lengthEnd()));
    else if (tag === ((3 << 3) | 2)) ss.schemaUrl = r.string();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return ss;
}

function decodeScope(r: WireReader, end: number): OtlpScope {
  const scope: OtlpScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) scope.name = r.string();
    else if (tag === ((2 << 3) | 2)) scope.version = r.string();
    else if (tag === ((3 << 3) | 2)) scope.attributes!.push(decodeOtlpKeyValue(r, r.lengthEnd()));
    else if (tag === ((4 << 3) | 0)) scope.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return scope;
}

function decodeOtlpSpan(r: WireReader, end: number): OtlpSpan {
  const span: OtlpSpan = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: '0',
    endTimeUnixNano: '0',
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: null,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        span.traceId = r.bytes();
        break;
      case (2 << 3) | 2:
        span.spanId = r.bytes();
        break;
      case (3 << 3) | 2:
        span.traceState = r.string();
        break;
      case (4 << 3) | 2:
        span.parentSpanId = r.bytes();
        break;
      case (5 << 3) | 2:
        span.name = r.string();
        break;
      case (6 << 3) | 0:
        span.kind = r.int32();
        break;
      case (7 << 3) | 1:
        span.startTimeUnixNano = r.fixed64String();
        break;
      case (8 << 3) | 1:
        span.endTimeUnixNano = r.fixed64String();
        break;
      case (9 << 3) | 2:
        span.attributes!.push(decodeOtlpKeyValue(r, r.lengthEnd()));
        break;
      case (10 << 3) | 0:
        span.droppedAttributesCount = r.uint32();
        break;
      case (11 << 3) | 2:
        span.events!.push(decodeEvent(r, r.lengthEnd()));
        break;
      case (12 << 3) | 0:
        span.droppedEventsCount = r.uint32();
        break;
      case (13 << 3) | 2:
        span.links!.push(decodeLink(r, r.lengthEnd()));
        break;
      case (14 << 3) | 0:
        span.droppedLinksCount = r.uint32();
        break;
      case (15 << 3) | 2:
        span.status = decodeStatus(r, r.lengthEnd());
        break;
      case (16 << 3) | 5:
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectAt(end);
  return span;
}

function decodeEvent(r: WireReader, end: number): OtlpEvent {
  const ev: OtlpEvent = { timeUnixNano: '0', name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 1)) ev.timeUnixNano = r.fixed64String();
    else if (tag === ((2 << 3) | 2)) ev.name = r.string();
    else if (tag === ((3 << 3) | 2)) ev.attributes!.push(decodeOtlpKeyValue(r, r.lengthEnd()));
    else if (tag === ((4 << 3) | 0)) ev.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return ev;
}

function decodeLink(r: WireReader, end: number): OtlpLink {
  const link: OtlpLink = { traceId: EMPTY, spanId: EMPTY, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) link.traceId = r.bytes();
    else if (tag === ((2 << 3) | 2)) link.spanId = r.bytes();
    else if (tag === ((3 << 3) | 2)) link.traceState = r.string();
    else if (tag === ((4 << 3) | 2)) link.attributes!.push(decodeOtlpKeyValue(r, r.lengthEnd()));
    else if (tag === ((5 << 3) | 0)) link.droppedAttributesCount = r.uint32();
    else if (tag === ((6 << 3) | 5)) link.flags = r.fixed32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return link;
}

function decodeStatus(r: WireReader, end: number): OtlpStatus {
  const status: OtlpStatus = { message: '', code: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | 2)) status.message = r.string();
    else if (tag === ((3 << 3) | 0)) status.code = r.int32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return status;
}

function decodeOtlpKeyValue(r: WireReader, end: number): OtlpKeyValue {
  const kv: OtlpKeyValue = { key: '', value: null };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) kv.key = r.string();
    else if (tag === ((2 << 3) | 2)) kv.value = decodeAnyValue(r, r.lengthEnd());
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  return kv;
}

/** AnyValue's oneof: the last member on the wire wins, named in `value` (proto-loader `oneofs: true`). */
function decodeAnyValue(r: WireReader, end: number): OtlpAnyValue {
  let v: OtlpAnyValue = {};
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        v = { stringValue: r.string(), value: 'stringValue' };
        break;
      case (2 << 3) | 0:
        v = { boolValue: r.bool(), value: 'boolValue' };
        break;
      case (3 << 3) | 0:
        v = { intValue: r.int64String(), value: 'intValue' };
        break;
      case (4 << 3) | 1:
        v = { doubleValue: r.double(), value: 'doubleValue' };
        break;
      case (5 << 3) | 2: {
        const valuesEnd = r.lengthEnd();
        const values: OtlpAnyValue[] = [];
        while (r.pos < valuesEnd) {
          const t = r.uint32();
          if (t === ((1 << 3) | 2)) values.push(decodeAnyValue(r, r.lengthEnd()));
          else r.skip(t & 7);
        }
        r.expectAt(valuesEnd);
        v = { arrayValue: { values }, value: 'arrayValue' };
        break;
      }
      case (6 << 3) | 2: {
        const valuesEnd = r.lengthEnd();
        const values: OtlpKeyValue[] = [];
        while (r.pos < valuesEnd) {
          const t = r.uint32();
          if (t === ((1 << 3) | 2)) values.push(decodeOtlpKeyValue(r, r.lengthEnd()));
          else r.skip(t & 7);
        }
        r.expectAt(valuesEnd);
        v = { kvlistValue: { values }, value: 'kvlistValue' };
        break;
      }
      case (7 << 3) | 2:
        v = { bytesValue: r.bytes(), value: 'bytesValue' };
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectAt(end);
  return v;
}

const TWO_32 = 4294967296;

/** 0 ≤ n < 10^6 as exactly six digits. */
function pad6(n: number): string {
  return n >= 1e5 ? String(n) : String(n + 1e6).slice(1);
}

/** Protobuf wire primitives over a Buffer; every read is bounds-checked. */
class WireReader {
  pos = 0;
  readonly end: number;

  constructor(private readonly buf: Buffer) {
    this.end = buf.length;
  }

  private fail(what: string): never {
    throw new Error(`invalid protobuf: ${what} at offset ${this.pos}`);
  }

  /** High 32 bits (unsigned) of the last varint read (the halves avoid an allocation per varint). */
  private hi = 0;

  /** A varint: returns its low 32 bits unsigned and leaves the high 32 bits in `hi`. */
  private varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
      shift += 7;
    }
    return this.fail('varint longer than 10 bytes');
  }

  uint32(): number {
    // One byte: tags and short lengths, nearly every varint of a span.
    if (this.pos < this.end) {
      const b = this.buf[this.pos];
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    return this.varint();
  }

  int32(): number {
    return this.varint() | 0;
  }

  bool(): boolean {
    const lo = this.varint();
    return lo !== 0 || this.hi !== 0;
  }

  /** int64 as a decimal string (proto-loader's `longs: String`). */
  int64String(): string {
    const lo = this.varint();
    const hi = this.hi;
    if (hi === 0) return String(lo);
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a number: exact within ±2^53, the nearest double beyond. */
  int64Number(): number {
    const lo = this.varint();
    return (this.hi | 0) * TWO_32 + lo;
  }

  /** int64 as a bigint, exact. */
  int64BigInt(): bigint {
    const lo = this.varint();
    const hi = this.hi;
    if (hi === 0) return BigInt(lo);
    if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** fixed64 (unsigned) as a decimal string. */
  fixed64String(): string {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    // Exact in doubles, without BigInt (ns timestamps are all beyond 2^53): with
    // 2^32 = 4294·10^6 + 967296, value = (hi·4294 + ⌊low6 / 10^6⌋)·10^6 + low6 mod 10^6.
    const low6 = hi * 967296 + lo;
    let q = Math.floor(low6 / 1e6);
    let rest = low6 - q * 1e6;
    if (rest < 0) {
      q--;
      rest += 1e6;
    } else if (rest >= 1e6) {
      q++;
      rest -= 1e6;
    }
    // top < 1.9·10^13: as two small integers, which convert to text much faster than a double.
    const top = hi * 4294 + q;
    const topHigh = Math.floor(top / 1e6);
    const topLow = top - topHigh * 1e6;
    return (topHigh > 0 ? String(topHigh) + pad6(topLow) : String(topLow)) + pad6(rest);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns where the delimited value ends. */
  lengthEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) this.fail('length beyond the message');
    return end;
  }

  /** A length-delimited field copied out of the message (so the result does not keep the request alive). */
  bytesCopy(): Uint8Array {
    const end = this.lengthEnd();
    const out = new Uint8Array(end - this.pos);
    out.set(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  bytes(): Buffer {
    const end = this.lengthEnd();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.lengthEnd();
    // Buffer's own utf8Slice (what toString calls after checking its arguments, as protobufjs does).
    const out = (this.buf as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(this.pos, end);
    this.pos = end;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) this.fail('truncated field');
  }

  expectAt(end: number): void {
    if (this.pos !== end) this.fail('field crosses its message boundary');
  }
}
