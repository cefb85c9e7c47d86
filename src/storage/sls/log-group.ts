/**
 * Protobuf encoding of SLS `LogGroup` (official sls.proto, proto2), written by hand for speed:
 *   Log { 1 Time uint32 (s); 2 Contents repeated {1 Key string; 2 Value string}; 4 TimeNs fixed32 }
 *   LogGroup { 1 Logs repeated Log; 3 Topic string; 4 Source string; 6 LogTags repeated {1 Key; 2 Value} }
 * Logs are encoded one at a time so a producer can size batches before assembling a group.
 */

export interface SlsLog {
  /** Seconds since the epoch (`__time__`). */
  time: number;
  /** Sub-second nanoseconds, 0–999,999,999. */
  timeNs?: number;
  contents: readonly (readonly [string, string])[];
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
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

let scratch = Buffer.allocUnsafe(1 << 16);
/** `0x0a <len> key` per content key; keys repeat (span columns), values do not. */
const keyHeaders = new Map<string, Buffer>();

function keyHeader(key: string): Buffer {
  let h = keyHeaders.get(key);
  if (!h) {
    const kl = Buffer.byteLength(key, 'utf8');
    h = Buffer.allocUnsafe(1 + varintSize(kl) + kl);
    h[0] = 0x0a;
    h.write(key, writeVarint(h, 1, kl), 'utf8');
    if (keyHeaders.size < 4096) keyHeaders.set(key, h);
  }
  return h;
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

function ensureScratch(needed: number): void {
  if (needed > scratch.length) scratch = Buffer.allocUnsafe(Math.max(needed, scratch.length * 2));
}

/**
 * Encodes one Log message body (without its LogGroup field tag). Values are written in one pass
 * into a scratch buffer at the position a 1-byte length prefix implies, and moved when the
 * prefix turns out longer.
 */
export function encodeLog(log: SlsLog): Buffer {
  const flat: string[] = [];
  for (const [k, v] of log.contents) flat.push(k, v);
  return encodeLogColumns(log.time, log.timeNs, flat);
}

/** encodeLog with contents as a flat [key0, value0, key1, value1, …] list. */
export function encodeLogColumns(time: number, timeNs: number | undefined, columns: readonly string[]): Buffer {
  if (!Number.isInteger(time) || time < 0 || time > 0xffffffff) throw new RangeError(`invalid log time ${time}`);
  // Worst case per pair: tag + 5-byte pair length + key header + tag + 5-byte value length + 3 bytes/char.
  let worst = 16;
  for (let c = 0; c < columns.length; c += 2) worst += 18 + columns[c].length * 3 + columns[c + 1].length * 3;
  ensureScratch(worst);
  const buf = scratch;
  let pos = 0;
  buf[pos++] = 0x08;
  pos = writeVarint(buf, pos, time);
  for (let c = 0; c < columns.length; c += 2) {
    const kh = keyHeader(columns[c]);
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
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  return out;
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
  let size = 0;
  for (const l of logs) size += logGroupEntrySize(l);
  const strField = (s: string | undefined) => (s === undefined ? 0 : 1 + varintSize(Buffer.byteLength(s)) + Buffer.byteLength(s));
  size += strField(envelope.topic) + strField(envelope.source);
  const tagLens = (envelope.tags ?? []).map(([k, v]) => [Buffer.byteLength(k), Buffer.byteLength(v)] as const);
  for (const [kl, vl] of tagLens) {
    const ps = pairSize(kl, vl);
    size += 1 + varintSize(ps) + ps;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const l of logs) {
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, l.length);
    pos += l.copy(buf, pos);
  }
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
