import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { otlpFromSpans, spansFromOtlp } from '../../../src/formats/otlp.js';
import { spanToProto } from '../../../src/formats/proto-mapping.js';
import { ProtoWriter } from '../../../src/formats/proto-writer.js';
import { writeSpansResponseChunk, writeTracesData } from '../../../src/formats/span-messages.js';
import type { Span } from '../../../src/model/index.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';
import { jaegerSpan } from '../../support/jaeger-span-arbitrary.js';
import { otlpRequest, traceIdList } from '../../support/otlp-arbitrary.js';

/** The reference encodings: @grpc/proto-loader's serializers of the proto-mapping / otlp.ts objects. */
const v1Reference = (spans: Span[]) => Buffer.from(serviceDefinition('spanReader').GetTrace.responseSerialize({ spans: spans.map(spanToProto) }) as Uint8Array);
const v2Reference = (spans: Span[]) => Buffer.from(serviceDefinition('traceReader').GetTraces.responseSerialize({ resourceSpans: otlpFromSpans(spans) }) as Uint8Array);

function encoded(write: (w: ProtoWriter, spans: Span[]) => void, spans: Span[], w = new ProtoWriter(16)): Buffer {
  write(w, spans);
  return w.take();
}

const otlpSpans = traceIdList.chain((ids) => otlpRequest(ids)).map((tree) => spansFromOtlp(tree));

describe('read responses encoded straight from spans', () => {
  it('v1 SpansResponseChunk: the bytes of proto-loader serializing spanToProto', () => {
    fc.assert(fc.property(fc.array(jaegerSpan, { maxLength: 6 }), (spans) => {
      expect(encoded(writeSpansResponseChunk, spans)).toEqual(v1Reference(spans));
    }), { numRuns: 300 });
  });

  it('v1 of spans received as OTLP (their Jaeger view)', () => {
    fc.assert(fc.property(otlpSpans, (spans) => {
      expect(encoded(writeSpansResponseChunk, spans)).toEqual(v1Reference(spans));
    }), { numRuns: 100 });
  });

  it('v2 TracesData: the bytes of proto-loader serializing otlpFromSpans, for spans received as OTLP', () => {
    fc.assert(fc.property(otlpSpans, (spans) => {
      expect(encoded(writeTracesData, spans)).toEqual(v2Reference(spans));
    }), { numRuns: 100 });
  });

  it('v2 of spans received in the Jaeger model (their derived OTLP form)', () => {
    fc.assert(fc.property(fc.array(jaegerSpan, { maxLength: 6 }), (spans) => {
      expect(encoded(writeTracesData, spans)).toEqual(v2Reference(spans));
    }), { numRuns: 300 });
  });

  it('long and multi-byte strings, and messages whose length takes several bytes', () => {
    const span: Span = {
      traceId: '0123456789abcdef0123456789abcdef',
      spanId: '0123456789abcdef',
      operationName: 'ö'.repeat(42),
      references: [],
      flags: 1,
      startTime: 1_700_000_000_123_456,
      duration: 1_500_000,
      tags: [
        { key: 'long', type: 'string', value: 'x'.repeat(20_000) },
        { key: 'emoji', type: 'string', value: '😀'.repeat(21) },
        { key: 'neg', type: 'int64', value: -5n },
        { key: 'empty', type: 'binary', value: new Uint8Array() },
      ],
      logs: [{ timestamp: -1, fields: [{ key: 'event', type: 'string', value: 'é'.repeat(43) }] }],
      process: { serviceName: 's', tags: [] },
      warnings: ['w'],
    };
    const spans = [span, { ...span, spanId: 'fedcba9876543210' }];
    // 20,000 bytes: lengths of three bytes.
    expect(encoded(writeSpansResponseChunk, spans).equals(v1Reference(spans))).toBe(true);
    expect(encoded(writeTracesData, spans).equals(v2Reference(spans))).toBe(true);
  });

  it('a writer used for many messages gives each the same bytes', () => {
    const w = new ProtoWriter(16);
    fc.assert(fc.property(fc.array(jaegerSpan, { maxLength: 3 }), (spans) => {
      expect(encoded(writeSpansResponseChunk, spans, w)).toEqual(v1Reference(spans));
    }), { numRuns: 100 });
  });
});
