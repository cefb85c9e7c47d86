/**
 * The protobuf base-128 varint of a non-negative safe integer (up to 2^53 − 1): seven bits a byte,
 * least significant first, the high bit set on every byte but the last. One rule for every
 * hand-written protobuf encoder (formats/proto-writer.ts, the SLS LogGroup, the SQLite dependency
 * summaries).
 */

/** Bytes the varint of `v` takes (1 … 8). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Writes the varint of `v` at `pos`; returns the position after it. The caller makes room (varintSize). */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  // Above 2^31 the bit operators would wrap: divide until the rest fits 32 bits.
  while (v > 0x7fffffff) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}
