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

/** Encodes one Log message body (without its LogGroup field tag). */
export function encodeLog(log: SlsLog): Buffer {
  if (!Number.isInteger(log.time) || log.time < 0 || log.time > 0xffffffff) throw new RangeError(`invalid log time ${log.time}`);
  const lens: number[] = new Array(log.contents.length * 2);
  let size = 1 + varintSize(log.time);
  for (let i = 0; i < log.contents.length; i++) {
    const [k, v] = log.contents[i];
    const kl = (lens[2 * i] = Buffer.byteLength(k, 'utf8'));
    const vl = (lens[2 * i + 1] = Buffer.byteLength(v, 'utf8'));
    const ps = pairSize(kl, vl);
    size += 1 + varintSize(ps) + ps;
  }
  const hasNs = log.timeNs !== undefined;
  if (hasNs) size += 5;
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  buf[pos++] = 0x08;
  pos = writeVarint(buf, pos, log.time);
  for (let i = 0; i < log.contents.length; i++) {
    const [k, v] = log.contents[i];
    pos = writePair(buf, pos, 0x12, k, lens[2 * i], v, lens[2 * i + 1]);
  }
  if (hasNs) {
    buf[pos++] = 0x25;
    buf.writeUInt32LE(log.timeNs! >>> 0, pos);
    pos += 4;
  }
  return buf;
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
