import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OtlpResourceSpans } from '../../../src/formats/otlp.js';
import { otlpFromSpans, spansFromOtlp } from '../../../src/formats/otlp.js';
import type { Span } from '../../../src/model/index.js';
import { spansFromExportRequest } from '../../../src/plugin/otlp-wire-decoder.js';
import { WireStrings } from '../../../src/plugin/wire-reader.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';
import { jaegerSpan } from '../../support/jaeger-span-arbitrary.js';
import { otlpRequest, traceIdList } from '../../support/otlp-arbitrary.js';

const exportMethod = serviceDefinition('traceService').Export;

/** The reference: @grpc/proto-loader's decoding mapped by formats/otlp.ts spansFromOtlp. */
const viaProtoLoader = (bytes: Buffer) => spansFromOtlp((exportMethod.requestDeserialize(bytes) as { resourceSpans: OtlpResourceSpans[] }).resourceSpans, 'Export');

/** Spans, or the error's class and message. */
function outcome(decode: () => Span[]): { spans: Span[] } | { error: string } {
  try {
    return { spans: decode() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

function expectSameAsProtoLoader(bytes: Buffer): void {
  expect(outcome(() => spansFromExportRequest(bytes))).toStrictEqual(outcome(() => viaProtoLoader(bytes)));
}

// Ids mostly of the right length, sometimes of any length up to it (empty, short, all zero).
const id = (n: number) =>
  fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: n }) }).map((b) => Buffer.from(b));
const { anyValue } = fc.letrec((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({}),
    fc.record({ stringValue: fc.string() }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string(), value: tie('anyValue') }), { maxLength: 3 }) }) }),
  ),
}));
const attrs = fc.array(fc.record({ key: fc.constantFrom('service.name', '@jaeger@warnings', 'opentracing.ref_type', 'k'), value: anyValue }), { maxLength: 4 });
// ns times over the whole fixed64 range, and near today (where the µs are safe integers).
const MAX_FIXED64 = 2n ** 64n - 1n;
const nanosBig = fc.oneof(fc.bigInt({ min: 0n, max: MAX_FIXED64 }), fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_700_000_100_000_000_000n }));
const nanos = nanosBig.map(String);
// Start and end: mostly in order (so the checks after the times are reached), sometimes anything.
const startEnd = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(nanosBig, fc.bigInt({ min: 0n, max: 10n ** 12n })).map(([s, d]) => [s, s + d > MAX_FIXED64 ? MAX_FIXED64 : s + d]) },
  { weight: 1, arbitrary: fc.tuple(nanosBig, nanosBig) },
);
const otlpSpan = fc.record({
  times: startEnd,
  traceId: id(16),
  spanId: id(8),
  traceState: fc.string(),
  parentSpanId: fc.oneof(fc.constant(Buffer.alloc(0)), id(8)),
  flags: fc.nat({ max: 2 ** 32 - 1 }),
  name: fc.string(),
  kind: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 6 }) }),
  attributes: attrs,
  droppedAttributesCount: fc.nat({ max: 2 ** 32 - 1 }),
  events: fc.array(fc.record({ timeUnixNano: nanos, name: fc.string(), attributes: attrs, droppedAttributesCount: fc.nat() }), { maxLength: 2 }),
  links: fc.array(fc.record({ traceId: id(16), spanId: id(8), traceState: fc.string(), attributes: attrs, flags: fc.nat() }), { maxLength: 2 }),
  status: fc.option(fc.record({ message: fc.string(), code: fc.integer({ min: 0, max: 2 }) })),
}).map(({ times, ...span }) => ({ ...span, startTimeUnixNano: String(times[0]), endTimeUnixNano: String(times[1]) }));
const resourceSpans = fc.record({
  resource: fc.option(fc.record({ attributes: attrs, droppedAttributesCount: fc.nat() })),
  scopeSpans: fc.array(fc.record({ scope: fc.option(fc.record({ name: fc.string(), version: fc.string(), attributes: attrs })), spans: fc.array(otlpSpan, { maxLength: 3 }), schemaUrl: fc.string() }), { maxLength: 2 }),
  schemaUrl: fc.string(),
});
const request = fc.record({ resourceSpans: fc.array(resourceSpans, { maxLength: 2 }) });

/** The body of the single length-delimited field 1 of an encoded message (what `tag len body` carries). */
function field1Body(bytes: Buffer): Buffer {
  expect(bytes[0]).toBe(0x0a);
  let len = 0;
  let shift = 0;
  let at = 1;
  for (;;) {
    const b = bytes[at++];
    len += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) break;
  }
  expect(at + len).toBe(bytes.length);
  return bytes.subarray(at);
}

/** `tag 0x0a, len, body` for field 1. */
function asField1(body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), body]);
}

describe('plugin/otlp-wire-decoder', () => {
  it('decodes ExportTraceServiceRequest into the spans and errors proto-loader + spansFromOtlp give', () => {
    fc.assert(
      fc.property(request, (req) => expectSameAsProtoLoader(exportMethod.requestSerialize(req))),
      { numRuns: 400 },
    );
  });

  it('equals the reference on the requests the serve property tests send, and on converted Jaeger spans', () => {
    fc.assert(
      fc.property(
        traceIdList.chain((ids) => otlpRequest(ids)),
        (rs) => expectSameAsProtoLoader(exportMethod.requestSerialize({ resourceSpans: rs })),
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.array(jaegerSpan, { maxLength: 5 }), (spans) => expectSameAsProtoLoader(exportMethod.requestSerialize({ resourceSpans: otlpFromSpans(spans) }))),
      { numRuns: 100 },
    );
  });

  it('decodes the same with shared strings, also when strings collide in the table or repeat across requests', () => {
    // Two slots: nearly every string shares a slot with another, so hits, misses and replacements all happen.
    const tiny = new WireStrings(2);
    const large = new WireStrings();
    fc.assert(
      fc.property(request, (req) => {
        const bytes = exportMethod.requestSerialize(req);
        const expected = outcome(() => viaProtoLoader(bytes));
        for (const strings of [tiny, large, tiny, large]) expect(outcome(() => spansFromExportRequest(bytes, 'Export', strings))).toStrictEqual(expected);
      }),
      { numRuns: 200 },
    );
    // Multi-byte UTF-8, a lone surrogate (written as bytes that are not UTF-8), the longest string kept and one past it, each read twice.
    const texts = ['é—𝄞', 'ab\ud800', 'x'.repeat(64), 'x'.repeat(65), ''];
    const strings = new WireStrings();
    for (const text of texts) {
      const bytes = exportMethod.requestSerialize({
        resourceSpans: [{ resource: { attributes: [{ key: text, value: { stringValue: text } }] }, scopeSpans: [{ scope: { name: text }, spans: [] }] }],
      });
      for (let i = 0; i < 2; i++) expect(spansFromExportRequest(bytes, 'Export', strings)).toStrictEqual(viaProtoLoader(bytes));
    }
    expect(() => new WireStrings(3)).toThrow(/power of two/);
    expect(() => new WireStrings(1)).toThrow(/power of two/);
  });

  it('takes a resource, scope or status that follows the spans, or comes twice, as proto-loader does', () => {
    // Two encodings of a ResourceSpans concatenated are one message whose later singular fields
    // (resource, scope, status) replace the earlier ones and whose repeated fields append.
    fc.assert(
      fc.property(resourceSpans, resourceSpans, (a, b) => {
        const body = (rs: typeof a) => field1Body(exportMethod.requestSerialize({ resourceSpans: [rs] }));
        expectSameAsProtoLoader(asField1(Buffer.concat([body(a), body(b)])));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the spans of one trace one trace id text, and copies bytes values out of the request', () => {
    const spans = [1, 2, 3].map((i) => ({
      traceId: 'ab'.repeat(16),
      spanId: `${i}`.padStart(16, '0'),
      operationName: 'op',
      references: [],
      flags: 0,
      startTime: 1_700_000_000_000_000,
      duration: 5,
      tags: [{ key: 'b', type: 'binary' as const, value: new Uint8Array([1, 2, 3]) }],
      logs: [],
      process: { serviceName: 's', tags: [] },
      warnings: [],
    }));
    const bytes = exportMethod.requestSerialize({ resourceSpans: otlpFromSpans(spans) });
    const decoded = spansFromExportRequest(bytes);
    expect(decoded.map((s) => s.traceId)).toStrictEqual(spans.map((s) => s.traceId));
    bytes.fill(0);
    expect(decoded[0].tags[0]).toStrictEqual({ key: 'b', type: 'binary', value: new Uint8Array([1, 2, 3]) });
  });

  it('rejects truncated or malformed requests with "invalid protobuf", never reading out of bounds', () => {
    const bytes = exportMethod.requestSerialize({
      resourceSpans: otlpFromSpans([{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), operationName: 'op', references: [], flags: 0, startTime: 1, duration: 1, tags: [{ key: 'k', type: 'float64', value: 1.5 }], logs: [], process: { serviceName: 's', tags: [] }, warnings: [] }]),
    });
    for (let cut = 1; cut < bytes.length; cut++) expect(() => spansFromExportRequest(bytes.subarray(0, cut))).toThrow(/invalid protobuf/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          spansFromExportRequest(Buffer.from(raw));
        } catch (err) {
          expect((err as Error).message).toMatch(/invalid protobuf|^Export: resourceSpans\[\d+\]\.scopeSpans\[\d+\]\.spans\[\d+\]/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
