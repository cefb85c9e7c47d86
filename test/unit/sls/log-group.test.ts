import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogEncoder, encodeLogGroup, logGroupEntrySize } from '../../../src/storage/sls/log-group.js';

const encoder = new LogEncoder();

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof import('protobufjs');
// The SDK's own sls.proto, decoded by protobufjs: an independent check of our hand-written encoder.
const LogGroup = protobuf.loadSync(require.resolve('@alicloud/log/lib/sls.proto')).lookupType('sls.LogGroup');

describe('LogGroup protobuf encoding', () => {
  it('matches the documented golden vector (sls.md §4.4)', () => {
    const body = encodeLogGroup([encoder.encode({ time: 1700000000, contents: [['a', '1'], ['b', 'x']], timeNs: 5 })], { topic: 't', source: 's', tags: [['k', 'v']] });
    expect(body.toString('hex')).toBe('0a1b0880e2cfaa0612060a016112013112060a016212017825050000001a017422017332060a016b120176');
  });

  it('decodes with protobufjs to the same logs (property)', () => {
    const content = fc.tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 300 }));
    const log = fc.record({ time: fc.integer({ min: 0, max: 0xffffffff }), timeNs: fc.option(fc.integer({ min: 0, max: 999_999_999 }), { nil: undefined }), contents: fc.array(content, { maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(log, { maxLength: 6 }), fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), (logs, topic) => {
        const encoded = logs.map((l) => encoder.encode(l));
        const body = encodeLogGroup(encoded, topic === undefined ? {} : { topic });
        expect(body.length).toBe(encoded.reduce((n, l) => n + logGroupEntrySize(l), 0) + (topic === undefined ? 0 : 1 + (Buffer.byteLength(topic) > 127 ? 2 : 1) + Buffer.byteLength(topic)));
        const decoded = LogGroup.toObject(LogGroup.decode(body), { longs: Number }) as { Logs?: { Time: number; TimeNs?: number; Contents?: { Key: string; Value: string }[] }[]; Topic?: string };
        expect(decoded.Topic).toBe(topic);
        expect((decoded.Logs ?? []).map((l) => ({ time: l.Time, timeNs: l.TimeNs, contents: (l.Contents ?? []).map((c) => [c.Key, c.Value]) }))).toEqual(
          logs.map((l) => ({ time: l.time, timeNs: l.timeNs, contents: l.contents })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a non-integer or out-of-range time', () => {
    expect(() => encoder.encode({ time: 1.5, contents: [] })).toThrow(RangeError);
    expect(() => encoder.encode({ time: -1, contents: [] })).toThrow(RangeError);
  });
});
