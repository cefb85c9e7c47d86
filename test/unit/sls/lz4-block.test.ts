import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lz4CompressBlock, lz4DecompressBlock } from '../../../src/storage/sls/lz4-block.js';

const require = createRequire(import.meta.url);
const lz4js = require('lz4js') as {
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  compressBound(n: number): number;
};

/** Decodes with lz4js, an independent implementation of the block format. */
function lz4jsDecompress(block: Uint8Array, rawSize: number): Buffer {
  const dst = Buffer.alloc(rawSize);
  const end = lz4js.decompressBlock(block, dst, 0, block.length, 0);
  return dst.subarray(0, end);
}

const textLike = fc.array(fc.constantFrom('traceID', 'service', '{"http.method":"GET"}', 'frontend', '0000000000000001', ' ', '"', 'x'), { maxLength: 400 }).map((parts) => Buffer.from(parts.join('')));

describe('lz4 block codec', () => {
  it('round-trips and is readable by lz4js (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), textLike), (bytes) => {
        const input = Buffer.from(bytes);
        const block = lz4CompressBlock(input);
        expect(lz4DecompressBlock(block, input.length).equals(input)).toBe(true);
        expect(lz4jsDecompress(block, input.length).equals(input)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes blocks made by lz4js', () => {
    fc.assert(
      fc.property(textLike, (input) => {
        const dst = Buffer.alloc(lz4js.compressBound(input.length));
        const n = lz4js.compressBlock(input, dst, 0, input.length, new Uint32Array(1 << 16));
        if (n === 0) return; // lz4js declines incompressible input
        expect(lz4DecompressBlock(dst.subarray(0, n), input.length).equals(input)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('compresses repetitive span JSON well and handles tiny and long inputs', () => {
    const span = '{"traceID":"0af7651916cd43dd8448eb211c80319c","service":"frontend","attribute":{"http.method":"GET"}}';
    const input = Buffer.from(span.repeat(2000));
    const block = lz4CompressBlock(input);
    expect(block.length).toBeLessThan(input.length / 20);
    expect(lz4jsDecompress(block, input.length).equals(input)).toBe(true);
    for (const n of [0, 1, 5, 12, 13, 16, 70_000]) {
      const b = Buffer.alloc(n, 7);
      expect(lz4DecompressBlock(lz4CompressBlock(b), n).equals(b)).toBe(true);
    }
  });

  it('rejects corrupt blocks', () => {
    expect(() => lz4DecompressBlock(Buffer.from([0x1f, 0x61, 0x05, 0x00]), 30)).toThrow(/invalid lz4 block/);
    expect(() => lz4DecompressBlock(lz4CompressBlock(Buffer.from('hello hello hello hello')), 5)).toThrow(/invalid lz4 block/);
  });
});
