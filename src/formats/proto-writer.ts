import { varintSize, writeVarint } from './varint.js';

/**
 * A protobuf wire writer into one growing buffer, for encoders written by hand (response messages
 * built straight from domain values, without an intermediate object graph). Fields are written as
 * protobufjs writes a field that is present: the encoders decide which fields are present.
 * Length-delimited messages are opened with `fork` (a one-byte length placed first) and closed with
 * `join`, which moves the body when its length needs more bytes — rarely more than one or two.
 */
export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos;
  }

  /**
   * The bytes written, in a Buffer owning its whole ArrayBuffer (never a slice of Node's shared
   * pool, so it can be transferred to another thread as is); the writer starts over, keeping its capacity.
   */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** uint32 / enum / int32 field (a negative int32 takes ten bytes, sign-extended, as protobuf says). */
  uint32(field: number, value: number): void {
    this.key(field, 0);
    if (value < 0) this.varint64(value >>> 0, 0xffffffff);
    else this.varint(value);
  }

  bool(field: number, value: boolean): void {
    this.key(field, 0);
    this.room(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** int64 field from a safe integer (negative: ten bytes, two's complement). */
  int64(field: number, value: number): void {
    this.key(field, 0);
    if (value >= 0) this.varint(value);
    else {
      const hi = Math.floor(value / 2 ** 32);
      this.varint64(value - hi * 2 ** 32, hi >>> 0);
    }
  }

  /** int64 field from a bigint (taken modulo 2^64, as two's complement). */
  int64Big(field: number, value: bigint): void {
    this.key(field, 0);
    const bits = BigInt.asUintN(64, value);
    this.varint64(Number(bits & 0xffffffffn), Number(bits >> 32n));
  }

  /** fixed64 field from its low and high 32 bits. */
  fixed64(field: number, lo: number, hi: number): void {
    this.key(field, 1);
    this.room(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** fixed64 field from a bigint (taken modulo 2^64). */
  fixed64Big(field: number, value: bigint): void {
    const bits = BigInt.asUintN(64, value);
    this.fixed64(field, Number(bits & 0xffffffffn), Number(bits >> 32n));
  }

  fixed32(field: number, value: number): void {
    this.key(field, 5);
    this.room(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(field: number, value: number): void {
    this.key(field, 1);
    this.room(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** string field, UTF-8 (a lone surrogate becomes U+FFFD, as Buffer writes it). */
  string(field: number, value: string): void {
    this.key(field, 2);
    const n = value.length;
    // At most 3 bytes a UTF-16 unit: up to 42 units fit a one-byte length.
    if (n <= 42) {
      this.room(1 + 3 * n);
      const buf = this.buf;
      const at = this.pos;
      let p = at + 1;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) {
          p = at + 1 + buf.write(value, at + 1, 'utf8');
          break;
        }
        buf[p++] = c;
      }
      buf[at] = p - at - 1;
      this.pos = p;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(bytes);
    this.room(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
  }

  bytes(field: number, value: Uint8Array): void {
    this.key(field, 2);
    this.varint(value.length);
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** bytes field from hex text (an id: at most 127 bytes), as Buffer.from(hex, 'hex') reads it. */
  bytesHex(field: number, hex: string): void {
    this.key(field, 2);
    this.room(1 + (hex.length >>> 1));
    const written = hex.length === 0 ? 0 : this.buf.write(hex, this.pos + 1, 'hex');
    this.buf[this.pos] = written;
    this.pos += 1 + written;
  }

  /** Opens an embedded message (or packed field): returns the mark `join` closes it with. */
  fork(field: number): number {
    this.key(field, 2);
    this.room(1);
    return this.pos++;
  }

  /** Closes the embedded message opened at `mark`: writes its length before it. */
  join(mark: number): void {
    const length = this.pos - mark - 1;
    if (length < 0x80) {
      this.buf[mark] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.room(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    this.pos += extra;
    writeVarint(this.buf, mark, length);
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** A non-negative safe integer as a varint. */
  private varint(value: number): void {
    this.room(10);
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  /** A 64-bit varint from its low and high 32 bits (unsigned). */
  private varint64(lo: number, hi: number): void {
    this.room(10);
    const buf = this.buf;
    let p = this.pos;
    while (hi > 0) {
      buf[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[p++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
