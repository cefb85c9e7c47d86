/**
 * Protobuf wire primitives over one Buffer (https://protobuf.dev/programming-guides/encoding/), for
 * the decoders of the write requests (wire-decoder.ts, otlp-wire-decoder.ts). Every read is
 * bounds-checked; malformed input throws Error "invalid protobuf: … at offset N".
 */
export class WireReader {
  pos: number;
  readonly end: number;
  /** Where the message starts in `buf` (error offsets count from it). */
  private readonly start: number;
  /**
   * High 32 bits (unsigned) of the last varint or fixed64 read: the halves are returned apart so
   * that no 64-bit value needs an allocation.
   */
  high = 0;

  /**
   * Reads `buf` from `start` to `end` (the whole buffer by default: one reader can walk one message
   * of a larger buffer). `strings`, when given, decodes repeated short strings once (WireStrings).
   */
  constructor(
    readonly buf: Buffer,
    private readonly strings?: WireStrings,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.start = start;
    this.end = end;
  }

  fail(what: string): never {
    throw new Error(`invalid protobuf: ${what} at offset ${this.pos - this.start}`);
  }

  /** A varint: returns its low 32 bits unsigned and leaves the high 32 bits in `high`. */
  private varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        this.high = hi >>> 0;
        return lo >>> 0;
      }
      shift += 7;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** The low 32 bits of a varint, unsigned (tags, lengths, uint32 fields). */
  uint32(): number {
    // One byte: tags and short lengths, nearly every varint of a span.
    if (this.pos < this.end) {
      const b = this.buf[this.pos];
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    return this.varint();
  }

  int32(): number {
    return this.varint() | 0;
  }

  bool(): boolean {
    const lo = this.varint();
    return lo !== 0 || this.high !== 0;
  }

  /** int64 as a number: exact within ±2^53, the nearest double beyond. */
  int64Number(): number {
    const lo = this.varint();
    return (this.high | 0) * TWO_32 + lo;
  }

  /** int64 as a bigint, exact. */
  int64BigInt(): bigint {
    const lo = this.varint();
    const hi = this.high;
    if (hi === 0) return lo < SMALL_BIGINTS.length ? SMALL_BIGINTS[lo] : BigInt(lo);
    if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** fixed64: returns its low 32 bits and leaves the high 32 bits in `high` (both unsigned). */
  fixed64Low(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    this.high = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return lo;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns where the delimited value ends. */
  lengthEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) this.fail('length beyond the message');
    return end;
  }

  /** A length-delimited field copied out of the message (so the result does not keep the request alive). */
  bytesCopy(): Uint8Array {
    const end = this.lengthEnd();
    const out = new Uint8Array(end - this.pos);
    out.set(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    if (start === end) return '';
    if (this.strings !== undefined && end - start <= MAX_SHARED_STRING_BYTES) return this.strings.text(this.buf, start, end);
    // Buffer's own utf8Slice (what toString calls after checking its arguments, as protobufjs does).
    return (this.buf as SlicingBuffer).utf8Slice(start, end);
  }

  /**
   * Lowercase hex of bytes [start, end) of the message. Ids (8 and 16 bytes) are built in one
   * String.fromCharCode call: a third of hexSlice's cost for so few bytes (measured, bench:decode).
   */
  hex(start: number, end: number): string {
    const b = this.buf;
    const p = start;
    if (end - start === 8) {
      return String.fromCharCode(
        HIGH_DIGIT[b[p]], LOW_DIGIT[b[p]], HIGH_DIGIT[b[p + 1]], LOW_DIGIT[b[p + 1]], HIGH_DIGIT[b[p + 2]], LOW_DIGIT[b[p + 2]], HIGH_DIGIT[b[p + 3]], LOW_DIGIT[b[p + 3]],
        HIGH_DIGIT[b[p + 4]], LOW_DIGIT[b[p + 4]], HIGH_DIGIT[b[p + 5]], LOW_DIGIT[b[p + 5]], HIGH_DIGIT[b[p + 6]], LOW_DIGIT[b[p + 6]], HIGH_DIGIT[b[p + 7]], LOW_DIGIT[b[p + 7]],
      );
    }
    if (end - start === 16) {
      return String.fromCharCode(
        HIGH_DIGIT[b[p]], LOW_DIGIT[b[p]], HIGH_DIGIT[b[p + 1]], LOW_DIGIT[b[p + 1]], HIGH_DIGIT[b[p + 2]], LOW_DIGIT[b[p + 2]], HIGH_DIGIT[b[p + 3]], LOW_DIGIT[b[p + 3]],
        HIGH_DIGIT[b[p + 4]], LOW_DIGIT[b[p + 4]], HIGH_DIGIT[b[p + 5]], LOW_DIGIT[b[p + 5]], HIGH_DIGIT[b[p + 6]], LOW_DIGIT[b[p + 6]], HIGH_DIGIT[b[p + 7]], LOW_DIGIT[b[p + 7]],
        HIGH_DIGIT[b[p + 8]], LOW_DIGIT[b[p + 8]], HIGH_DIGIT[b[p + 9]], LOW_DIGIT[b[p + 9]], HIGH_DIGIT[b[p + 10]], LOW_DIGIT[b[p + 10]], HIGH_DIGIT[b[p + 11]], LOW_DIGIT[b[p + 11]],
        HIGH_DIGIT[b[p + 12]], LOW_DIGIT[b[p + 12]], HIGH_DIGIT[b[p + 13]], LOW_DIGIT[b[p + 13]], HIGH_DIGIT[b[p + 14]], LOW_DIGIT[b[p + 14]], HIGH_DIGIT[b[p + 15]], LOW_DIGIT[b[p + 15]],
      );
    }
    return (b as SlicingBuffer).hexSlice(start, end);
  }

  /** Whether bytes [start, end) are all zero. */
  isZero(start: number, end: number): boolean {
    const buf = this.buf;
    for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
    return true;
  }

  /** Whether the `length` bytes at `a` equal those at `b`. */
  sameBytes(a: number, b: number, length: number): boolean {
    const buf = this.buf;
    for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
    return true;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) this.fail('truncated field');
  }

  expectAt(end: number): void {
    if (this.pos !== end) this.fail('field crosses its message boundary');
  }
}

const TWO_32 = 4294967296;

/**
 * The bigints 0–1023, made once: integer attributes are mostly small (HTTP status codes, counts,
 * retries), and a bigint from the table costs a lookup where BigInt(n) allocates (about a fifth of
 * the time, measured). Bigints are immutable values, so sharing them is safe.
 */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** Char codes of the lowercase hex digits of a byte's high and low nibble. */
const HIGH_DIGIT = new Uint8Array(256);
const LOW_DIGIT = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HIGH_DIGIT[i] = '0123456789abcdef'.charCodeAt(i >> 4);
  LOW_DIGIT[i] = '0123456789abcdef'.charCodeAt(i & 15);
}

/**
 * Longest string (UTF-8 bytes) WireStrings keeps: attribute keys, service, operation and scope
 * names and enum-like values, the strings that repeat from span to span, are shorter (OpenTelemetry's
 * semantic-convention keys stay under 64); longer values (URLs, statements, messages) rarely repeat
 * and would cost a hash and a copy of every byte for nothing.
 */
export const MAX_SHARED_STRING_BYTES = 64;
/**
 * Slots of a WireStrings: room for the distinct short strings of many requests (a few services ×
 * their operations, attribute keys and low-cardinality values) at 64 + ~80 bytes each (≈ 600 KiB).
 */
const WIRE_STRING_SLOTS = 4096;

/**
 * Strings already decoded, by their UTF-8 bytes: a string read again (the same bytes) is the same
 * string, found by a hash of its bytes and one comparison instead of a UTF-8 decode and a new string
 * (a repeated key, name or value is most of a span's strings). A direct-mapped table: a colliding
 * string replaces the one in its slot, so memory stays fixed. The result is always exactly
 * utf8Slice's (bytes equal ⇒ text equal). One per decoding thread, kept across requests.
 */
export class WireStrings {
  private readonly texts: string[];
  /** Byte length of each slot's string; −1 for an empty slot. */
  private readonly lengths: Int32Array;
  /** Each slot's bytes at slot × MAX_SHARED_STRING_BYTES. */
  private readonly bytes: Uint8Array;
  /** 32 − log2(slots): the hash's top bits index the table. */
  private readonly shift: number;

  /** `slots`: a power of two, at least 2. */
  constructor(slots = WIRE_STRING_SLOTS) {
    if (slots < 2 || slots > 2 ** 30 || (slots & (slots - 1)) !== 0) throw new RangeError(`WireStrings slots must be a power of two from 2 to 2^30, not ${slots}`);
    this.texts = new Array<string>(slots).fill('');
    this.lengths = new Int32Array(slots).fill(-1);
    this.bytes = new Uint8Array(slots * MAX_SHARED_STRING_BYTES);
    this.shift = Math.clz32(slots) + 1;
  }

  /** The text of bytes [start, end) of `buf` (at most MAX_SHARED_STRING_BYTES of them). */
  text(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    // Multiplicative hashing of the bytes four at a time (Knuth's 2^32 / golden ratio): a short
    // dependency chain; the slot is taken from the well-mixed high bits.
    let h = length;
    let i = start;
    for (; i + 4 <= end; i += 4) h = Math.imul(h ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)), 0x9e3779b1);
    for (; i < end; i++) h = Math.imul(h ^ buf[i], 0x9e3779b1);
    const slot = Math.imul(h ^ (h >>> 16), 0x9e3779b1) >>> this.shift;
    const bytes = this.bytes;
    const at = slot * MAX_SHARED_STRING_BYTES;
    if (this.lengths[slot] === length) {
      let j = 0;
      while (j < length && bytes[at + j] === buf[start + j]) j++;
      if (j === length) return this.texts[slot];
    }
    const text = (buf as SlicingBuffer).utf8Slice(start, end);
    for (let j = 0; j < length; j++) bytes[at + j] = buf[start + j];
    this.lengths[slot] = length;
    this.texts[slot] = text;
    return text;
  }
}

/** Buffer's unchecked slicing methods (what toString calls after checking its arguments). */
type SlicingBuffer = Buffer & { utf8Slice(start: number, end: number): string; hexSlice(start: number, end: number): string };
