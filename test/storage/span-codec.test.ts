import { describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { decodeChunk, encodeChunk } from '../../src/storage/sqlite/span-codec.js';

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
    expect(JSON.parse(body)[0]).toBe(1_700_000_000_000_000);
    expect(JSON.parse(body)[2][4]).toBe(-10);
    expect(decodeChunk(TRACE, body)).toEqual(spans);
  });

  it('keeps absolute times when offsets would not be exact integers', () => {
    const spans = [span('00000000000000b1', Number.MAX_SAFE_INTEGER - 5), span('00000000000000b2', -Number.MAX_SAFE_INTEGER + 5)];
    const body = encodeChunk(spans);
    expect(JSON.parse(body)[0]).toBe(0);
    expect(decodeChunk(TRACE, body)).toEqual(spans);
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
});
