import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyValue, Span } from '../../../src/model/index.js';
import { protoToSpan, spanToProto } from '../../../src/formats/proto-mapping.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';
import { decodeWriteSpanRequestSpan } from '../../../src/plugin/wire-decoder.js';

const method = serviceDefinition('spanWriter').WriteSpan;
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
  fc.record({ key: fc.string(), type: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 50 }) }),
  fc.record({ key: fc.string(), type: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ key: fc.string(), type: fc.constant('int64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.record({ key: fc.string(), type: fc.constant('float64' as const), value: fc.double({ noNaN: true }) }),
  fc.record({ key: fc.string(), type: fc.constant('binary' as const), value: fc.uint8Array({ maxLength: 20 }) }),
);
const micros = fc.integer({ min: -1e15, max: 4e15 });
const span: fc.Arbitrary<Span> = fc.record({
  traceId: hex(16),
  spanId: hex(8),
  operationName: fc.string(),
  references: fc.array(fc.record({ refType: fc.constantFrom('CHILD_OF' as const, 'FOLLOWS_FROM' as const), traceId: hex(16), spanId: hex(8) }), { maxLength: 3 }),
  flags: fc.nat({ max: 2 ** 32 - 1 }),
  startTime: micros,
  duration: fc.nat({ max: 1e12 }),
  tags: fc.array(keyValue, { maxLength: 5 }),
  logs: fc.array(fc.record({ timestamp: micros, fields: fc.array(keyValue, { maxLength: 3 }) }), { maxLength: 2 }),
  process: fc.record({ serviceName: fc.string(), tags: fc.array(keyValue, { maxLength: 3 }) }),
  warnings: fc.array(fc.string(), { maxLength: 2 }),
});

describe('plugin/wire-decoder', () => {
  /** proto-loader's decoding mapped by protoToSpan: the reference the direct decoder must equal. */
  const viaProtoLoader = (bytes: Buffer) => {
    const request = method.requestDeserialize(bytes) as { span: Parameters<typeof protoToSpan>[0] | null };
    return request.span ? protoToSpan(request.span) : null;
  };

  it('decodes WriteSpanRequest into the same domain Span as proto-loader + protoToSpan', () => {
    fc.assert(
      fc.property(span, (s) => {
        const bytes = method.requestSerialize({ span: spanToProto(s) });
        const decoded = decodeWriteSpanRequestSpan(bytes);
        expect(decoded).toEqual(viaProtoLoader(bytes));
        expect(decoded).toEqual(s);
      }),
      { numRuns: 300 },
    );
    expect(decodeWriteSpanRequestSpan(method.requestSerialize({}))).toBeNull();
    // Absent ids are refused by both, naming the field.
    const bare = method.requestSerialize({ span: {} });
    expect(() => viaProtoLoader(bare)).toThrow(/invalid trace id: 0 bytes/);
    expect(() => decodeWriteSpanRequestSpan(bare)).toThrow(/invalid trace id: 0 bytes/);
    // Go's zero time is "unset"; 8-byte trace ids are padded.
    const goZero = method.requestSerialize({ span: { ...spanToProto(fc.sample(span, 1)[0]), traceId: Buffer.alloc(8, 1), startTime: { seconds: '-62135596800', nanos: 0 } } });
    expect(decodeWriteSpanRequestSpan(goZero)).toEqual(viaProtoLoader(goZero));
    expect(decodeWriteSpanRequestSpan(goZero)!.startTime).toBe(0);
  });

  it('throws on truncated or malformed bytes instead of reading out of bounds', () => {
    const bytes = method.requestSerialize({ span: spanToProto({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), operationName: 'op', references: [], flags: 0, startTime: 1, duration: 1, tags: [], logs: [], process: { serviceName: 's', tags: [] }, warnings: [] }) });
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeWriteSpanRequestSpan(bytes.subarray(0, cut))).toThrow(/invalid protobuf|invalid (trace|span) id/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          decodeWriteSpanRequestSpan(Buffer.from(raw));
        } catch (err) {
          if (!(err instanceof InvalidArgumentError)) expect((err as Error).message).toMatch(/invalid protobuf/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
