/**
 * Golden tests of the span ⇄ SLS row mapping against aliyun-log-jaeger's field table
 * (sls.md §2.4: what the plugin writes, and the SLS Trace schema column we write instead), plus an
 * exact round-trip property over typed spans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyValue, Span } from '../../../src/model/index.js';
import { integerText, MAX_PAST_SECONDS, rowToSpan, spanToContents, spanToSlsLog } from '../../../src/storage/sls/log-mapping.js';

const START = 1_700_000_000_123_456; // µs

function span(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '00000000000000000000000000abcdef',
    spanId: '00000000000000a1',
    operationName: 'GET /api',
    references: [{ refType: 'CHILD_OF', traceId: '00000000000000000000000000abcdef', spanId: '00000000000000a0' }],
    flags: 1,
    startTime: START,
    duration: 2500,
    tags: [
      { key: 'span.kind', type: 'string', value: 'SERVER' },
      { key: 'error', type: 'bool', value: true },
      { key: 'http.status_code', type: 'int64', value: 503n },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'w3c.tracestate', type: 'string', value: 'rojo=00f067aa0ba902b7' },
      { key: 'otel.scope.name', type: 'string', value: 'okhttp' },
    ],
    logs: [{ timestamp: START + 10, fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'attempt', type: 'int64', value: 2n }] }],
    process: { serviceName: 'frontend', tags: [{ key: 'hostname', type: 'string', value: 'web-1' }, { key: 'ip', type: 'string', value: '10.0.0.1' }] },
    warnings: [],
    ...overrides,
  };
}

describe('span → SLS Trace row (golden, against aliyun-log-jaeger field table)', () => {
  it('writes every SLS Trace column in the canonical form', () => {
    const row = Object.fromEntries(spanToContents(span()));
    expect(row).toEqual({
      // plugin: unpadded `abcdef`; SLS Trace: 32 hex zero-padded
      traceID: '00000000000000000000000000abcdef',
      // plugin: unpadded `a1`; SLS Trace: 16 hex
      spanID: '00000000000000a1',
      // plugin: first CHILD_OF or "0"; SLS Trace: 16 hex, "" for roots
      parentSpanID: '00000000000000a0',
      name: 'GET /api',
      // plugin and SLS Trace: lower-cased span.kind
      kind: 'server',
      service: 'frontend',
      // SLS Trace: resource host.name (hostname here); the plugin writes none
      host: 'web-1',
      // plugin: stringified values + ProcessID; SLS Trace: typed JSON object
      resource: '{"hostname":"web-1","ip":"10.0.0.1"}',
      attribute: '{"span.kind":"SERVER","error":true,"http.status_code":503,"ratio":0.25,"w3c.tracestate":"rojo=00f067aa0ba902b7","otel.scope.name":"okhttp"}',
      // plugin: [{attribute,time}]; SLS Trace: [{name,time(ns),attribute}]
      logs: '[{"name":"retry","time":1700000000123466000,"attribute":{"event":"retry","attempt":2}}]',
      // the parent is parentSpanID; other references become links (none here)
      links: '[]',
      // the exporter's span.TraceState(); the Jaeger model keeps it as the tag w3c.tracestate
      traceState: 'rojo=00f067aa0ba902b7',
      // the exporter's scope name and version; the Jaeger model keeps them as tags otel.scope.*
      'otlp.name': 'okhttp',
      'otlp.version': '',
      // µs, as the plugin, the OTel exporter and the 2021 docs
      start: '1700000000123456',
      end: '1700000000125956',
      duration: '2500',
      // plugin: always UNSET; SLS Trace: ERROR from the error tag
      statusCode: 'ERROR',
      statusMessage: '',
      flags: '1',
    });
  });

  it('roots have parentSpanID "" and non-parent references go to links with their type', () => {
    const root = Object.fromEntries(spanToContents(span({ references: [] })));
    expect(root.parentSpanID).toBe('');
    const withLink = Object.fromEntries(
      spanToContents(
        span({
          references: [
            { refType: 'CHILD_OF', traceId: '00000000000000000000000000abcdef', spanId: '00000000000000a0' },
            { refType: 'FOLLOWS_FROM', traceId: '0000000000000000000000000000beef', spanId: '00000000000000b0' },
          ],
        }),
      ),
    );
    // link attributes: the Jaeger model's reference type, as Jaeger's OTLP translator writes it
    expect(JSON.parse(withLink.links)).toEqual([{ traceID: '0000000000000000000000000000beef', spanID: '00000000000000b0', attribute: { 'opentracing.ref_type': 'follows_from' } }]);
  });

  it('statusCode follows otel.status_code and statusMessage otel.status_description', () => {
    const ok = Object.fromEntries(spanToContents(span({ tags: [{ key: 'otel.status_code', type: 'string', value: 'OK' }] })));
    expect(ok.statusCode).toBe('OK');
    const err = Object.fromEntries(
      spanToContents(span({ tags: [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }, { key: 'otel.status_description', type: 'string', value: 'boom' }] })),
    );
    expect([err.statusCode, err.statusMessage]).toEqual(['ERROR', 'boom']);
    expect(Object.fromEntries(spanToContents(span({ tags: [] }))).statusCode).toBe('UNSET');
  });

  it('keeps plain rows plain: the jaeger side-car appears only for values JSON cannot type', () => {
    expect(Object.fromEntries(spanToContents(span())).jaeger).toBeUndefined();
    const typed = Object.fromEntries(
      spanToContents(
        span({
          tags: [
            { key: 'big', type: 'int64', value: 9007199254740993n },
            { key: 'whole', type: 'float64', value: 2 },
            { key: 'bin', type: 'binary', value: new Uint8Array([1, 255]) },
          ],
        }),
      ),
    );
    // Console-readable values stay in attribute; exact types in the side-car.
    expect(JSON.parse(typed.attribute)).toEqual({ big: '9007199254740993', whole: 2, bin: '01ff' });
    expect(JSON.parse(typed.jaeger)).toEqual({ t: [['big', 'i', '9007199254740993'], ['whole', 'f', '2'], ['bin', 'x', '01ff']] });
  });

  it('Log.Time is the start second with TimeNs, clamped into the window SLS accepts', () => {
    const now = Math.floor(START / 1e6) + 60;
    expect(spanToSlsLog(span(), now)).toMatchObject({ time: 1_700_000_000, timeNs: 123_456_000 });
    const old = spanToSlsLog(span(), now + 30 * 86_400);
    expect(old.time).toBe(now + 30 * 86_400 - MAX_PAST_SECONDS);
    expect(old.timeNs).toBeUndefined();
  });
});

describe('SLS row → span: rows written by others', () => {
  it('reads aliyun-log-jaeger plugin rows (unpadded ids, "0" parent, strings, ProcessID, RefType links, ns log times)', () => {
    const s = rowToSpan({
      __time__: '1700000000',
      traceID: 'abcdef',
      spanID: 'a1',
      parentSpanID: '0',
      name: 'GET /api',
      kind: 'server',
      flags: '1',
      start: '1700000000123456',
      duration: '2500',
      end: '1700000000125956',
      service: 'frontend',
      statusCode: 'UNSET',
      attribute: '{"span.kind":"server","http.status_code":"503","error":"true"}',
      resource: '{"hostname":"web-1","ProcessID":"p1"}',
      links: '[{"TraceID":"abcdef","SpanID":"a0","RefType":"CHILD_OF"}]',
      logs: '[{"attribute":{"event":"retry"},"time":1700000000123466000}]',
    });
    expect(s).toEqual({
      traceId: '00000000000000000000000000abcdef',
      spanId: '00000000000000a1',
      operationName: 'GET /api',
      references: [{ refType: 'CHILD_OF', traceId: '00000000000000000000000000abcdef', spanId: '00000000000000a0' }],
      flags: 1,
      startTime: START,
      duration: 2500,
      tags: [
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'http.status_code', type: 'string', value: '503' },
        { key: 'error', type: 'string', value: 'true' },
      ],
      logs: [{ timestamp: START + 10, fields: [{ key: 'event', type: 'string', value: 'retry' }] }],
      process: { serviceName: 'frontend', tags: [{ key: 'hostname', type: 'string', value: 'web-1' }] },
      warnings: [],
    } satisfies Span);
  });

  it('reads OTel-exporter rows with ns times, kind/status columns and traceID/spanID links', () => {
    const s = rowToSpan({
      traceID: '0af7651916cd43dd8448eb211c80319c',
      spanID: 'b7ad6b7169203331',
      parentSpanID: '',
      name: 'checkout',
      kind: 'client',
      service: 'cart',
      host: 'node-7',
      start: '1700000000123456000',
      end: '1700000000125956000',
      duration: '2500000',
      statusCode: 'ERROR',
      attribute: '{"http.method":"POST","retries":3,"ratio":1.5}',
      resource: '{"k8s.pod":"cart-1"}',
      links: '[{"traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"00f067aa0ba902b7","attribute":{}}]',
      logs: '[{"name":"exception","time":1700000000124000000,"attribute":{"exception.type":"Timeout"}}]',
    });
    expect(s.startTime).toBe(START);
    expect(s.duration).toBe(2500);
    expect(s.references).toEqual([{ refType: 'FOLLOWS_FROM', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7' }]);
    expect(s.tags).toEqual([
      { key: 'http.method', type: 'string', value: 'POST' },
      { key: 'retries', type: 'int64', value: 3n },
      { key: 'ratio', type: 'float64', value: 1.5 },
      { key: 'span.kind', type: 'string', value: 'client' },
      { key: 'error', type: 'bool', value: true },
    ]);
    // host.name back from the host column, ahead of the rest of the resource
    expect(s.process.tags).toEqual([
      { key: 'host.name', type: 'string', value: 'node-7' },
      { key: 'k8s.pod', type: 'string', value: 'cart-1' },
    ]);
    expect(s.logs).toEqual([{ timestamp: 1_700_000_000_124_000, fields: [{ key: 'event', type: 'string', value: 'exception' }, { key: 'exception.type', type: 'string', value: 'Timeout' }] }]);
  });

  it('keeps damaged JSON visible instead of failing (aliyun-log-jaeger: one "tags" tag)', () => {
    const s = rowToSpan({ traceID: '1', spanID: '2', start: '1700000000000000', attribute: '{not json', flags: '1' });
    expect(s.tags).toEqual([{ key: 'tags', type: 'string', value: '{not json' }]);
    expect(s.traceId).toBe('00000000000000000000000000000001');
  });
});

// --- exact round trip ------------------------------------------------------------------------

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const key = fc.oneof(fc.constantFrom('span.kind', 'error', 'event', 'http.url', '0', '12', '__proto__', 'k'), fc.string({ maxLength: 8 }));
const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
  fc.record({ key, type: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 20 }) }),
  fc.record({ key, type: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ key, type: fc.constant('int64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.record({ key, type: fc.constant('float64' as const), value: fc.double() }),
  fc.record({ key, type: fc.constant('binary' as const), value: fc.uint8Array({ maxLength: 8 }) }),
);
const arbitrarySpan: fc.Arbitrary<Span> = fc
  .record({
    traceId: hex(32),
    spanId: hex(16),
    operationName: fc.string({ maxLength: 20 }),
    references: fc.array(fc.record({ refType: fc.constantFrom('CHILD_OF' as const, 'FOLLOWS_FROM' as const), traceId: hex(32), spanId: hex(16) }), { maxLength: 3 }),
    flags: fc.integer({ min: 0, max: 255 }),
    startTime: fc.integer({ min: 1_000_000_000_000_000, max: 4_000_000_000_000_000 }),
    duration: fc.integer({ min: 0, max: 10 ** 10 }),
    tags: fc.array(keyValue, { maxLength: 6 }),
    logs: fc.array(fc.record({ timestamp: fc.integer({ min: 1_000_000_000_000_000, max: 4_000_000_000_000_000 }), fields: fc.array(keyValue, { maxLength: 3 }) }), { maxLength: 3 }),
    process: fc.record({ serviceName: fc.string({ maxLength: 10 }), tags: fc.array(keyValue, { maxLength: 4 }) }),
    warnings: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }),
  })
  .map((s) => ({ ...s, references: s.references.map((r, i) => (i === 0 && r.refType === 'CHILD_OF' ? { ...r, traceId: s.traceId } : r)) }));

describe('round trip', () => {
  it('every typed span reads back exactly (property)', () => {
    fc.assert(
      fc.property(arbitrarySpan, (s) => {
        const row = Object.fromEntries(spanToContents(s));
        expect(rowToSpan(row)).toEqual(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('integerText (µs columns)', () => {
  it('writes every safe integer exactly as String does, also next to multiples of 1e8', () => {
    const nearMultiple = fc.tuple(fc.integer({ min: 1, max: 90_071_992 }), fc.integer({ min: -2, max: 2 })).map(([k, d]) => k * 1e8 + d);
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer({ min: 0, max: 1e9 }), nearMultiple), (v) => {
        expect(integerText(v)).toBe(String(v));
      }),
      { numRuns: 5000 },
    );
  });
});
