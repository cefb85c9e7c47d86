// Over 400 lines: one pass over the nested OTLP messages (request → resources → scopes → spans → events, links, values), each level reading the next with the same reader and error location; split, each part would re-state them.
/**
 * OTLP ExportTraceServiceRequest bytes → domain Spans in one pass, with no intermediate object
 * tree: each span's OTLP fields are read straight into OtelSpanFields and its Jaeger v1 view is
 * derived by model/otel.ts spanFromOtel, the one OTLP → v1 rule. The result and the errors equal
 * those of formats/otlp.ts spansFromOtlp over @grpc/proto-loader's decoding of the same bytes (a
 * property test checks both); the field rules shared with it (ids, times, kind) are its exported
 * functions. Field numbers: proto/opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto. Like protobufjs, a repeated occurrence of a singular message field
 * replaces the earlier one and the last member of a oneof wins.
 */
import type { At } from '../formats/otlp.js';
import { spanIdField, spanKindField, spanTimesFromMicros, spanTimesFromNanos, traceIdField } from '../formats/otlp.js';
import type { AnyValue, Attribute, OtelEvent, OtelLink, OtelResource, OtelScope, OtelSpanFields, Span, SpanCore } from '../model/index.js';
import { processOfResource, scopeTagsOf, spanFromOtel } from '../model/index.js';
import { WireReader, type WireStrings } from './wire-reader.js';

/**
 * The spans of an encoded ExportTraceServiceRequest, in wire order. `where` prefixes the location
 * in error messages (InputFormatError, as spansFromOtlp words them); malformed bytes throw Error
 * "invalid protobuf: …". Not validated beyond what the mapping itself refuses: the store validates.
 * `strings`, the decoding thread's WireStrings, shares repeated strings between spans and requests.
 */
export function spansFromExportRequest(bytes: Buffer, where = 'Export', strings?: WireStrings): Span[] {
  return new ExportDecoder(bytes, where, strings).decode();
}

/** A span decoded up to its v1 view, which needs the whole resource and scope (they may follow it on the wire). */
interface DecodedSpan {
  core: SpanCore;
  otel: OtelSpanFields;
}

/** Start and end of a span's id fields in the message (−1: absent), checked once the span is read. */
interface LinkIds {
  link: OtelLink;
  traceStart: number;
  traceEnd: number;
  spanStart: number;
  spanEnd: number;
}

const EMPTY_IDS = -1;
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
/**
 * Below this high half of a fixed64 ns time, ⌊ns / 1000⌋ = high·4294967 + ⌊(high·296 + low) / 1000⌋
 * (as 2^32 = 4294967·1000 + 296) stays below 2^53, so doubles compute it exactly; times beyond
 * (after the year 2242) take the BigInt path.
 */
const EXACT_HIGH_LIMIT = 2_000_000_000;

class ExportDecoder {
  private readonly r: WireReader;
  private readonly out: Span[] = [];
  /** The AnyValue last decoded (so an attribute is built as one object). */
  private valueType: AnyValue['type'] = 'empty';
  private value: AnyValue['value'] = null;
  /** Where the last trace id converted starts in the message, and its text (spans of a trace share one string). */
  private lastTraceIdAt = EMPTY_IDS;
  private lastTraceId = '';

  constructor(
    bytes: Buffer,
    private readonly where: string,
    strings: WireStrings | undefined,
  ) {
    this.r = new WireReader(bytes, strings);
  }

  decode(): Span[] {
    const r = this.r;
    let ri = 0;
    while (r.pos < r.end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) this.resourceSpans(r.lengthEnd(), ri++);
      else r.skip(tag & 7);
    }
    return this.out;
  }

  private resourceSpans(end: number, ri: number): void {
    const r = this.r;
    const resource: OtelResource = { attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
    const scopes: { scope: OtelScope; spans: DecodedSpan[] }[] = [];
    let si = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) this.resource(r.lengthEnd(), resource);
      else if (tag === ((2 << 3) | 2)) scopes.push(this.scopeSpans(r.lengthEnd(), ri, si++, resource));
      else if (tag === ((3 << 3) | 2)) resource.schemaUrl = r.string();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
    const process = processOfResource(resource);
    for (const { scope, spans } of scopes) {
      const scopeTags = scopeTagsOf(scope);
      for (const s of spans) this.out.push(spanFromOtel(s.core, s.otel, process, scopeTags));
    }
  }

  private resource(end: number, resource: OtelResource): void {
    const r = this.r;
    resource.attributes = [];
    resource.droppedAttributesCount = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) resource.attributes.push(this.keyValue(r.lengthEnd()));
      else if (tag === ((2 << 3) | 0)) resource.droppedAttributesCount = r.uint32();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
  }

  private scopeSpans(end: number, ri: number, si: number, resource: OtelResource): { scope: OtelScope; spans: DecodedSpan[] } {
    const r = this.r;
    const scope: OtelScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
    const spans: DecodedSpan[] = [];
    // One location for the scope's spans, naming the one being decoded (errors are made while it is).
    let pi = 0;
    const at = () => `${this.where}: resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]`;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((2 << 3) | 2)) {
        spans.push(this.span(r.lengthEnd(), resource, scope, at));
        pi++;
      } else if (tag === ((1 << 3) | 2)) this.scope(r.lengthEnd(), scope);
      else if (tag === ((3 << 3) | 2)) scope.schemaUrl = r.string();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
    return { scope, spans };
  }

  private scope(end: number, scope: OtelScope): void {
    const r = this.r;
    scope.name = '';
    scope.version = '';
    scope.attributes = [];
    scope.droppedAttributesCount = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) scope.name = r.string();
      else if (tag === ((2 << 3) | 2)) scope.version = r.string();
      else if (tag === ((3 << 3) | 2)) scope.attributes.push(this.keyValue(r.lengthEnd()));
      else if (tag === ((4 << 3) | 0)) scope.droppedAttributesCount = r.uint32();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
  }

  private span(end: number, resource: OtelResource, scope: OtelScope, at: () => string): DecodedSpan {
    const r = this.r;
    let traceStart = EMPTY_IDS;
    let traceEnd = EMPTY_IDS;
    let spanStart = EMPTY_IDS;
    let spanEnd = EMPTY_IDS;
    let parentStart = EMPTY_IDS;
    let parentEnd = EMPTY_IDS;
    let traceState = '';
    let name = '';
    let kind = 0;
    let startLow = 0;
    let startHigh = 0;
    let endLow = 0;
    let endHigh = 0;
    const attributes: Attribute[] = [];
    let droppedAttributesCount = 0;
    const events: OtelEvent[] = [];
    let droppedEventsCount = 0;
    let links: LinkIds[] | undefined;
    let droppedLinksCount = 0;
    let statusCode = 0;
    let statusMessage = '';
    let flags = 0;
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
          traceState = r.string();
          break;
        case (4 << 3) | 2:
          parentEnd = r.lengthEnd();
          parentStart = r.pos;
          r.pos = parentEnd;
          break;
        case (5 << 3) | 2:
          name = r.string();
          break;
        case (6 << 3) | 0:
          kind = r.int32();
          break;
        case (7 << 3) | 1:
          startLow = r.fixed64Low();
          startHigh = r.high;
          break;
        case (8 << 3) | 1:
          endLow = r.fixed64Low();
          endHigh = r.high;
          break;
        case (9 << 3) | 2:
          attributes.push(this.keyValue(r.lengthEnd()));
          break;
        case (10 << 3) | 0:
          droppedAttributesCount = r.uint32();
          break;
        case (11 << 3) | 2:
          events.push(this.event(r.lengthEnd()));
          break;
        case (12 << 3) | 0:
          droppedEventsCount = r.uint32();
          break;
        case (13 << 3) | 2:
          (links ??= []).push(this.link(r.lengthEnd()));
          break;
        case (14 << 3) | 0:
          droppedLinksCount = r.uint32();
          break;
        case (15 << 3) | 2: {
          const statusEnd = r.lengthEnd();
          statusCode = 0;
          statusMessage = '';
          while (r.pos < statusEnd) {
            const t = r.uint32();
            if (t === ((2 << 3) | 2)) statusMessage = r.string();
            else if (t === ((3 << 3) | 0)) statusCode = r.int32();
            else r.skip(t & 7);
          }
          r.expectAt(statusEnd);
          break;
        }
        case (16 << 3) | 5:
          flags = r.fixed32();
          break;
        default:
          r.skip(tag & 7);
      }
    }
    r.expectAt(end);

    // Checked in spansFromOtlp's order, so a span with several faults is refused for the same one.
    const traceId = this.traceId(traceStart, traceEnd, at);
    const spanId = this.spanId(spanStart, spanEnd, true, at, 'spanId');
    let times;
    if (startHigh < EXACT_HIGH_LIMIT && endHigh < EXACT_HIGH_LIMIT) {
      const startBelow = startHigh * 296 + startLow;
      const endBelow = endHigh * 296 + endLow;
      const startQ = Math.floor(startBelow / 1000);
      const endQ = Math.floor(endBelow / 1000);
      times = spanTimesFromMicros(startHigh * 4294967 + startQ, startBelow - startQ * 1000, endHigh * 4294967 + endQ, endBelow - endQ * 1000, at);
    } else {
      times = spanTimesFromNanos(nanosOf(startLow, startHigh), nanosOf(endLow, endHigh), at);
    }
    spanKindField(kind, at);
    const parentSpanId = parentEnd > parentStart ? this.spanId(parentStart, parentEnd, false, at, 'parentSpanId') : '';
    const otelLinks: OtelLink[] = [];
    if (links) {
      for (let li = 0; li < links.length; li++) {
        const ids = links[li];
        const lat = () => `${at()}.links[${li}]`;
        ids.link.traceId = this.traceId(ids.traceStart, ids.traceEnd, lat);
        ids.link.spanId = this.spanId(ids.spanStart, ids.spanEnd, true, lat, 'spanId');
        otelLinks.push(ids.link);
      }
    }
    const otel: OtelSpanFields = {
      resource,
      scope,
      traceState,
      parentSpanId,
      kind,
      startNanos: times.startNanos,
      durationNanos: times.durationNanos,
      attributes,
      droppedAttributesCount,
      events,
      droppedEventsCount,
      links: otelLinks,
      droppedLinksCount,
      statusCode,
      statusMessage,
    };
    return { core: { traceId, spanId, operationName: name, flags, startTime: times.startTime, duration: times.duration }, otel };
  }

  /** The trace id at [start, end): 16 non-zero bytes directly (the text shared with the previous span's when equal), anything else as traceIdField judges it. */
  private traceId(start: number, end: number, at: At): string {
    const r = this.r;
    if (end - start === TRACE_ID_BYTES) {
      if (this.lastTraceIdAt >= 0 && r.sameBytes(start, this.lastTraceIdAt, TRACE_ID_BYTES)) return this.lastTraceId;
      if (!r.isZero(start, end)) {
        this.lastTraceIdAt = start;
        return (this.lastTraceId = r.hex(start, end));
      }
    }
    return traceIdField(at, 'traceId', start < 0 ? undefined : r.buf.subarray(start, end));
  }

  /** A span id at [start, end): 8 bytes (not all zero when `required`) directly, anything else as spanIdField judges it. */
  private spanId(start: number, end: number, required: boolean, at: At, field: string): string {
    const r = this.r;
    if (end - start === SPAN_ID_BYTES && !(required && r.isZero(start, end))) return r.hex(start, end);
    return spanIdField(at, field, start < 0 ? undefined : r.buf.subarray(start, end), required);
  }

  private event(end: number): OtelEvent {
    const r = this.r;
    let low = 0;
    let high = 0;
    let name = '';
    const attributes: Attribute[] = [];
    let droppedAttributesCount = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 1)) {
        low = r.fixed64Low();
        high = r.high;
      } else if (tag === ((2 << 3) | 2)) name = r.string();
      else if (tag === ((3 << 3) | 2)) attributes.push(this.keyValue(r.lengthEnd()));
      else if (tag === ((4 << 3) | 0)) droppedAttributesCount = r.uint32();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
    return { timeUnixNano: nanosOf(low, high), name, attributes, droppedAttributesCount };
  }

  /** A link with its ids still to convert (after the span's own fields, in spansFromOtlp's order). */
  private link(end: number): LinkIds {
    const r = this.r;
    const ids: LinkIds = {
      link: { traceId: '', spanId: '', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
      traceStart: EMPTY_IDS,
      traceEnd: EMPTY_IDS,
      spanStart: EMPTY_IDS,
      spanEnd: EMPTY_IDS,
    };
    const link = ids.link;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) {
        ids.traceEnd = r.lengthEnd();
        ids.traceStart = r.pos;
        r.pos = ids.traceEnd;
      } else if (tag === ((2 << 3) | 2)) {
        ids.spanEnd = r.lengthEnd();
        ids.spanStart = r.pos;
        r.pos = ids.spanEnd;
      } else if (tag === ((3 << 3) | 2)) link.traceState = r.string();
      else if (tag === ((4 << 3) | 2)) link.attributes.push(this.keyValue(r.lengthEnd()));
      else if (tag === ((5 << 3) | 0)) link.droppedAttributesCount = r.uint32();
      else if (tag === ((6 << 3) | 5)) link.flags = r.fixed32();
      else r.skip(tag & 7);
    }
    r.expectAt(end);
    return ids;
  }

  private keyValue(end: number): Attribute {
    const r = this.r;
    let key = '';
    let type: AnyValue['type'] = 'empty';
    let value: AnyValue['value'] = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 2)) key = r.string();
      else if (tag === ((2 << 3) | 2)) {
        this.anyValue(r.lengthEnd());
        type = this.valueType;
        value = this.value;
      } else r.skip(tag & 7);
    }
    r.expectAt(end);
    return { key, type, value } as Attribute;
  }

  /** Decodes an AnyValue into valueType / value; no member set is the empty value. */
  private anyValue(end: number): void {
    const r = this.r;
    let type: AnyValue['type'] = 'empty';
    let value: AnyValue['value'] = null;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | 2:
          type = 'string';
          value = r.string();
          break;
        case (2 << 3) | 0:
          type = 'bool';
          value = r.bool();
          break;
        case (3 << 3) | 0:
          type = 'int64';
          value = r.int64BigInt();
          break;
        case (4 << 3) | 1:
          type = 'float64';
          value = r.double();
          break;
        case (5 << 3) | 2: {
          const valuesEnd = r.lengthEnd();
          const values: AnyValue[] = [];
          while (r.pos < valuesEnd) {
            const t = r.uint32();
            if (t === ((1 << 3) | 2)) {
              this.anyValue(r.lengthEnd());
              values.push({ type: this.valueType, value: this.value } as AnyValue);
            } else r.skip(t & 7);
          }
          r.expectAt(valuesEnd);
          type = 'array';
          value = values;
          break;
        }
        case (6 << 3) | 2: {
          const valuesEnd = r.lengthEnd();
          const values: Attribute[] = [];
          while (r.pos < valuesEnd) {
            const t = r.uint32();
            if (t === ((1 << 3) | 2)) values.push(this.keyValue(r.lengthEnd()));
            else r.skip(t & 7);
          }
          r.expectAt(valuesEnd);
          type = 'map';
          value = values;
          break;
        }
        case (7 << 3) | 2:
          type = 'binary';
          value = r.bytesCopy();
          break;
        default:
          r.skip(tag & 7);
      }
    }
    r.expectAt(end);
    this.valueType = type;
    this.value = value;
  }
}

/** A fixed64 ns time as a bigint. */
function nanosOf(low: number, high: number): bigint {
  return high < 0x200000 ? BigInt(high * 4294967296 + low) : (BigInt(high) << 32n) | BigInt(low);
}
