import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
import {
  dependencyLinkToProto,
  dependencyWindowToProto,
  durationToMicros,
  estimateSpanBytes,
  foundTraceIdToProto,
  getTraceQueryToProto,
  microsToDuration,
  microsToTimestamp,
  protoToDependencyLink,
  protoToDependencyWindow,
  protoToFoundTraceId,
  protoToGetTraceQuery,
  protoToSpan,
  protoToTraceQueryV1,
  protoToTraceQueryV2,
  spanToProto,
  timestampToMicros,
  traceQueryToProtoV1,
  traceQueryToProtoV2,
} from '../../../src/formats/proto-mapping.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';

const span: Span = {
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: 'fedcba9876543210',
  operationName: 'op',
  references: [
    { refType: 'FOLLOWS_FROM', traceId: '000000000000000000000000000000ff', spanId: '00000000000000ff' },
    { refType: 'CHILD_OF', traceId: '0123456789abcdef0123456789abcdef', spanId: '0000000000000002' },
  ],
  flags: 3,
  startTime: 1_700_000_000_123_456,
  duration: 1_500_001,
  tags: [
    { key: 's', type: 'string', value: 'x' },
    { key: 'b', type: 'bool', value: false },
    { key: 'i', type: 'int64', value: -9223372036854775808n },
    { key: 'f', type: 'float64', value: -0.5 },
    { key: 'y', type: 'binary', value: new Uint8Array([0, 255]) },
  ],
  logs: [{ timestamp: 1_700_000_000_200_000, fields: [{ key: 'event', type: 'string', value: 'e' }] }],
  process: { serviceName: 'svc', tags: [{ key: 'host', type: 'string', value: 'h' }] },
  warnings: ['w'],
};

describe('formats/proto-mapping', () => {
  it('round-trips a span through proto objects and the real wire encoding', () => {
    expect(protoToSpan(spanToProto(span))).toEqual(span);
    const method = serviceDefinition('spanWriter').WriteSpan;
    const decoded = method.requestDeserialize(method.requestSerialize({ span: spanToProto(span) })) as { span: never };
    expect(protoToSpan(decoded.span)).toEqual(span);
  });

  it('converts times at µs precision, before and after the epoch', () => {
    for (const us of [0, 1, 999_999, 1_000_000, -1, -1_000_001, 1_700_000_000_123_456]) {
      expect(timestampToMicros(microsToTimestamp(us))).toBe(us);
      expect(durationToMicros(microsToDuration(Math.abs(us)))).toBe(Math.abs(us));
    }
    expect(microsToTimestamp(-1)).toEqual({ seconds: '-1', nanos: 999_999_000 });
  });

  it('treats absent and Go zero timestamps as unset, absent durations as 0', () => {
    expect(timestampToMicros(null)).toBeUndefined();
    expect(timestampToMicros({ seconds: '-62135596800', nanos: 0 })).toBeUndefined();
    expect(durationToMicros(null)).toBe(0);
    expect(protoToGetTraceQuery({ traceId: Buffer.alloc(16, 1), startTime: { seconds: '-62135596800', nanos: 0 }, endTime: null })).toEqual({
      traceId: '01010101010101010101010101010101',
    });
  });

  it('rejects negative durations, out-of-range times, bad ids and enum values', () => {
    expect(() => durationToMicros({ seconds: '-1', nanos: 0 })).toThrow(InvalidArgumentError);
    expect(() => timestampToMicros({ seconds: '9223372036854775807', nanos: 0 })).toThrow(InvalidArgumentError);
  });

  it('refuses Timestamp nanos outside [0, 999999999] and Duration nanos beyond a second or of the other sign', () => {
    expect(timestampToMicros({ seconds: '1', nanos: 999_999_999 })).toBe(1_999_999);
    for (const nanos of [-1, 1_000_000_000, 2 ** 31 - 1, Number.NaN]) {
      expect(() => timestampToMicros({ seconds: '1700000000', nanos }, 'start_time')).toThrow(/start_time: nanos .* out of range/);
    }
    expect(durationToMicros({ seconds: '0', nanos: 999_999_999 })).toBe(999_999);
    expect(() => durationToMicros({ seconds: '0', nanos: 1_000_000_000 })).toThrow(InvalidArgumentError);
    expect(() => durationToMicros({ seconds: '2', nanos: -1 }, 'duration')).toThrow(/duration: nanos -1 out of range/);
    const proto = spanToProto(span);
    expect(() => protoToSpan({ ...proto, traceId: Buffer.alloc(3) })).toThrow(/trace id/);
    expect(() => protoToSpan({ ...proto, spanId: Buffer.alloc(0) })).toThrow(/span id/);
    expect(() => protoToSpan({ ...proto, tags: [{ key: 'k', vType: 5 }] })).toThrow(/unknown value type 5/);
    expect(() => protoToSpan({ ...proto, references: [{ ...proto.references[0], refType: 2 }] })).toThrow(/unknown type 2/);
  });

  it('accepts 8-byte trace ids as Go does (low half only)', () => {
    expect(protoToGetTraceQuery({ traceId: Buffer.from('00000000000000ff', 'hex') }).traceId).toBe('000000000000000000000000000000ff');
  });

  it('maps v1 queries: zero durations and Go zero times are no bound; num_traces is the limit', () => {
    const zero = { seconds: '-62135596800', nanos: 0 };
    expect(
      protoToTraceQueryV1({ serviceName: 's', operationName: '', tags: { a: '1' }, startTimeMin: zero, startTimeMax: zero, durationMin: { seconds: '0', nanos: 0 }, durationMax: { seconds: '0', nanos: 0 }, numTraces: 0 }),
    ).toEqual({ serviceName: 's', tags: { a: '1' } });
    const q = { serviceName: 's', operationName: 'o', tags: { k: 'v' }, startTimeMin: 10, startTimeMax: 20, durationMin: 2, durationMax: 3, limit: 5 };
    expect(protoToTraceQueryV1(traceQueryToProtoV1(q))).toEqual(q);
    expect(() => protoToTraceQueryV1(null)).toThrow('query is required');
    expect(() => protoToTraceQueryV1({ ...traceQueryToProtoV1(q), numTraces: -1 })).toThrow(/num_traces/);
  });

  it('maps v2 queries to the typed attribute filter, one entry per key (the last wins)', () => {
    const proto = traceQueryToProtoV2({ serviceName: 's', startTimeMin: 1 });
    const q = protoToTraceQueryV2({
      ...proto,
      attributes: [
        { key: 'i', value: { value: 'intValue', intValue: '123' } },
        { key: 'd', value: { value: 'doubleValue', doubleValue: 72.5 } },
        { key: 'b', value: { value: 'boolValue', boolValue: true } },
        { key: 'y', value: { value: 'bytesValue', bytesValue: Buffer.from([0xab]) } },
        { key: 's', value: { value: 'stringValue', stringValue: 'x' } },
        { key: 'a', value: { value: 'arrayValue', arrayValue: { values: [{ value: 'intValue', intValue: '9223372036854775807' }] } } },
        { key: 's', value: { value: 'stringValue', stringValue: 'y' } },
      ],
      searchDepth: 7,
    });
    expect(q).toEqual({
      serviceName: 's',
      startTimeMin: 1,
      attributes: [
        { key: 'i', type: 'int64', value: 123n },
        { key: 'd', type: 'float64', value: 72.5 },
        { key: 'b', type: 'bool', value: true },
        { key: 'y', type: 'binary', value: new Uint8Array([0xab]) },
        { key: 's', type: 'string', value: 'y' },
        { key: 'a', type: 'array', value: [{ type: 'int64', value: 9223372036854775807n }] },
      ],
      limit: 7,
    });
    expect(protoToTraceQueryV2(traceQueryToProtoV2(q))).toEqual(q);
    expect(() => protoToTraceQueryV2({ ...proto, attributes: [{ key: 'i', value: { value: 'intValue', intValue: 'x' } }] })).toThrow(/intValue/);
    expect(() => protoToTraceQueryV2({ ...proto, durationMin: { seconds: '2', nanos: 0 }, durationMax: { seconds: '1', nanos: 0 } })).toThrow(/greater than/);
  });

  it('maps dependencies, windows, found trace ids and get-trace hints both ways', () => {
    const link = { parent: 'a', child: 'b', callCount: 3, source: 'jaeger' };
    expect(protoToDependencyLink(dependencyLinkToProto(link))).toEqual(link);
    expect(dependencyLinkToProto({ parent: 'a', child: 'b', callCount: 1 })).toEqual({ parent: 'a', child: 'b', callCount: '1', source: '' });
    expect(protoToDependencyWindow(dependencyWindowToProto(5_000_000, 2_000_000))).toEqual({ endTime: 5_000_000, lookback: 2_000_000 });
    expect(() => protoToDependencyWindow({ startTime: null, endTime: null })).toThrow(/end_time/);
    const found = { traceId: span.traceId, start: 10, end: 20 };
    expect(protoToFoundTraceId(foundTraceIdToProto(found))).toEqual(found);
    const q = { traceId: span.traceId, startTime: 1, endTime: 2 };
    expect(protoToGetTraceQuery(getTraceQueryToProto(q))).toEqual(q);
  });

  it('estimates span sizes above their encoded size', () => {
    const method = serviceDefinition('spanWriter').WriteSpan;
    for (const s of [span, { ...span, operationName: 'é'.repeat(5000) }, { ...span, tags: [{ key: 'k', type: 'string' as const, value: 'x'.repeat(100_000) }] }]) {
      expect(estimateSpanBytes(s)).toBeGreaterThanOrEqual(method.requestSerialize({ span: spanToProto(s) }).length);
    }
  });
});
