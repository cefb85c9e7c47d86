import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { varintSize, writeVarint } from '../../../src/formats/varint.js';

/** The varint of `v` by the definition: seven bits a byte, least significant first, computed on bigints. */
function reference(v: number): number[] {
  const out: number[] = [];
  let b = BigInt(v);
  while (b >= 0x80n) {
    out.push(Number(b & 0x7fn) | 0x80);
    b >>= 7n;
  }
  out.push(Number(b));
  return out;
}

describe('varint', () => {
  it('writes the base-128 varint of every non-negative safe integer and sizes it', () => {
    const cases = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 35 + 5, Number.MAX_SAFE_INTEGER];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...cases), fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeNat()), (v) => {
        const buf = new Uint8Array(12).fill(0xee);
        const end = writeVarint(buf, 2, v);
        expect([...buf.subarray(2, end)]).toEqual(reference(v));
        expect(end - 2).toBe(varintSize(v));
        expect(buf[end]).toBe(0xee);
      }),
      { numRuns: 2000 },
    );
  });
});
