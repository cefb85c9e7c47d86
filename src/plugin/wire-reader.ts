/**
 * Protobuf wire primitives over one Buffer (https://protobuf.dev/programming-guides/encoding/), for
 * the decoders of the write requests (wire-decoder.ts, otlp-wire-decoder.ts). Every read is
 * bounds-checked; malformed input throws Error "invalid protobuf: … at offset N".
 */
export class WireReader {
  pos = 0;
  readonly end: number;
  /**
   * High 32 bits (unsigned) of the last varint or fixed64 read: the halves are returned apart so
   * that no 64-bit value needs an allocation.
   */
  high = 0;

  constructor(readonly buf: Buffer) {
    this.end = buf.length;
  }

  fail(what: string): never {
    throw new Error(`invalid protobuf: ${what} at offset ${this.pos}`);
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
    if (hi === 0) return BigInt(lo);
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

  /** A length-delimited field as a view into the message. */
  bytes(): Buffer {
    const end = this.lengthEnd();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.lengthEnd();
    // Buffer's own utf8Slice (what toString calls after checking its arguments, as protobufjs does).
    const out = (this.buf as SlicingBuffer).utf8Slice(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Lowercase hex of bytes [start, end) of the message. */
  hex(start: number, end: number): string {
    return (this.buf as SlicingBuffer).hexSlice(start, end);
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

/** Buffer's unchecked slicing methods (what toString calls after checking its arguments). */
type SlicingBuffer = Buffer & { utf8Slice(start: number, end: number): string; hexSlice(start: number, end: number): string };
