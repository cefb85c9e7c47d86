import { durationPartsToMicros, REF_TYPES, timestampPartsToMicros } from '../formats/proto-mapping.js';
import type { KeyValue, Log, Process, Span, SpanRef } from '../model/index.js';
import { InvalidArgumentError, spanIdFromBytes, traceIdFromBytes } from '../model/index.js';
import { WireReader, type WireStrings } from './wire-reader.js';

/**
 * jaeger.storage.v1.WriteSpanRequest bytes straight into the domain Span (the OTLP request has its
 * own decoder, otlp-wire-decoder.ts). Field numbers: proto/jaeger/api_v2/model.proto. Malformed
 * input throws.
 */
/**
 * The span of an encoded jaeger.storage.v1.WriteSpanRequest as a domain Span, or null when the
 * request has none — the same Span protoToSpan makes of proto-loader's object (a property test
 * checks the two agree), without building that object first. Throws InvalidArgumentError for
 * values the model refuses (ids of the wrong length, nanos out of range, unknown enum values) and
 * Error "invalid protobuf" for malformed bytes. Limits are left to validateSpan. The message is
 * bytes [start, end) of `buf`; `strings`, the decoding thread's WireStrings, shares repeated strings.
 */
export function decodeWriteSpanRequestSpan(buf: Buffer, strings?: WireStrings, start = 0, end = buf.length): Span | null {
  return new WriteSpanRequestDecoder(strings).span(buf, start, end);
}

/**
 * decodeWriteSpanRequestSpan for the messages of one stream: a message whose process has the same
 * bytes as the previous message's gets the same Process object (a stream's messages mostly come
 * from one process), as the OTLP decoder gives the spans of one resource one Process. The bytes
 * of the messages must stay unchanged while the decoder is in use.
 */
export class WriteSpanRequestDecoder {
  /** The last process decoded and where its bytes are. */
  private processBuf: Buffer | undefined;
  private processStart = 0;
  private processLength = -1;
  private process: Process | undefined;

  constructor(private readonly strings?: WireStrings) {}

  span(buf: Buffer, start = 0, end = buf.length): Span | null {
    const r = new WireReader(buf, this.strings, start, end);
    let span: Span | null = null;
    while (r.pos < r.end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) span = decodeDomainSpan(r, r.lengthEnd(), this);
      else r.skip(tag & 7);
    }
    return span;
  }

  /** The Process at bytes [r.pos, end): the previous one when the bytes are the same. */
  processAt(r: WireReader, end: number): Process {
    const start = r.pos;
    const length = end - start;
    const before = this.processBuf;
    if (before !== undefined && length === this.processLength) {
      const at = this.processStart;
      const buf = r.buf;
      let i = 0;
      while (i < length && buf[start + i] === before[at + i]) i++;
      if (i === length) {
        r.pos = end;
        return this.process!;
      }
    }
    const process = decodeDomainProcess(r, end);
    this.processBuf = r.buf;
    this.processStart = start;
    this.processLength = length;
    this.process = process;
    return process;
  }
}

function decodeDomainSpan(r: WireReader, end: number, decoder: WriteSpanRequestDecoder): Span {
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
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
        traceEnd = r.lengthEnd();
        traceStart = r.pos;
        r.pos = traceEnd;
        break;
      case (2 << 3) | 2:
        spanEnd = r.lengthEnd();
        spanStart = r.pos;
        r.pos = spanEnd;
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
        process = decoder.processAt(r, r.lengthEnd());
        break;
      case (12 << 3) | 2:
        warnings.push(r.string());
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectAt(end);
  const traceId = traceIdAt(r, traceStart, traceEnd);
  return { traceId, spanId: spanIdAt(r, spanStart, spanEnd), operationName, references, flags, startTime, duration, tags, logs, process, warnings };
}

/** traceIdFromBytes of bytes [start, end) of the message, without a view of them for the usual 16 bytes. */
function traceIdAt(r: WireReader, start: number, end: number): string {
  if (end - start === 16) return r.hex(start, end);
  return traceIdFromBytes(r.buf.subarray(start, end));
}

/** spanIdFromBytes of bytes [start, end) of the message, without a view of them for the usual 8 bytes. */
function spanIdAt(r: WireReader, start: number, end: number): string {
  if (end - start === 8) return r.hex(start, end);
  return spanIdFromBytes(r.buf.subarray(start, end));
}

function decodeDomainSpanRef(r: WireReader, end: number): SpanRef {
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let refType = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      traceEnd = r.lengthEnd();
      traceStart = r.pos;
      r.pos = traceEnd;
    } else if (tag === ((2 << 3) | 2)) {
      spanEnd = r.lengthEnd();
      spanStart = r.pos;
      r.pos = spanEnd;
    } else if (tag === ((3 << 3) | 0)) refType = r.int32();
    else r.skip(tag & 7);
  }
  r.expectAt(end);
  const type = REF_TYPES[refType];
  if (type === undefined) throw new InvalidArgumentError(`reference: unknown type ${refType}`);
  const traceId = traceIdAt(r, traceStart, traceEnd);
  return { refType: type, traceId, spanId: spanIdAt(r, spanStart, spanEnd) };
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
