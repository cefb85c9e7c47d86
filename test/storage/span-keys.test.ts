import { describe, expect, it } from 'vitest';
import type { KeyValue, Span } from '../../src/model/index.js';
import { otelAsString, tagValueAsString } from '../../src/model/index.js';
import { operationKey, serviceBit, serviceKey, SpanKeys, tagKey } from '../../src/storage/sqlite/index-keys.js';

function span(i: number, tags: KeyValue[]): Span {
  return {
    traceId: '1'.repeat(32),
    spanId: '2'.repeat(16),
    operationName: `op-${i % 7}`,
    references: [],
    flags: 0,
    startTime: 0,
    duration: 0,
    tags,
    logs: [{ timestamp: 0, fields: [{ key: 'event', type: 'string', value: `e${i % 3}` }] }],
    process: { serviceName: `svc-${i % 5}`, tags: [{ key: 'host', type: 'string', value: `h${i}` }] },
    warnings: [],
  };
}

/** The keys of a span hashed afresh, as index-keys.ts defines them. */
function direct(tenant: number, s: Span): number[] {
  const tags = [...s.tags, ...s.process.tags, ...s.logs.flatMap((l) => l.fields)];
  // Floats and bytes also by OpenTelemetry's AsString where it differs (Jaeger v2 filters).
  const texts = (t: KeyValue) => [tagValueAsString(t), ...(otelAsString(t) !== tagValueAsString(t) ? [otelAsString(t)] : [])];
  return [serviceKey(tenant, s.process.serviceName), operationKey(tenant, s.process.serviceName, s.operationName), ...tags.flatMap((t) => texts(t).map((v) => tagKey(tenant, t.key, v)))];
}

describe('SpanKeys', () => {
  it('gives the keys of hashing afresh, for every tag type, before and after it forgets (past 65,536 values)', () => {
    const spanKeys = new SpanKeys(3);
    // Every span has a new host value, so the remembered values pass the bound.
    for (let i = 0; i < 70_000; i++) {
      const s = span(i, [
        { key: 'str', type: 'string', value: `v${i % 11}` },
        { key: 'int', type: 'int64', value: BigInt(i % 13) - 6n },
        { key: 'bool', type: 'bool', value: i % 2 === 0 },
        { key: 'float', type: 'float64', value: i / 4 },
        { key: 'bin', type: 'binary', value: new Uint8Array([i & 255]) },
        // Same text, other type: the same key.
        { key: 'int', type: 'string', value: String((i % 13) - 6) },
      ]);
      const got: number[] = [];
      let bit = 0;
      spanKeys.forEach(s, { span: (b) => (bit = b), add: (k) => got.push(k), firstSight: () => true });
      if (i < 100 || i % 97 === 0 || Math.abs(i - 65_536) < 20) {
        expect(got).toEqual(direct(3, s));
        expect(bit).toBe(serviceBit(s.process.serviceName));
      }
    }
  });
});
