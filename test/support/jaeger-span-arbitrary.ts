/** A fast-check arbitrary of domain Spans in the Jaeger model: every tag type, references, logs, warnings; µs times from before 1970 to after 2096. */
import fc from 'fast-check';
import type { KeyValue, Span } from '../../src/model/index.js';

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
  fc.record({ key: fc.string(), type: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 50 }) }),
  fc.record({ key: fc.string(), type: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ key: fc.string(), type: fc.constant('int64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.record({ key: fc.string(), type: fc.constant('float64' as const), value: fc.double({ noNaN: true }) }),
  fc.record({ key: fc.string(), type: fc.constant('binary' as const), value: fc.uint8Array({ maxLength: 20 }) }),
);
const micros = fc.integer({ min: -1e15, max: 4e15 });
export const jaegerSpan: fc.Arbitrary<Span> = fc.record({
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

