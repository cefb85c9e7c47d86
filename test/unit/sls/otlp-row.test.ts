/**
 * Spans received as OTLP ⇄ SLS Trace rows: golden rows in the OpenTelemetry SLS exporter's form
 * (test/fixtures/sls: `traceState`, link attributes, `otlp.name` / `otlp.version`), exporter rows
 * read back whole, and an exact round trip over generated OTLP spans.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyValue, Attribute, OtelSpanFields, Span, SpanCore } from '../../../src/model/index.js';
import { spansFromOtlp } from '../../../src/formats/otlp.js';
import { spanFromOtel } from '../../../src/model/index.js';
import { rowToSpan, spanToContents, spanToSlsLog } from '../../../src/storage/sls/log-mapping.js';
import { otlpRequest, traceIdList } from '../../support/otlp-arbitrary.js';

const exporterRows = (JSON.parse(readFileSync(new URL('../../fixtures/sls/exporter-rows.json', import.meta.url), 'utf8')) as { rows: Record<string, string>[] }).rows;

const str = (key: string, value: string): Attribute => ({ key, type: 'string', value });
const int = (key: string, value: bigint): Attribute => ({ key, type: 'int64', value });

function otelSpan(overrides: Partial<OtelSpanFields> = {}, core: Partial<SpanCore> = {}): Span {
  const otel: OtelSpanFields = {
    resource: { attributes: [str('service.name', 'checkout'), str('host.name', 'node-7'), int('process.pid', 4242n)], droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 'io.opentelemetry.okhttp-3.0', version: '1.32.0-alpha', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
    traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    parentSpanId: '00f067aa0ba902b7',
    kind: 3,
    startNanos: 0,
    durationNanos: 0,
    attributes: [str('http.request.method', 'GET'), int('http.response.status_code', 503n), { key: 'retry.ratio', type: 'float64', value: 0.25 }],
    droppedAttributesCount: 0,
    events: [{ timeUnixNano: 1_700_000_000_124_000_123n, name: 'exception', attributes: [str('exception.type', 'java.net.SocketException'), { key: 'exception.escaped', type: 'bool', value: false }], droppedAttributesCount: 0 }],
    droppedEventsCount: 0,
    links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8', traceState: 'rojo=1', attributes: [str('link.reason', 'retry-of'), int('retry.attempt', 2n)], droppedAttributesCount: 0, flags: 0 }],
    droppedLinksCount: 0,
    statusCode: 2,
    statusMessage: 'upstream unavailable',
    ...overrides,
  };
  return spanFromOtel({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', operationName: 'HTTP GET', flags: 0, startTime: 1_699_999_999_997_456, duration: 128_500, ...core }, otel);
}

describe('OTLP span → SLS Trace row (golden, the exporter form)', () => {
  it('writes traceState, link attributes, otlp.name / otlp.version, typed attributes, events, status and kind', () => {
    expect(Object.fromEntries(spanToContents(otelSpan()))).toEqual({
      host: 'node-7',
      service: 'checkout',
      // the exporter leaves service.name and host.name out of resource (and stringifies values); we keep all, typed
      resource: '{"service.name":"checkout","host.name":"node-7","process.pid":4242}',
      'otlp.name': 'io.opentelemetry.okhttp-3.0',
      'otlp.version': '1.32.0-alpha',
      traceID: '0af7651916cd43dd8448eb211c80319c',
      spanID: 'b7ad6b7169203331',
      parentSpanID: '00f067aa0ba902b7',
      kind: 'client',
      name: 'HTTP GET',
      // the exporter's keys, plus the link's trace state (as the SLS Trace docs' example row has it)
      links: '[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"53995c3f42cd8ad8","traceState":"rojo=1","attribute":{"link.reason":"retry-of","retry.attempt":2}}]',
      logs: '[{"name":"exception","time":1700000000124000123,"attribute":{"exception.type":"java.net.SocketException","exception.escaped":false}}]',
      traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
      start: '1699999999997456',
      end: '1700000000125956',
      duration: '128500',
      attribute: '{"http.request.method":"GET","http.response.status_code":503,"retry.ratio":0.25}',
      statusCode: 'ERROR',
      statusMessage: 'upstream unavailable',
    });
  });

  it('roots have parentSpanID "", unspecified kind "", OK status; no flags column (that marks the Jaeger form)', () => {
    const row = Object.fromEntries(spanToContents(otelSpan({ parentSpanId: '', kind: 0, statusCode: 1, statusMessage: '', traceState: '', links: [], events: [] })));
    expect([row.parentSpanID, row.kind, row.statusCode, row.links, row.logs, row.traceState]).toEqual(['', '', 'OK', '[]', '[]', '']);
    expect(row.flags).toBeUndefined();
    expect(row.jaeger).toBeUndefined();
  });

  it('puts what the schema has no place for in documented places: scopeAttribute, link/event keys, the jaeger side-car', () => {
    const s = otelSpan(
      {
        resource: { attributes: [str('service.name', 'svc')], droppedAttributesCount: 1, schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' },
        scope: { name: 'lib', version: '', attributes: [str('scope.team', 'payments')], droppedAttributesCount: 0, schemaUrl: 's' },
        startNanos: 7,
        durationNanos: 999,
        droppedAttributesCount: 2,
        droppedLinksCount: 3,
        attributes: [{ key: 'blob', type: 'binary', value: new Uint8Array([1, 2, 255]) }, { key: 'whole', type: 'float64', value: 2 }, { key: 'nan', type: 'float64', value: NaN }],
        events: [{ timeUnixNano: 5n, name: 'e', attributes: [], droppedAttributesCount: 4 }],
        links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8', traceState: '', attributes: [], droppedAttributesCount: 1, flags: 257 }],
      },
      { flags: 1 },
    );
    const row = Object.fromEntries(spanToContents(s));
    expect(row.scopeAttribute).toBe('{"scope.team":"payments"}');
    expect(JSON.parse(row.logs)).toEqual([{ name: 'e', time: 5, attribute: {}, droppedAttributesCount: 4 }]);
    expect(JSON.parse(row.links)).toEqual([{ traceID: '4bf92f3577b34da6a3ce929d0e0e4736', spanID: '53995c3f42cd8ad8', attribute: {}, flags: 257, droppedAttributesCount: 1 }]);
    // bytes as base64 (as the exporter), doubles in Jaeger's AsString form
    expect(row.attribute).toBe('{"blob":"AQL/","whole":2,"nan":"NaN"}');
    expect(JSON.parse(row.jaeger)).toEqual({
      flags: 1,
      nanos: [7, 999],
      dropped: [2, 0, 3],
      resource: ['https://opentelemetry.io/schemas/1.21.0', 1],
      scope: ['s', 0],
      types: { a: { '0': 'b', '1': 'f', '2': 'f' } },
    });
    expect(rowToSpan(row)).toEqual(s);
  });

  it('Log.Time is the start second with its ns', () => {
    const s = otelSpan({ startNanos: 5 });
    expect(spanToSlsLog(s, 1_700_000_000)).toMatchObject({ time: 1_699_999_999, timeNs: 997_456_005 });
  });
});

describe('rows in the OpenTelemetry SLS exporter form read back whole', () => {
  it('the client span: every column the exporter writes', () => {
    const s = rowToSpan(exporterRows[0]);
    // The golden span above, as the exporter keeps it: what differs is what its JSON loses.
    expect(s.otel).toEqual({
      ...otelSpan().otel!,
      resource: {
        // host / service come back from their columns; resource values are strings as the exporter wrote them
        attributes: [str('service.name', 'checkout'), str('host.name', 'node-7'), str('cloud.region', 'cn-hangzhou'), str('k8s.pod.uid', '3f0b'), str('process.pid', '4242'), str('process.runtime.ok', 'true')],
        droppedAttributesCount: 0,
        schemaUrl: '',
      },
      attributes: [
        str('http.request.method', 'GET'),
        int('http.response.status_code', 503n),
        { key: 'retry.ratio', type: 'float64', value: 0.25 },
        { key: 'tags', type: 'array', value: [{ type: 'string', value: 'a' }, { type: 'string', value: 'b' }] },
        str('url.full', 'https://shop.example/cart?x=1&y=2'),
      ],
      events: [
        {
          // ns beyond 2^53, exact
          timeUnixNano: 1_700_000_000_124_000_123n,
          name: 'exception',
          attributes: [{ key: 'exception.escaped', type: 'bool', value: false }, str('exception.message', 'connection reset'), str('exception.type', 'java.net.SocketException')],
          droppedAttributesCount: 0,
        },
      ],
      // the exporter does not write a link's trace state
      links: [{ ...otelSpan().otel!.links[0], traceState: '' }],
    } satisfies OtelSpanFields);
    expect(s).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', operationName: 'HTTP GET', startTime: 1_699_999_999_997_456, duration: 128_500, flags: 0 });
    // the Jaeger v1 view derived as for any OTLP span
    expect(s.process.serviceName).toBe('checkout');
    expect(s.references).toEqual([
      { refType: 'CHILD_OF', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7' },
      { refType: 'FOLLOWS_FROM', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8' },
    ]);
    expect(s.tags).toContainEqual({ key: 'w3c.tracestate', type: 'string', value: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
    expect(s.tags).toContainEqual({ key: 'otel.scope.name', type: 'string', value: 'io.opentelemetry.okhttp-3.0' });
  });

  it('the root span with a nested map, and the internal span with an empty link and an OK status', () => {
    const root = rowToSpan(exporterRows[1]);
    expect(root.otel).toMatchObject({ parentSpanId: '', kind: 2, statusCode: 0, traceState: '', links: [], events: [] });
    expect(root.otel!.resource.attributes).toEqual([str('service.name', 'frontend')]);
    expect(root.otel!.attributes).toEqual([str('http.route', '/cart'), { key: 'user.agent', type: 'map', value: [str('name', 'curl'), int('version', 8n)] }]);
    expect(root.duration).toBe(1_010_000);

    const internal = rowToSpan(exporterRows[2]);
    expect(internal.otel).toMatchObject({ kind: 1, statusCode: 1, scope: { name: 'checkout.internal', version: '' } });
    expect(internal.otel!.links).toEqual([{ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }]);
    expect(internal.otel!.events).toEqual([{ timeUnixNano: 1_700_000_000_000_000_000n, name: 'cache miss', attributes: [], droppedAttributesCount: 0 }]);
    // a whole double written by Go as `12.5` stays a double; `false` a bool
    expect(internal.otel!.attributes).toEqual([{ key: 'cache.hit', type: 'bool', value: false }, { key: 'price', type: 'float64', value: 12.5 }]);
  });

  it('rows written in ns (the current SLS Trace docs) keep the ns below the µs', () => {
    const s = rowToSpan({ ...exporterRows[1], start: '1699999999990000123', end: '1700000001000000999', duration: '1010000876' });
    expect([s.startTime, s.otel!.startNanos, s.duration, s.otel!.durationNanos]).toEqual([1_699_999_999_990_000, 123, 1_010_000, 876]);
  });
});

// ---- exact round trip -------------------------------------------------------------------------

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const key = fc.oneof(fc.constantFrom('service.name', 'host.name', 'span.kind', 'error', '0', '12', '__proto__', 'k'), fc.string({ maxLength: 8 }));
const { value: anyValue } = fc.letrec<{ value: AnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ type: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 12 }) }),
    fc.record({ type: fc.constant('bool' as const), value: fc.boolean() }),
    fc.record({ type: fc.constant('int64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
    fc.record({ type: fc.constant('float64' as const), value: fc.double() }),
    fc.record({ type: fc.constant('binary' as const), value: fc.uint8Array({ maxLength: 6 }) }),
    fc.constant({ type: 'empty' as const, value: null }),
    fc.record({ type: fc.constant('array' as const), value: fc.array(tie('value'), { maxLength: 3 }) }),
    fc.record({ type: fc.constant('map' as const), value: fc.array(fc.tuple(key, tie('value')).map(([k, v]) => ({ key: k, ...v }) as Attribute), { maxLength: 3 }) }),
  ),
}));
const attributes = fc.array(fc.tuple(key, anyValue).map(([k, v]) => ({ key: k, ...v }) as Attribute), { maxLength: 4 });
const count = fc.oneof(fc.constant(0), fc.nat(1000));
const text = fc.string({ maxLength: 12 });

const arbitraryOtelSpan: fc.Arbitrary<Span> = fc
  .record({
    core: fc.record({
      traceId: hex(32),
      spanId: hex(16),
      operationName: text,
      flags: fc.oneof(fc.constant(0), fc.nat(0xffff)),
      startTime: fc.integer({ min: 1_000_000_000_000_000, max: 4_000_000_000_000_000 }),
      duration: fc.integer({ min: 0, max: 10 ** 10 }),
    }),
    otel: fc.record({
      resource: fc.record({ attributes, droppedAttributesCount: count, schemaUrl: text }),
      scope: fc.record({ name: text, version: text, attributes, droppedAttributesCount: count, schemaUrl: text }),
      traceState: text,
      parentSpanId: fc.oneof(fc.constant('' as const), hex(16).filter((h) => !/^0+$/.test(h))),
      kind: fc.integer({ min: 0, max: 7 }),
      startNanos: fc.integer({ min: 0, max: 999 }),
      durationNanos: fc.integer({ min: 0, max: 999 }),
      attributes,
      droppedAttributesCount: count,
      events: fc.array(fc.record({ timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), name: text, attributes, droppedAttributesCount: count }), { maxLength: 3 }),
      droppedEventsCount: count,
      links: fc.array(fc.record({ traceId: hex(32), spanId: hex(16), traceState: text, attributes, droppedAttributesCount: count, flags: fc.oneof(fc.constant(0), fc.nat(0xffffffff)) }), { maxLength: 3 }),
      droppedLinksCount: count,
      statusCode: fc.integer({ min: 0, max: 3 }),
      statusMessage: text,
    }),
  })
  .map(({ core, otel }) => spanFromOtel(core, otel));

describe('round trip', () => {
  it('every generated OTLP span reads back exactly (property)', () => {
    fc.assert(
      fc.property(arbitraryOtelSpan, (s) => {
        const row = Object.fromEntries(spanToContents(s));
        expect(rowToSpan(row)).toEqual(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('every span of a generated OTLP export request reads back exactly (the shared OTLP generator)', () => {
    fc.assert(
      fc.property(traceIdList.chain(otlpRequest), (request) => {
        for (const s of spansFromOtlp(request)) expect(rowToSpan(Object.fromEntries(spanToContents(s)))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });
});
