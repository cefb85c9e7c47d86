/**
 * Dependency summary — the dependency facts (analysis/dependency-spans.ts) of the spans of one
 * write batch, stored beside their chunks so that `deps` and GetDependencies read a few bytes per
 * span instead of decoding whole spans: what Parquet gives DuckDB, reading only the columns needed.
 *
 * One summary per batch (one `dependency_summaries` row, schema v3) covers the batch's chunks.
 * References are resolved within each chunk, so a chunk's facts are its trace's facts only while
 * the trace has no other chunk (`chunks.shared = 0`); readers decode shared traces from the bodies.
 *
 * Layout (varint = unsigned LEB128 up to 2^53; f64 little-endian):
 *   u8 version (1) · u32 LE offset of the string table · u8 reserved ×3 · chunk… · string table
 *   chunk   = varint chunk id − first_chunk of its row · 16 bytes trace id · f64 earliest start · f64 latest start (µs)
 *             · u32 LE byte length of the rest of the chunk · varint spans · varint references · span…
 *   span    = varint service · varint operation (string indexes) · varint kind (0 '' 1 client
 *             2 server 3 producer 4 consumer 5 internal, else 6 + string index) · u8 bits
 *             [· varint peer, when bit 2] · varint span id number (0…, equal ids equal numbers)
 *             · varint start − earliest start · varint duration · varint references · ref…
 *   bits    = 1 error · 2 peer.service tagged · 4 has peer · (peer type: 0 '' 1 database
 *             2 messaging 3 virtual) << 3
 *   ref     = varint (target + 2) · 2 + (1 for FOLLOWS_FROM), target = span id number,
 *             REF_ABSENT (−1, not in the chunk) or REF_OTHER_TRACE (−2)
 *   strings = varint count · (varint byte length · UTF-8)…
 */
import type { Span } from '../../model/index.js';
import type { ConnectionType, DependencySpansBuffer } from '../../analysis/dependency-spans.js';
import { makeSpanFacts, REF_ABSENT, REF_OTHER_TRACE, spanFacts } from '../../analysis/dependency-spans.js';
import { NameTable } from '../../analysis/name-table.js';

const VERSION = 1;
const HEADER_BYTES = 8;
const PEER_TYPES: readonly ConnectionType[] = ['', 'database', 'messaging', 'virtual'];
const PEER_TYPE_CODE: Record<ConnectionType, number> = { '': 0, database: 1, messaging: 2, virtual: 3 };
/** Span kinds stored as their code; others as KINDS.length + their string index. */
const KINDS = ['', 'client', 'server', 'producer', 'consumer', 'internal'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
/** The shared facts of a span with a stored kind code and no peer: index code · 2 + error bit. */
const PLAIN_FACTS_BY_CODE = KINDS.flatMap((k) => [makeSpanFacts(k, false, undefined, '', false), makeSpanFacts(k, true, undefined, '', false)]);

/** One stored chunk: its row id less the batch's first (0, 1, …), trace id (16 bytes), span start range (µs) and spans. */
export interface SummaryChunk {
  offset: number;
  traceKey: Uint8Array;
  startMin: number;
  startMax: number;
  spans: readonly Span[];
}

// Encoder scratch, reused from batch to batch; the returned Buffer is a view of it.
let out = new Uint8Array(1 << 16);
let pos = 0;
const strings = new NameTable();
const ids = new Map<string, number>();
let spanIds = new Int32Array(64);

function room(bytes: number): void {
  if (pos + bytes <= out.length) return;
  const next = new Uint8Array(Math.max(out.length * 2, pos + bytes));
  next.set(out.subarray(0, pos));
  out = next;
}

/** Needs room for 8 bytes. */
function varint(v: number): void {
  while (v > 0x7fffffff) {
    out[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
}

/**
 * Span id → idBase + its number within the current chunk. The map is cleared once per batch, not
 * per chunk (clearing reallocates); entries of earlier chunks are told apart by being below idBase.
 * Chunks of at most SCAN_IDS spans skip the map: comparing their ids costs less than hashing them.
 */
let idBase = 0;
let idCount = 0;
const SCAN_IDS = 32;
/** The current chunk's spans, and their numbers once assigned (spanIds). */
let chunkSpans: readonly Span[] = [];

/** The number of span id `id` in the current chunk, or REF_ABSENT; `add` numbers a new id. */
function idNumber(id: string, add: boolean, at: number): number {
  if (chunkSpans.length <= SCAN_IDS) {
    const end = add ? at : chunkSpans.length;
    for (let j = 0; j < end; j++) if (chunkSpans[j].spanId === id) return spanIds[j];
    return add ? idCount++ : REF_ABSENT;
  }
  const known = ids.get(id);
  if (known !== undefined && known >= idBase) return known - idBase;
  if (!add) return REF_ABSENT;
  ids.set(id, idBase + idCount);
  return idCount++;
}

/**
 * The summary of the chunks of one batch, as a view of a scratch buffer valid until the next call
 * (binding it copies it). Facts come from `spanFacts`, the dependency rules' own reading of tags.
 */
export function encodeDependencySummary(chunks: readonly SummaryChunk[]): Buffer {
  startSummary();
  for (const chunk of chunks) summarizeChunk(chunk);
  return finishSummary();
}

let lastService: string | undefined;
let lastServiceIndex = 0;

/**
 * A summary built chunk by chunk, e.g. while each chunk's spans are still in cache: startSummary,
 * summarizeChunk for each chunk in offset order, finishSummary (as encodeDependencySummary).
 * One summary at a time.
 */
export function startSummary(): void {
  pos = HEADER_BYTES;
  strings.clear();
  ids.clear();
  idBase = idCount = 0;
  lastService = undefined;
  lastServiceIndex = 0;
}

export function summarizeChunk(chunk: SummaryChunk): void {
  const spans = chunk.spans;
  room(64);
  varint(chunk.offset);
  out.set(chunk.traceKey, pos);
  pos += 16;
  const f64 = new DataView(out.buffer, out.byteOffset);
  f64.setFloat64(pos, chunk.startMin, true);
  f64.setFloat64(pos + 8, chunk.startMax, true);
  pos += 16;
  const n = spans.length;
  idBase += idCount;
  idCount = 0;
  if (spanIds.length < n) spanIds = new Int32Array(Math.max(n, 2 * spanIds.length));
  let refs = 0;
  chunkSpans = spans;
  for (let i = 0; i < n; i++) {
    spanIds[i] = idNumber(spans[i].spanId, true, i);
    refs += spans[i].references.length;
  }
  const lengthAt = pos;
  pos += 4;
  varint(n);
  varint(refs);
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const f = spanFacts(s);
    room(96 + 8 * s.references.length);
    const service = s.process.serviceName;
    if (service !== lastService) {
      lastService = service;
      lastServiceIndex = strings.number(service);
    }
    varint(lastServiceIndex);
    varint(strings.number(s.operationName));
    varint(KIND_CODE.get(f.kind) ?? KINDS.length + strings.number(f.kind));
    out[pos++] = (f.error ? 1 : 0) | (f.peerServiceTagged ? 2 : 0) | (f.peer !== undefined ? 4 : 0) | (PEER_TYPE_CODE[f.peerType] << 3);
    if (f.peer !== undefined) varint(strings.number(f.peer));
    varint(spanIds[i]);
    varint(s.startTime - chunk.startMin);
    varint(s.duration);
    varint(s.references.length);
    for (const r of s.references) {
      const target = r.traceId !== s.traceId ? REF_OTHER_TRACE : idNumber(r.spanId, false, n);
      varint((target + 2) * 2 + (r.refType === 'FOLLOWS_FROM' ? 1 : 0));
    }
  }
  new DataView(out.buffer, out.byteOffset).setUint32(lengthAt, pos - lengthAt - 4, true);
}

/** The summary started by startSummary: a view of the scratch buffer, valid until the next start. */
export function finishSummary(): Buffer {
  const tableAt = pos;
  room(8);
  varint(strings.names.length);
  for (const s of strings.names) {
    const bytes = Buffer.byteLength(s, 'utf8');
    room(8 + bytes);
    varint(bytes);
    pos += Buffer.from(out.buffer, out.byteOffset + pos, bytes).write(s, 'utf8');
  }
  out[0] = VERSION;
  new DataView(out.buffer, out.byteOffset).setUint32(1, tableAt, true);
  out[5] = out[6] = out[7] = 0;
  chunkSpans = [];
  return Buffer.from(out.buffer, out.byteOffset, pos);
}

/** Walks the chunks of one summary: `next()` moves to the next chunk, `read()` decodes it. */
export class DependencySummaryReader {
  /** Row id of the current chunk. */
  chunkId = 0;
  /** Earliest / latest span start of the current chunk, µs. */
  startMin = 0;
  startMax = 0;
  private readonly strings: string[] = [];
  /** strings[i]'s number in the names of `nameNumbersFor`; filled by the first `read`. */
  private nameNumbers: Int32Array | null = null;
  private nameNumbersFor: DependencySpansBuffer | null = null;
  private readonly view: DataView;
  private pos = HEADER_BYTES;
  private readonly end: number;
  private traceAt = 0;
  private spansAt = 0;
  private chunkEnd = 0;

  /** `firstChunk`: the row's first_chunk, the id chunk offsets count from. */
  constructor(
    private readonly buf: Uint8Array,
    private readonly firstChunk = 0,
  ) {
    if (buf.length < HEADER_BYTES || buf[0] !== VERSION) throw new Error(`dependency summary: unknown version ${buf[0]}`);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = this.view.getUint32(1, true);
    let p = this.end;
    const count = this.varintAt(p);
    p = this.pos;
    for (let i = 0; i < count; i++) {
      const bytes = this.varintAt(p);
      p = this.pos;
      this.strings.push(Buffer.from(buf.buffer, buf.byteOffset + p, bytes).toString('utf8'));
      p += bytes;
    }
    this.pos = HEADER_BYTES;
    this.chunkEnd = HEADER_BYTES;
  }

  /** Moves to the next chunk; false after the last. */
  next(): boolean {
    this.pos = this.chunkEnd;
    if (this.pos >= this.end) return false;
    this.chunkId = this.firstChunk + this.varintAt(this.pos);
    this.traceAt = this.pos;
    this.startMin = this.view.getFloat64(this.pos + 16, true);
    this.startMax = this.view.getFloat64(this.pos + 24, true);
    this.spansAt = this.pos + 36;
    this.chunkEnd = this.spansAt + this.view.getUint32(this.pos + 32, true);
    return true;
  }

  /** The current chunk's trace id, 16 bytes (a view). */
  traceKey(): Uint8Array {
    return this.buf.subarray(this.traceAt, this.traceAt + 16);
  }

  /** Decodes the current chunk's spans into `into` (references resolved within the chunk). */
  read(into: DependencySpansBuffer): DependencySpansBuffer {
    const strings = this.strings;
    if (this.nameNumbersFor !== into) {
      this.nameNumbers = Int32Array.from(strings, (name) => into.nameNumber(name));
      this.nameNumbersFor = into;
    }
    const names = this.nameNumbers!;
    const spans = this.varintAt(this.spansAt);
    const refs = this.varintAt(this.pos);
    into.reset(spans, refs);
    const { id, service, operation, start, duration, facts, refStart, refTarget, refFollowsFrom } = into;
    const base = this.startMin;
    const buf = this.buf;
    let r = 0;
    for (let i = 0; i < spans; i++) {
      service[i] = names[this.varint()];
      operation[i] = names[this.varint()];
      const kindCode = this.varint();
      const bits = buf[this.pos++];
      if ((bits & 6) === 0 && kindCode < KINDS.length) facts[i] = PLAIN_FACTS_BY_CODE[kindCode * 2 + (bits & 1)];
      else {
        const kind = kindCode < KINDS.length ? KINDS[kindCode] : strings[kindCode - KINDS.length];
        const peer = bits & 4 ? strings[this.varint()] : undefined;
        facts[i] = makeSpanFacts(kind, (bits & 1) !== 0, peer, PEER_TYPES[bits >> 3], (bits & 2) !== 0);
      }
      id[i] = this.varint();
      start[i] = base + this.varint();
      duration[i] = this.varint();
      refStart[i] = r;
      for (let k = this.varint(); k > 0; k--) {
        const code = this.varint();
        refTarget[r] = (code >> 1) - 2;
        refFollowsFrom[r] = code & 1;
        r++;
      }
    }
    refStart[spans] = r;
    return into;
  }

  private varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b < 0x80) return b;
    let v = b & 0x7f;
    let scale = 0x80;
    do {
      b = buf[this.pos++];
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return v;
  }

  private varintAt(at: number): number {
    this.pos = at;
    return this.varint();
  }
}
