/**
 * LZ4 block format (no frame), as SLS expects for `x-log-compresstype: lz4` (Go `lz4.CompressBlock`).
 * Format: sequences of [token][literal length+][literals][offset LE16][match length+]; the last
 * sequence is literals only; the last 5 bytes are always literals and a match never starts in the
 * last 12 bytes. Reference: lz4/lz4 `doc/lz4_Block_format.md`.
 */

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const HASH_LOG = 16;
const MAX_OFFSET = 65535;
const SKIP_TRIGGER = 6;

function hash(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HASH_LOG);
}

/** Scratch for lz4CompressBlock. */
export function newLz4HashTable(): Int32Array {
  return new Int32Array(1 << HASH_LOG);
}

/** Worst-case compressed size of `n` input bytes. */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Compresses `src` into one LZ4 block. Greedy single-probe hash matcher. `hashTable` is its scratch
 * (position of the last 4-byte sequence per hash, 256 KiB): a caller that compresses often passes
 * one of its own, reused call after call (see newLz4HashTable).
 */
export function lz4CompressBlock(src: Uint8Array, hashTable: Int32Array = newLz4HashTable()): Buffer {
  const n = src.length;
  const dst = Buffer.allocUnsafe(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    // Unaligned little-endian 32-bit loads: one machine load where four byte reads would do.
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    hashTable.fill(-1);
    const matchLimit = n - LAST_LITERALS;
    const inputLimit = n - MF_LIMIT;
    let ip = 0;
    // LZ4's acceleration: after each 64 misses in a row, step one byte further.
    let misses = 1 << SKIP_TRIGGER;
    while (ip < inputLimit) {
      const seq = view.getInt32(ip, true);
      const h = hash(seq);
      const ref = hashTable[h];
      hashTable[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || view.getInt32(ref, true) !== seq) {
        ip += misses++ >> SKIP_TRIGGER;
        continue;
      }
      misses = 1 << SKIP_TRIGGER;
      // Extend the match backwards over pending literals, then forwards.
      let start = ip;
      let mref = ref;
      while (start > anchor && mref > 0 && src[start - 1] === src[mref - 1]) {
        start--;
        mref--;
      }
      let end = ip + MIN_MATCH;
      let r = mref + (end - start);
      while (end + 4 <= matchLimit && view.getInt32(end, true) === view.getInt32(r, true)) {
        end += 4;
        r += 4;
      }
      while (end < matchLimit && src[end] === src[r]) {
        end++;
        r++;
      }
      op = writeSequence(dst, op, src, anchor, start - anchor, start - mref, end - start);
      anchor = end;
      if (end < inputLimit) hashTable[hash(view.getInt32(end - 2, true))] = end - 2;
      ip = end;
    }
  }
  op = writeLastLiterals(dst, op, src, anchor, n - anchor);
  return dst.subarray(0, op);
}

function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function writeSequence(dst: Uint8Array, op: number, src: Uint8Array, litStart: number, litLen: number, offset: number, matchLen: number): number {
  const ml = matchLen - MIN_MATCH;
  const tokenPos = op++;
  dst[tokenPos] = ((litLen >= 15 ? 15 : litLen) << 4) | (ml >= 15 ? 15 : ml);
  if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
  op = copyBytes(dst, op, src, litStart, litLen);
  dst[op++] = offset & 0xff;
  dst[op++] = offset >>> 8;
  if (ml >= 15) op = writeLength(dst, op, ml - 15);
  return op;
}

function writeLastLiterals(dst: Uint8Array, op: number, src: Uint8Array, litStart: number, litLen: number): number {
  dst[op++] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
  return copyBytes(dst, op, src, litStart, litLen);
}

/** Short runs by hand (no subarray allocation), long ones with a native copy. */
function copyBytes(dst: Uint8Array, op: number, src: Uint8Array, from: number, len: number): number {
  if (len < 32) {
    for (let i = 0; i < len; i++) dst[op + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + len), op);
  }
  return op + len;
}

/** Decompresses one LZ4 block whose decompressed size is known (x-log-bodyrawsize). */
export function lz4DecompressBlock(src: Uint8Array, rawSize: number): Buffer {
  const dst = Buffer.allocUnsafe(rawSize);
  let ip = 0;
  let op = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid lz4 block: ${why}`);
  };
  /** A length from its 4-bit token field, extended by the bytes that follow while 15 and 255 (see writeLength). */
  const readLength = (field: number, what: string): number => {
    let length = field;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= src.length) fail(`truncated ${what} length`);
        b = src[ip++];
        length += b;
      } while (b === 255);
    }
    return length;
  };
  while (ip < src.length) {
    const token = src[ip++];
    const litLen = readLength(token >>> 4, 'literal');
    if (ip + litLen > src.length || op + litLen > rawSize) fail('literals overflow');
    dst.set(src.subarray(ip, ip + litLen), op);
    ip += litLen;
    op += litLen;
    if (ip >= src.length) break;
    if (ip + 2 > src.length) fail('truncated offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) fail('bad offset');
    const matchLen = readLength(token & 15, 'match') + MIN_MATCH;
    if (op + matchLen > rawSize) fail('match overflow');
    let m = op - offset;
    for (let i = 0; i < matchLen; i++) dst[op++] = dst[m++];
  }
  if (op !== rawSize) fail(`decompressed ${op} bytes, expected ${rawSize}`);
  return dst;
}
