import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyValue, Span } from '../../../src/model/index.js';
import { spanToProto } from '../../../src/plugin/mapping.js';
import { serviceDefinition } from '../../../src/plugin/protos.js';
import { decodeWriteSpanRequest } from '../../../src/plugin/wire-decoder.js';

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
  it('decodes WriteSpanRequest exactly as proto-loader does', () => {
    fc.assert(
      fc.property(span, (s) => {
        const bytes = method.requestSerialize({ span: spanToProto(s) });
        expect(decodeWriteSpanRequest(bytes)).toEqual(method.requestDeserialize(bytes));
      }),
      { numRuns: 300 },
    );
    const empty = method.requestSerialize({});
    expect(decodeWriteSpanRequest(empty)).toEqual(method.requestDeserialize(empty));
    const bare = method.requestSerialize({ span: {} });
    expect(decodeWriteSpanRequest(bare)).toEqual(method.requestDeserialize(bare));
  });

  it('throws on truncated or malformed bytes instead of reading out of bounds', () => {
    const bytes = method.requestSerialize({ span: spanToProto({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), operationName: 'op', references: [], flags: 0, startTime: 1, duration: 1, tags: [], logs: [], process: { serviceName: 's', tags: [] }, warnings: [] }) });
    for (let cut = 1; cut < bytes.length; cut++) expect(() => decodeWriteSpanRequest(bytes.subarray(0, cut))).toThrow(/invalid protobuf/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          const out = decodeWriteSpanRequest(Buffer.from(raw));
          expect(out).toHaveProperty('span');
        } catch (err) {
          expect((err as Error).message).toMatch(/invalid protobuf/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
