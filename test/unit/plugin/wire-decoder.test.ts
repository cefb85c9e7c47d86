import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protoToSpan, spanToProto } from '../../../src/formats/proto-mapping.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';
import { decodeWriteSpanRequestSpan, WriteSpanRequestDecoder } from '../../../src/plugin/wire-decoder.js';
import { WireStrings } from '../../../src/plugin/wire-reader.js';
import { jaegerSpan as span } from '../../support/jaeger-span-arbitrary.js';

const method = serviceDefinition('spanWriter').WriteSpan;
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

  it('decodes a message inside a larger buffer, with shared strings, as the message alone', () => {
    const tiny = new WireStrings(2);
    fc.assert(
      fc.property(span, fc.uint8Array({ maxLength: 9 }), fc.uint8Array({ maxLength: 9 }), (s, before, after) => {
        const bytes = method.requestSerialize({ span: spanToProto(s) });
        const whole = Buffer.concat([before, bytes, after]);
        const inside = decodeWriteSpanRequestSpan(whole, tiny, before.length, before.length + bytes.length);
        expect(inside).toEqual(viaProtoLoader(bytes));
        expect(decodeWriteSpanRequestSpan(whole, tiny, before.length, before.length + bytes.length)).toEqual(inside);
      }),
      { numRuns: 200 },
    );
    // Errors name the offset in the message, not in the buffer around it.
    const bytes = method.requestSerialize({ span: spanToProto({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), operationName: 'op', references: [], flags: 0, startTime: 1, duration: 1, tags: [], logs: [], process: { serviceName: 's', tags: [] }, warnings: [] }) });
    for (let cut = 1; cut < bytes.length; cut++) {
      const alone = errorOf(() => decodeWriteSpanRequestSpan(bytes.subarray(0, cut)));
      expect(errorOf(() => decodeWriteSpanRequestSpan(Buffer.concat([Buffer.alloc(5, 0x0a), bytes]), new WireStrings(), 5, 5 + cut))).toBe(alone);
    }
  });

  it('gives consecutive messages of a stream with the same process bytes one Process, and decodes each as alone', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(span, fc.boolean()), { minLength: 1, maxLength: 6 }), (list) => {
        // Half the spans take the previous span's process, so equal processes follow each other.
        const spans = list.map(([s], i) => (i > 0 && list[i][1] ? { ...s, process: list[i - 1][0].process } : s));
        const messages = spans.map((s) => method.requestSerialize({ span: spanToProto(s) }));
        const whole = Buffer.concat(messages);
        const decoder = new WriteSpanRequestDecoder(new WireStrings(2));
        let at = 0;
        const decoded = messages.map((m) => decoder.span(whole, at, (at += m.length))!);
        expect(decoded).toEqual(messages.map(viaProtoLoader));
        for (let i = 1; i < decoded.length; i++) if (spans[i].process === spans[i - 1].process) expect(decoded[i].process).toBe(decoded[i - 1].process);
      }),
      { numRuns: 200 },
    );
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

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}
