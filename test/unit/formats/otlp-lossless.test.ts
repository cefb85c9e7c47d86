import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { otlpFromSpans, spansFromOtlp } from '../../../src/formats/otlp.js';
import { otlpJsonToTree, treeToOtlpJson } from '../../../src/formats/otlp-json.js';
import { type Span, withoutDerivableOtel } from '../../../src/model/index.js';
import { decodeChunk, encodeChunk } from '../../../src/storage/sqlite/span-codec.js';
import { canonicalOrder, otlpRequest, traceIdList } from '../../support/otlp-arbitrary.js';

const requests = traceIdList.chain(otlpRequest);

describe('OTLP held whole in the domain model', () => {
  it('OTLP → domain → OTLP → domain is the identity, for every field and value type', () => {
    fc.assert(
      fc.property(requests, (request) => {
        const spans = spansFromOtlp(request);
        expect(canonicalOrder(spansFromOtlp(otlpFromSpans(spans)))).toEqual(canonicalOrder(spans));
      }),
      { numRuns: 100 },
    );
  });

  it('OTLP JSON out and in again keeps every field', () => {
    fc.assert(
      fc.property(requests, (request) => {
        const spans = spansFromOtlp(request);
        const json = JSON.parse(JSON.stringify(treeToOtlpJson(otlpFromSpans(spans))));
        expect(canonicalOrder(spansFromOtlp(otlpJsonToTree(json, 'mem')))).toEqual(canonicalOrder(spans));
      }),
      { numRuns: 100 },
    );
  });

  it('the sqlite chunk codec stores OTLP spans whole, sharing resources and scopes within a chunk', () => {
    fc.assert(
      fc.property(requests, (request) => {
        const spans = spansFromOtlp(request);
        for (const traceId of new Set(spans.map((s) => s.traceId))) {
          const chunk = spans.filter((s) => s.traceId === traceId);
          expect(decodeChunk(traceId, encodeChunk(chunk))).toEqual(chunk);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps ns times, int64 beyond 2^53 and a missing service name', () => {
    const traceId = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    const [span] = spansFromOtlp([
      {
        resource: { attributes: [{ key: 'host', value: { intValue: '9007199254740993' } }] },
        scopeSpans: [{ scope: { name: 's', version: '1', attributes: [] }, spans: [{ traceId, spanId: Buffer.from('0102030405060708', 'hex'), startTimeUnixNano: '1700000000000000123', endTimeUnixNano: '1700000000000001100' }] }],
      },
    ]);
    expect(span.startTime).toBe(1_700_000_000_000_000);
    expect(span.duration).toBe(0);
    expect(span.otel).toMatchObject({ startNanos: 123, durationNanos: 977 });
    expect(span.process).toEqual({ serviceName: 'OTLPResourceNoServiceName', tags: [{ key: 'host', type: 'int64', value: 9007199254740993n }] });
    const out = otlpFromSpans([span])[0].scopeSpans![0].spans![0];
    expect([out.startTimeUnixNano, out.endTimeUnixNano]).toEqual(['1700000000000000123', '1700000000000001100']);
  });

  it('dropping an otel its v1 view derives loses nothing: the OTLP written back is the same', () => {
    fc.assert(
      fc.property(requests, (request) => {
        const spans = spansFromOtlp(request);
        expect(canonicalOrder(spansFromOtlp(otlpFromSpans(spans.map(withoutDerivableOtel))))).toEqual(canonicalOrder(spans));
      }),
      { numRuns: 100 },
    );
  });

  it('a span of the Jaeger model through OTLP and back is the span as written; one with more than v1 keeps otel', () => {
    const traceId = '0000000000000000000000000000abcd';
    const jaeger: Span = {
      traceId,
      spanId: '0000000000000002',
      operationName: 'charge',
      references: [
        { refType: 'CHILD_OF', traceId, spanId: '0000000000000001' },
        { refType: 'FOLLOWS_FROM', traceId: '0000000000000000000000000000beef', spanId: '00000000000000b1' },
      ],
      flags: 1,
      startTime: 1_700_000_000_000_000,
      duration: 80,
      tags: [
        { key: 'http.status_code', type: 'int64', value: 500n },
        { key: 'otel.scope.name', type: 'string', value: 'lib' },
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'error', type: 'bool', value: true },
      ],
      logs: [{ timestamp: 1_700_000_000_000_010, fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'n', type: 'int64', value: 2n }] }],
      process: { serviceName: 'payments', tags: [{ key: 'host', type: 'string', value: 'h1' }] },
      warnings: ['clock skew adjusted'],
    };
    const [back] = spansFromOtlp(otlpFromSpans([jaeger]));
    expect(back.otel).toBeDefined();
    expect(withoutDerivableOtel(back)).toEqual(jaeger);
    expect(withoutDerivableOtel(back)).not.toHaveProperty('otel');

    const withArray = { ...back, otel: { ...back.otel!, attributes: [{ key: 'list', type: 'array' as const, value: [{ type: 'string' as const, value: 'a' }] }] } };
    expect(withoutDerivableOtel(withArray)).toBe(withArray);
    const withNanos = { ...back, otel: { ...back.otel!, startNanos: 7 } };
    expect(withoutDerivableOtel(withNanos)).toBe(withNanos);
  });
});
