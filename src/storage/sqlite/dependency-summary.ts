/**
 * Dependency summary — the dependency facts (facts/dependency-spans.ts) of the spans of one
 * write batch, stored beside their chunks so that `deps` and GetDependencies read a few bytes per
 * span instead of decoding whole spans: what Parquet gives DuckDB, reading only the columns needed.
 *
 * One summary per batch (one `dependency_summaries` row, schema v4) covers the batch's chunks.
 * References are resolved within each chunk, so a chunk's facts are its trace's facts only while
 * the trace has no other chunk (`chunks.shared = 0`); readers decode shared traces from the bodies.
 * The kind, error and peer bits are derived by the facts rules: a summary written under another
 * rule version (`rulesCurrent` false) is never read, its traces are decoded from the bodies.
 *
 * Layout (varint = unsigned LEB128 up to 2^53; f64 little-endian):
 *   u8 version (1) · u32 LE offset of the string table · u8 facts rule version
 *   (SPAN_FACTS_RULE_VERSION when written; 0 in files written before it was kept) · u8 reserved ×2
 *   · chunk… · string table
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
import type { ConnectionType, DependencySpansBuffer } from '../../facts/dependency-spans.js';
import { makeSpanFacts, REF_ABSENT, REF_OTHER_TRACE, SPAN_FACTS_RULE_VERSION, spanFacts } from '../../facts/dependency-spans.js';
import { NameTable } from '../../facts/name-table.js';
import { writeVarint } from '../../formats/varint.js';

const VERSION = 1;
const HEADER_BYTES = 8;
const PEER_TYPES: readonly ConnectionType[] = ['', 'database', 'messaging', 'virtual'];
const PEER_TYPE_CODE: Record<ConnectionType, number> = { '': 0, database: 1, messaging: 2, virtual: 3 };
/** Span kinds stored as their code; others as KINDS.length + their string index. */
const KINDS = ['', 'client', 'server', 'producer', 'consumer', 'internal'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
/** Chunks of at most this many spans number their span ids by comparing, not hashing (idNumber). */
const SCAN_IDS = 32;
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

/**
 * Builds the summary of one batch chunk by chunk, e.g. while each chunk's spans are still in cache:
 * start, chunk for each chunk in offset order, finish (as encodeDependencySummary). Its buffers are
 * reused from batch to batch: one summary at a time per writer.
 */
export class DependencySummaryWriter {
  private out = new Uint8Array(1 << 16);
  private pos = 0;
  private readonly strings = new NameTable();
  private readonly ids = new Map<string, number>();
  private spanIds = new Int32Array(64);
  /**
   * Span id → idBase + its number within the current chunk. The map is cleared once per batch, not
   * per chunk (clearing reallocates); entries of earlier chunks are told apart by being below idBase.
   * Chunks of at most SCAN_IDS spans skip the map: comparing their ids costs less than hashing them.
   */
  private idBase = 0;
  private idCount = 0;
  /** The current chunk's spans, and their numbers once assigned (spanIds). */
  private chunkSpans: readonly Span[] = [];
  private lastService: string | undefined;
  private lastServiceIndex = 0;

  private room(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    const next = new Uint8Array(Math.max(this.out.length * 2, this.pos + bytes));
    next.set(this.out.subarray(0, this.pos));
    this.out = next;
  }

  /** Needs room for 8 bytes. */
  private varint(v: number): void {
    this.pos = writeVarint(this.out, this.pos, v);
  }

  /** The number of span id `id` in the current chunk, or REF_ABSENT; `add` numbers a new id. */
  private idNumber(id: string, add: boolean, at: number): number {
    const chunkSpans = this.chunkSpans;
    if (chunkSpans.length <= SCAN_IDS) {
      const end = add ? at : chunkSpans.length;
      for (let j = 0; j < end; j++) if (chunkSpans[j].spanId === id) return this.spanIds[j];
      return add ? this.idCount++ : REF_ABSENT;
    }
    const known = this.ids.get(id);
    if (known !== undefined && known >= this.idBase) return known - this.idBase;
    if (!add) return REF_ABSENT;
    this.ids.set(id, this.idBase + this.idCount);
    return this.idCount++;
  }

  start(): void {
    this.pos = HEADER_BYTES;
    this.strings.clear();
    this.ids.clear();
    this.idBase = this.idCount = 0;
    this.lastService = undefined;
    this.lastServiceIndex = 0;
  }

  chunk(chunk: SummaryChunk): void {
    const spans = chunk.spans;
    const strings = this.strings;
    this.room(64);
    this.varint(chunk.offset);
    this.out.set(chunk.traceKey, this.pos);
    this.pos += 16;
    const f64 = new DataView(this.out.buffer, this.out.byteOffset);
    f64.setFloat64(this.pos, chunk.startMin, true);
    f64.setFloat64(this.pos + 8, chunk.startMax, true);
    this.pos += 16;
    const n = spans.length;
    this.idBase += this.idCount;
    this.idCount = 0;
    if (this.spanIds.length < n) this.spanIds = new Int32Array(Math.max(n, 2 * this.spanIds.length));
    const spanIds = this.spanIds;
    let refs = 0;
    this.chunkSpans = spans;
    for (let i = 0; i < n; i++) {
      spanIds[i] = this.idNumber(spans[i].spanId, true, i);
      refs += spans[i].references.length;
    }
    const lengthAt = this.pos;
    this.pos += 4;
    this.varint(n);
    this.varint(refs);
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      const f = spanFacts(s);
      this.room(96 + 8 * s.references.length);
      const service = s.process.serviceName;
      if (service !== this.lastService) {
        this.lastService = service;
        this.lastServiceIndex = strings.number(service);
      }
      this.varint(this.lastServiceIndex);
      this.varint(strings.number(s.operationName));
      this.varint(KIND_CODE.get(f.kind) ?? KINDS.length + strings.number(f.kind));
      this.out[this.pos++] = (f.error ? 1 : 0) | (f.peerServiceTagged ? 2 : 0) | (f.peer !== undefined ? 4 : 0) | (PEER_TYPE_CODE[f.peerType] << 3);
      if (f.peer !== undefined) this.varint(strings.number(f.peer));
      this.varint(spanIds[i]);
      this.varint(s.startTime - chunk.startMin);
      this.varint(s.duration);
      this.varint(s.references.length);
      for (const r of s.references) {
        const target = r.traceId !== s.traceId ? REF_OTHER_TRACE : this.idNumber(r.spanId, false, n);
        this.varint((target + 2) * 2 + (r.refType === 'FOLLOWS_FROM' ? 1 : 0));
      }
    }
    new DataView(this.out.buffer, this.out.byteOffset).setUint32(lengthAt, this.pos - lengthAt - 4, true);
  }

  /** The summary started by start(): a view of this writer's buffer, valid until the next start. */
  finish(): Buffer {
    const tableAt = this.pos;
    this.room(8);
    this.varint(this.strings.names.length);
    for (const s of this.strings.names) {
      const bytes = Buffer.byteLength(s, 'utf8');
      this.room(8 + bytes);
      this.varint(bytes);
      this.pos += Buffer.from(this.out.buffer, this.out.byteOffset + this.pos, bytes).write(s, 'utf8');
    }
    const out = this.out;
    out[0] = VERSION;
    new DataView(out.buffer, out.byteOffset).setUint32(1, tableAt, true);
    out[5] = SPAN_FACTS_RULE_VERSION;
    out[6] = out[7] = 0;
    this.chunkSpans = [];
    return Buffer.from(out.buffer, out.byteOffset, this.pos);
  }
}

/**
 * The summary of the chunks of one batch (a fresh writer's buffer). Facts come from `spanFacts`,
 * the dependency rules' own reading of tags.
 */
export function encodeDependencySummary(chunks: readonly SummaryChunk[]): Buffer {
  const writer = new DependencySummaryWriter();
  writer.start();
  for (const chunk of chunks) writer.chunk(chunk);
  return writer.finish();
}

/** Walks the chunks of one summary: `next()` moves to the next chunk, `read()` decodes it. */
export class DependencySummaryReader {
  /** Row id of the current chunk. */
  chunkId = 0;
  /** Earliest / latest span start of the current chunk, µs. */
  startMin = 0;
  startMax = 0;
  /** The summary's facts were derived by today's rules (SPAN_FACTS_RULE_VERSION); else they are stale. */
  readonly rulesCurrent: boolean;
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
    this.rulesCurrent = buf[5] === SPAN_FACTS_RULE_VERSION;
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
