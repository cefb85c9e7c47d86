import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyValue, Span } from '../../src/model/index.js';
import { spansFromOtlp } from '../../src/formats/otlp.js';
import { decodeChunk, decodeChunkParts, encodeChunk } from '../../src/storage/sqlite/span-codec.js';

const TRACE = '0123456789abcdef0123456789abcdef';

function span(spanId: string, startTime: number, extra: Partial<Span> = {}): Span {
  return {
    traceId: TRACE,
    spanId,
    operationName: 'op "quoted" ünïcode',
    references: [],
    flags: 1,
    startTime,
    duration: 7,
    tags: [
      { key: 'i64', type: 'int64', value: -9223372036854775808n },
      { key: 'f', type: 'float64', value: -0 },
      { key: 'nan', type: 'float64', value: Number.NaN },
      { key: 'b', type: 'bool', value: true },
      { key: 'bin', type: 'binary', value: new Uint8Array([0, 255, 1]) },
    ],
    logs: [{ timestamp: startTime + 3, fields: [{ key: 'event', type: 'string', value: 'x' }] }],
    process: { serviceName: 'svc', tags: [{ key: 'host', type: 'string', value: 'h' }] },
    warnings: [],
    ...extra,
  };
}

describe('span codec', () => {
  it('round-trips a chunk exactly, times stored as offsets from the first span', () => {
    const spans = [
      span('00000000000000a1', 1_700_000_000_000_000, { warnings: ['w'] }),
      span('00000000000000a2', 1_699_999_999_999_990, { references: [{ refType: 'FOLLOWS_FROM', traceId: 'f'.repeat(32), spanId: '00000000000000a1' }] }),
    ];
    const body = encodeChunk(spans);
    const fields = JSON.parse(body) as unknown[];
    expect(fields[0]).toBe(1_700_000_000_000_000);
    expect(fields.slice(1, 6)).toEqual(['00000000000000a1', 'op "quoted" ünïcode', 1, 0, 7]);
    expect(fields[fields.indexOf('00000000000000a2') + 3]).toBe(-10);
    expect(decodeChunk(TRACE, body)).toEqual(spans);
    // One flat array: string tags take two fields, other types three.
    expect(fields.every((f) => typeof f === 'string' || typeof f === 'number')).toBe(true);
    expect(body).toContain('"host","h"');
  });

  it('keeps absolute times when offsets would not be exact integers', () => {
    const spans = [span('00000000000000b1', Number.MAX_SAFE_INTEGER - 5), span('00000000000000b2', -Number.MAX_SAFE_INTEGER + 5)];
    const body = encodeChunk(spans);
    expect(JSON.parse(body)[0]).toBe(0);
    expect(decodeChunk(TRACE, body)).toEqual(spans);
  });

  it('gives spans of one process one Process object, and a process with other tags or service its own', () => {
    const host = (h: string) => ({ serviceName: 'svc', tags: [{ key: 'host', type: 'string', value: h } as KeyValue] });
    const spans = [
      span('0000000000000001', 1, { process: host('a') }),
      span('0000000000000002', 2, { process: host('a') }),
      span('0000000000000003', 3, { process: host('b') }),
      span('0000000000000004', 4, { process: { serviceName: 'other', tags: host('a').tags } }),
      span('0000000000000005', 5, { process: host('a') }),
    ];
    const back = decodeChunk(TRACE, encodeChunk(spans));
    expect(back).toEqual(spans);
    expect(back[1].process).toBe(back[0].process);
    expect(back[4].process).toBe(back[0].process);
    expect(back[2].process).not.toBe(back[0].process);
    expect(back[3].process).not.toBe(back[0].process);
  });

  it('reads the nested layout with offsets, written before the flat one', () => {
    const nested = JSON.stringify([1_700_000_000_000_000, ['00000000000000d1', 'op', [1, '', '00000000000000d0'], 1, 4, 5, ['k', 2, '-3', 'f', 3, 'NaN'], [2, ['e', 0, 'x']], 'svc', ['h', 0, 'v'], ['w']]]);
    expect(decodeChunk(TRACE, nested)).toEqual([
      {
        traceId: TRACE,
        spanId: '00000000000000d1',
        operationName: 'op',
        references: [{ refType: 'FOLLOWS_FROM', traceId: TRACE, spanId: '00000000000000d0' }],
        flags: 1,
        startTime: 1_700_000_000_000_004,
        duration: 5,
        tags: [
          { key: 'k', type: 'int64', value: -3n },
          { key: 'f', type: 'float64', value: Number.NaN },
        ],
        logs: [{ timestamp: 1_700_000_000_000_002, fields: [{ key: 'e', type: 'string', value: 'x' }] }],
        process: { serviceName: 'svc', tags: [{ key: 'h', type: 'string', value: 'v' }] },
        warnings: ['w'],
      },
    ]);
  });

  it('reads chunks written before offsets existed', () => {
    const old = JSON.stringify([['00000000000000c1', 'op', [], 1, 1_700_000_000_000_000, 5, ['k', 0, 'v'], [1_700_000_000_000_002, []], 'svc', [], 0]]);
    expect(decodeChunk(TRACE, old)).toEqual([
      {
        traceId: TRACE,
        spanId: '00000000000000c1',
        operationName: 'op',
        references: [],
        flags: 1,
        startTime: 1_700_000_000_000_000,
        duration: 5,
        tags: [{ key: 'k', type: 'string', value: 'v' }],
        logs: [{ timestamp: 1_700_000_000_000_002, fields: [] }],
        process: { serviceName: 'svc', tags: [] },
        warnings: [],
      },
    ]);
  });

  it('reads every chunk back exactly (property)', () => {
    // Few texts, so the same text lands in several roles (a key that is also a value, numbers as text).
    const text = fc.oneof(fc.constantFrom('a', 'svc', 'op', 'span.kind', '0', '-1', '', 'ü"\\'), fc.string({ maxLength: 6 }));
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
      fc.record({ key: text, type: fc.constant('string' as const), value: text }),
      fc.record({ key: text, type: fc.constant('bool' as const), value: fc.boolean() }),
      fc.record({ key: text, type: fc.constant('int64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
      fc.record({ key: text, type: fc.constant('float64' as const), value: fc.double() }),
      fc.record({ key: text, type: fc.constant('binary' as const), value: fc.uint8Array({ maxLength: 4 }) }),
    );
    const arbitrarySpan = fc.record({
      spanId: hex(16),
      operationName: text,
      references: fc.array(fc.record({ refType: fc.constantFrom('CHILD_OF' as const, 'FOLLOWS_FROM' as const), traceId: fc.oneof(fc.constant(TRACE), hex(32)), spanId: hex(16) }), { maxLength: 2 }),
      flags: fc.integer({ min: 0, max: 255 }),
      startTime: fc.integer({ min: 1_000_000_000_000_000, max: 1_000_000_100_000_000 }),
      duration: fc.integer({ min: 0, max: 10 ** 10 }),
      tags: fc.array(keyValue, { maxLength: 4 }),
      logs: fc.array(fc.record({ timestamp: fc.integer({ min: 1_000_000_000_000_000, max: 1_000_000_100_000_000 }), fields: fc.array(keyValue, { maxLength: 2 }) }), { maxLength: 2 }),
      process: fc.record({ serviceName: text, tags: fc.array(keyValue, { maxLength: 3 }) }),
      warnings: fc.array(text, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.array(arbitrarySpan, { minLength: 1, maxLength: 8 }), (drawn) => {
        const spans: Span[] = drawn.map((s) => ({ traceId: TRACE, ...s }));
        expect(decodeChunk(TRACE, encodeChunk(spans))).toEqual(spans);
      }),
      { numRuns: 400 },
    );
  });
  it('decodes a chunk in parts of at most N spans, the same spans as whole (resources shared across parts)', () => {
    const otlp = spansFromOtlp([
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otel-svc' } }], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 },
            spans: [1, 2, 3, 4, 5].map((i) => ({
              traceId: Buffer.from(TRACE, 'hex'),
              spanId: Buffer.from(`000000000000000${i}`, 'hex'),
              name: `op${i}`,
              kind: 2,
              startTimeUnixNano: `${1_700_000_000_000_000_000 + i * 1000}`,
              endTimeUnixNano: `${1_700_000_000_000_000_000 + i * 2000}`,
              attributes: [{ key: 'k', value: { intValue: String(i) } }],
            })),
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ]);
    const spans = [span('00000000000000a1', 1_000_000), ...otlp, span('00000000000000a2', 1_000_009)];
    const body = encodeChunk(spans);
    const parts = [...decodeChunkParts(TRACE, body, 2)];
    expect(parts.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(parts.flat()).toEqual(decodeChunk(TRACE, body));
    expect(parts.flat()).toEqual(spans);
    // Older layouts come whole.
    const nested = JSON.stringify([['0000000000000001', 'op', [], 1, 5, 7, [], [], 'svc', [], 0], ['0000000000000002', 'op', [], 1, 6, 7, [], [], 'svc', [], 0]]);
    expect([...decodeChunkParts(TRACE, nested, 1)]).toEqual([decodeChunk(TRACE, nested)]);
  });
});
