/**
 * Protobuf encoding of SLS `LogGroup` (official sls.proto, proto2), written by hand for speed:
 *   Log { 1 Time uint32 (s); 2 Contents repeated {1 Key string; 2 Value string}; 4 TimeNs fixed32 }
 *   LogGroup { 1 Logs repeated Log; 3 Topic string; 4 Source string; 6 LogTags repeated {1 Key; 2 Value} }
 * Logs are encoded one at a time so a producer can size batches before assembling a group.
 */
import { varintSize, writeVarint } from '../../formats/varint.js';

export interface SlsLog {
  /** Seconds since the epoch (`__time__`). */
  time: number;
  /** Sub-second nanoseconds, 0–999,999,999. */
  timeNs?: number;
  contents: readonly (readonly [string, string])[];
}

function pairSize(keyLen: number, valueLen: number): number {
  return 1 + varintSize(keyLen) + keyLen + 1 + varintSize(valueLen) + valueLen;
}

function writePair(buf: Buffer, pos: number, fieldTag: number, key: string, keyLen: number, value: string, valueLen: number): number {
  buf[pos++] = fieldTag;
  pos = writeVarint(buf, pos, pairSize(keyLen, valueLen));
  buf[pos++] = 0x0a;
  pos = writeVarint(buf, pos, keyLen);
  pos += buf.write(key, pos, keyLen, 'utf8');
  buf[pos++] = 0x12;
  pos = writeVarint(buf, pos, valueLen);
  pos += buf.write(value, pos, valueLen, 'utf8');
  return pos;
}

/** Short ASCII by hand (a native call costs more than the copy), anything else natively. */
function writeUtf8(buf: Buffer, pos: number, text: string): number {
  const n = text.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === n) return n;
  }
  return buf.write(text, pos, 'utf8');
}

/**
 * Encodes Logs through scratch buffers it keeps from one Log to the next (a store keeps one). Logs
 * are written in one pass into the scratch at the position a 1-byte length prefix implies, and
 * moved when the prefix turns out longer. Synchronous use only; every result is copied out.
 */
export class LogEncoder {
  private scratch = Buffer.allocUnsafe(1 << 16);
  /** `0x0a <len> key` per content key; keys repeat (span columns), values do not. */
  private readonly keyHeaders = new Map<string, Buffer>();
  /** The entries of the LogEntriesBuilder being filled (one at a time). */
  entries = Buffer.allocUnsafe(1 << 16);

  /** One Log message body (without its LogGroup field tag). */
  encode(log: SlsLog): Buffer {
    const flat: string[] = [];
    for (const [k, v] of log.contents) flat.push(k, v);
    return this.encodeColumns(log.time, log.timeNs, flat);
  }

  /** encode with contents as a flat [key0, value0, key1, value1, …] list. */
  encodeColumns(time: number, timeNs: number | undefined, columns: readonly string[]): Buffer {
    const length = this.encodeIntoScratch(time, timeNs, columns);
    const out = Buffer.allocUnsafe(length);
    this.scratch.copy(out, 0, 0, length);
    return out;
  }

  /** Encodes one Log body as a LogGroup entry into `entries`, where `reserve(size)` makes room. */
  encodeEntry(time: number, timeNs: number | undefined, columns: readonly string[], reserve: (size: number) => number): void {
    const length = this.encodeIntoScratch(time, timeNs, columns);
    const at = reserve(1 + varintSize(length) + length);
    this.entries[at] = 0x0a;
    this.scratch.copy(this.entries, writeVarint(this.entries, at + 1, length), 0, length);
  }

  private keyHeader(key: string): Buffer {
    let h = this.keyHeaders.get(key);
    if (!h) {
      const kl = Buffer.byteLength(key, 'utf8');
      h = Buffer.allocUnsafe(1 + varintSize(kl) + kl);
      h[0] = 0x0a;
      h.write(key, writeVarint(h, 1, kl), 'utf8');
      if (this.keyHeaders.size < 4096) this.keyHeaders.set(key, h);
    }
    return h;
  }

  /** Encodes one Log body into `scratch` from offset 0; returns its length. */
  private encodeIntoScratch(time: number, timeNs: number | undefined, columns: readonly string[]): number {
    if (!Number.isInteger(time) || time < 0 || time > 0xffffffff) throw new RangeError(`invalid log time ${time}`);
    // Worst case per pair: tag + 5-byte pair length + key header + tag + 5-byte value length + 3 bytes/char.
    let worst = 16;
    for (let c = 0; c < columns.length; c += 2) worst += 18 + columns[c].length * 3 + columns[c + 1].length * 3;
    if (worst > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(worst, this.scratch.length * 2));
    const buf = this.scratch;
    let pos = 0;
    buf[pos++] = 0x08;
    pos = writeVarint(buf, pos, time);
    for (let c = 0; c < columns.length; c += 2) {
      const kh = this.keyHeader(columns[c]);
      const v = columns[c + 1];
      const khl = kh.length;
      const pairStart = pos + 2; // optimistic: 1-byte pair length
      for (let i = 0; i < khl; i++) buf[pairStart + i] = kh[i];
      const valueTag = pairStart + khl;
      buf[valueTag] = 0x12;
      const valueStart = valueTag + 2; // optimistic: 1-byte value length
      const vl = writeUtf8(buf, valueStart, v);
      let pairLen: number;
      if (vl < 0x80) {
        buf[valueTag + 1] = vl;
        pairLen = khl + 2 + vl;
      } else {
        const vls = varintSize(vl);
        buf.copyWithin(valueStart + vls - 1, valueStart, valueStart + vl);
        writeVarint(buf, valueTag + 1, vl);
        pairLen = khl + 1 + vls + vl;
      }
      buf[pos] = 0x12;
      if (pairLen < 0x80) {
        buf[pos + 1] = pairLen;
        pos += 2 + pairLen;
      } else {
        const pls = varintSize(pairLen);
        buf.copyWithin(pairStart + pls - 1, pairStart, pairStart + pairLen);
        writeVarint(buf, pos + 1, pairLen);
        pos += 1 + pls + pairLen;
      }
    }
    if (timeNs !== undefined) {
      buf[pos++] = 0x25;
      buf.writeUInt32LE(timeNs >>> 0, pos);
      pos += 4;
    }
    return pos;
  }
}

/**
 * Encoded Logs laid out as consecutive LogGroup entries (`0x0a <length> Log`, LogGroup field 1) in
 * one buffer, so that a batch of logs is one object rather than one per log; `ends[i]` is the
 * offset just past entry i. Any run of whole entries is a valid part of a LogGroup body.
 */
export interface LogEntries {
  readonly data: Buffer;
  readonly ends: readonly number[];
}

/**
 * Builds LogEntries in its encoder's entries buffer: one builder at a time per encoder,
 * synchronously; `finish` copies the entries out at their exact size.
 */
export class LogEntriesBuilder {
  private pos = 0;
  private readonly ends: number[] = [];

  constructor(private readonly encoder = new LogEncoder()) {}

  /** Appends one Log given as a flat [key0, value0, …] column list. */
  addColumns(time: number, timeNs: number | undefined, columns: readonly string[]): void {
    this.encoder.encodeEntry(time, timeNs, columns, (size) => this.reserve(size));
    this.ends.push(this.pos);
  }

  /** Appends one already encoded Log (see LogEncoder.encode). */
  add(log: Buffer): void {
    const at = this.reserve(1 + varintSize(log.length) + log.length);
    const entries = this.encoder.entries;
    entries[at] = 0x0a;
    log.copy(entries, writeVarint(entries, at + 1, log.length));
    this.ends.push(this.pos);
  }

  finish(): LogEntries {
    const data = Buffer.allocUnsafe(this.pos);
    this.encoder.entries.copy(data, 0, 0, this.pos);
    return { data, ends: this.ends };
  }

  /** Makes room for `size` more bytes; returns where they start. */
  private reserve(size: number): number {
    const at = this.pos;
    const entries = this.encoder.entries;
    if (at + size > entries.length) {
      const grown = Buffer.allocUnsafe(Math.max(at + size, entries.length * 2));
      entries.copy(grown, 0, 0, at);
      this.encoder.entries = grown;
    }
    this.pos = at + size;
    return at;
  }
}

/** LogEntries of already encoded Logs. */
export function logEntries(logs: readonly Buffer[]): LogEntries {
  const b = new LogEntriesBuilder();
  for (const l of logs) b.add(l);
  return b.finish();
}

/** Bytes one encoded Log adds to a LogGroup. */
export function logGroupEntrySize(encodedLog: Buffer): number {
  return 1 + varintSize(encodedLog.length) + encodedLog.length;
}

export interface LogGroupEnvelope {
  topic?: string;
  source?: string;
  tags?: readonly (readonly [string, string])[];
}

/** Assembles a LogGroup from encoded Logs. */
export function encodeLogGroup(logs: readonly Buffer[], envelope: LogGroupEnvelope = {}): Buffer {
  return logGroupFromEntries([logEntries(logs).data], envelope);
}

/** Assembles a LogGroup from runs of LogGroup entries (parts of LogEntries data). */
export function logGroupFromEntries(parts: readonly Buffer[], envelope: LogGroupEnvelope = {}): Buffer {
  let size = 0;
  for (const p of parts) size += p.length;
  const strField = (s: string | undefined) => (s === undefined ? 0 : 1 + varintSize(Buffer.byteLength(s)) + Buffer.byteLength(s));
  size += strField(envelope.topic) + strField(envelope.source);
  const tagLens = (envelope.tags ?? []).map(([k, v]) => [Buffer.byteLength(k), Buffer.byteLength(v)] as const);
  for (const [kl, vl] of tagLens) {
    const ps = pairSize(kl, vl);
    size += 1 + varintSize(ps) + ps;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const p of parts) pos += p.copy(buf, pos);
  for (const [tag, s] of [[0x1a, envelope.topic], [0x22, envelope.source]] as const) {
    if (s === undefined) continue;
    const len = Buffer.byteLength(s);
    buf[pos++] = tag;
    pos = writeVarint(buf, pos, len);
    pos += buf.write(s, pos, len, 'utf8');
  }
  (envelope.tags ?? []).forEach(([k, v], i) => {
    pos = writePair(buf, pos, 0x32, k, tagLens[i][0], v, tagLens[i][1]);
  });
  return buf;
}
