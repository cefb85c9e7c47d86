/**
 * fast-check arbitraries of OTLP export requests in the shape @grpc/proto-loader gives and takes
 * (formats/otlp.ts): random resources, scopes, attributes of every value type (int64 over its whole
 * range, doubles including NaN, ±Infinity and -0, bytes, nested arrays and maps, the empty value),
 * events, links, trace states, flags and dropped counts. Keys are drawn partly from the names the
 * Jaeger translator gives meaning to, so the v1 view's special cases are hit too.
 */
import fc from 'fast-check';
import type { OtlpAnyValue, OtlpKeyValue, OtlpResourceSpans, OtlpSpan } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const smallCount = fc.oneof(fc.constant(0), uint32);

const SPECIAL_KEYS = ['service.name', '@jaeger@warnings', 'opentracing.ref_type', 'span.kind', 'error', 'otel.status_code', 'event', 'w3c.tracestate'];
const key = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_KEYS) });

const scalar: fc.Arbitrary<OtlpAnyValue> = fc.oneof(
  text.map((v) => ({ stringValue: v })),
  fc.boolean().map((v) => ({ boolValue: v })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((v) => ({ intValue: v.toString() })),
  fc.double().map((v) => ({ doubleValue: v })),
  fc.uint8Array({ maxLength: 8 }).map((v) => ({ bytesValue: Buffer.from(v) })),
  fc.constant({}),
);

const anyValue: fc.Arbitrary<OtlpAnyValue> = fc.letrec<{ value: OtlpAnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }).map((values) => ({ arrayValue: { values } })),
    fc.array(fc.record({ key: text, value: tie('value') }), { maxLength: 3 }).map((values) => ({ kvlistValue: { values } })),
  ),
})).value;

const attributes: fc.Arbitrary<OtlpKeyValue[]> = fc.array(fc.record({ key, value: anyValue }), { maxLength: 4 });
const traceState = fc.oneof(fc.constant(''), fc.constantFrom('congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), text);
const nonZero = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0)).map((b) => Buffer.from(b));

/** ns since the epoch, recent enough for every store's retention and µs safe as integers. */
const BASE_NS = BigInt(Date.now() - 3_600_000) * 1_000_000n;

function span(traceId: Buffer): fc.Arbitrary<OtlpSpan> {
  return fc
    .record({
      spanId: nonZero(8),
      traceState,
      parent: fc.option(nonZero(8), { nil: undefined }),
      name: text,
      kind: fc.integer({ min: 0, max: 5 }),
      startOffset: fc.bigInt({ min: 0n, max: 3_000_000_000_000n }),
      duration: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10_000_000_000n })),
      attributes,
      droppedAttributesCount: smallCount,
      events: fc.array(
        fc.record({ offset: fc.bigInt({ min: 0n, max: 10_000_000_000n }), name: text, attributes, droppedAttributesCount: smallCount }),
        { maxLength: 3 },
      ),
      droppedEventsCount: smallCount,
      links: fc.array(
        fc.record({
          traceId: fc.oneof(fc.constant(traceId), nonZero(16)),
          spanId: nonZero(8),
          traceState,
          attributes,
          droppedAttributesCount: smallCount,
          flags: uint32,
        }),
        { maxLength: 3 },
      ),
      droppedLinksCount: smallCount,
      status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: text }),
      flags: uint32,
    })
    .map((s) => {
      const start = BASE_NS + s.startOffset;
      return {
        traceId,
        spanId: s.spanId,
        traceState: s.traceState,
        parentSpanId: s.parent ?? Buffer.alloc(0),
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (start + s.duration).toString(),
        attributes: s.attributes,
        droppedAttributesCount: s.droppedAttributesCount,
        events: s.events.map((e) => ({ timeUnixNano: (start + e.offset).toString(), name: e.name, attributes: e.attributes, droppedAttributesCount: e.droppedAttributesCount })),
        droppedEventsCount: s.droppedEventsCount,
        links: s.links,
        droppedLinksCount: s.droppedLinksCount,
        status: s.status,
        flags: s.flags,
      };
    });
}

/** One export request's resource spans; every span's trace id is one of `traceIds`. */
export function otlpRequest(traceIds: readonly Buffer[]): fc.Arbitrary<OtlpResourceSpans[]> {
  const spanOf = fc.constantFrom(...traceIds).chain(span);
  return fc.array(
    fc.record({
      resource: fc.record({ attributes: fc.tuple(fc.option(text, { nil: undefined }), attributes).map(([service, rest]) => (service === undefined ? rest : [{ key: 'service.name', value: { stringValue: service } }, ...rest])), droppedAttributesCount: smallCount }),
      schemaUrl: fc.oneof(fc.constant(''), fc.constant('https://opentelemetry.io/schemas/1.21.0'), text),
      scopeSpans: fc.array(
        fc.record({
          scope: fc.record({ name: text, version: text, attributes, droppedAttributesCount: smallCount }),
          schemaUrl: fc.oneof(fc.constant(''), text),
          spans: fc.array(spanOf, { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  );
}

/** Distinct trace ids, 16 bytes, not all zero. */
export const traceIdList = fc.uniqueArray(nonZero(16), { minLength: 1, maxLength: 3, selector: (b) => b.toString('hex') });

/** Spans in a total order of their whole content: stores and regrouping by resource reorder them. */
export function canonicalOrder(spans: readonly Span[]): Span[] {
  const text = (s: Span) => JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  return spans
    .map((s) => ({ s, key: text(s) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.s);
}
