/**
 * Search-index entries of the chunks not yet in the `postings` table: those with an id above the
 * database's `index_state.indexed_upto` mark. Writes only append chunks; their index entries wait
 * here and are written as postings rows in large groups (postings-index.ts `flush`), because
 * each postings row lands on a random page of the index and small groups rewrote the same pages
 * commit after commit. Searches read these entries beside the postings table, so a span is found
 * as soon as its write is acknowledged.
 *
 * Entry layout as in a postings row: chunk id, the chunk's earliest and latest span start (µs),
 * service mask of the chunk's spans carrying the key (index-keys.ts serviceBit).
 */

/** Numbers per entry: chunk id, earliest start, latest start, service mask. */
export const ENTRY_FIELDS = 4;

/**
 * Gathers the distinct index keys of one chunk's spans with the service mask of each (its spans
 * repeat most keys), in a small open-addressing table: a SpanKeySink (index-keys.ts) for the
 * spans, then `moveTo`.
 */
export class ChunkKeys {
  private bit = 0;
  /** Slot → key + 1 (0 = empty) and its service mask. */
  private slotKeys = new Int32Array(256);
  private slotBits = new Int32Array(256);
  /** Slots in use, in first-seen order. */
  private used = new Int32Array(128);
  private usedCount = 0;

  /** The service bit (index-keys.ts serviceBit) of the span whose keys follow. */
  span(serviceBit: number): void {
    this.bit = serviceBit;
  }

  readonly add = (key: number): void => this.merge(key, this.bit);

  /** Appends the keys gathered so far to `pairs` as (key, service mask) pairs, first seen first, and starts afresh. */
  moveTo(pairs: number[]): void {
    for (let u = 0; u < this.usedCount; u++) pairs.push(this.slotKeys[this.used[u]] - 1, this.slotBits[this.used[u]]);
    this.clear();
  }

  /** Forgets the keys gathered so far. */
  clear(): void {
    for (let u = 0; u < this.usedCount; u++) this.slotKeys[this.used[u]] = 0;
    this.usedCount = 0;
  }

  private merge(key: number, bit: number): void {
    const stored = key + 1;
    const slots = this.slotKeys;
    const mask = slots.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> 0; ; i++) {
      const at = i & mask;
      const k = slots[at];
      if (k === stored) {
        this.slotBits[at] |= bit;
        return;
      }
      if (k === 0) {
        slots[at] = stored;
        this.slotBits[at] = bit;
        this.used[this.usedCount++] = at;
        if (this.usedCount * 2 >= slots.length) this.grow();
        return;
      }
    }
  }

  private grow(): void {
    const oldKeys = this.slotKeys;
    const oldBits = this.slotBits;
    const oldUsed = this.used.subarray(0, this.usedCount);
    this.slotKeys = new Int32Array(oldKeys.length * 2);
    this.slotBits = new Int32Array(oldKeys.length * 2);
    this.used = new Int32Array(oldKeys.length);
    const mask = this.slotKeys.length - 1;
    let n = 0;
    for (const from of oldUsed) {
      let at = Math.imul(oldKeys[from] - 1, 0x9e3779b1) >>> 0;
      while (this.slotKeys[at & mask] !== 0) at++;
      this.slotKeys[at & mask] = oldKeys[from];
      this.slotBits[at & mask] = oldBits[from];
      this.used[n++] = at & mask;
    }
  }
}

export class PendingPostings {
  /** The `indexed_upto` mark these entries extend: every chunk id ≤ mark is in `postings`. */
  mark = 0;
  /** key → flat entries, chunk ids ascending within a list. */
  private entries = new Map<number, number[]>();
  /** Chunk id → span count, for the chunks whose entries are here. */
  private readonly chunks = new Map<number, number>();
  private spans = 0;
  private maxChunk = 0;

  get chunkCount(): number {
    return this.chunks.size;
  }

  get spanCount(): number {
    return this.spans;
  }

  /** Highest chunk id held, or the mark when empty. */
  get highestChunk(): number {
    return this.chunks.size ? this.maxChunk : this.mark;
  }

  has(chunk: number): boolean {
    return this.chunks.has(chunk);
  }

  /**
   * Adds the entries of stored chunk `chunk` (ids ascending from call to call): its key pairs are
   * pairs[from … to − 1] (ChunkKeys.moveTo), its span start range startMin … startMax (µs).
   */
  addChunk(chunk: number, spanCount: number, startMin: number, startMax: number, pairs: readonly number[], from: number, to: number): void {
    this.chunks.set(chunk, spanCount);
    this.spans += spanCount;
    if (chunk > this.maxChunk) this.maxChunk = chunk;
    for (let i = from; i < to; i += 2) {
      const list = this.entries.get(pairs[i]);
      if (list) list.push(chunk, startMin, startMax, pairs[i + 1]);
      else this.entries.set(pairs[i], [chunk, startMin, startMax, pairs[i + 1]]);
    }
  }

  /** Drops the chunks at or below a new mark (another connection wrote their postings). */
  advanceMark(mark: number): void {
    this.mark = mark;
    if (this.chunks.size === 0) return;
    if (this.maxChunk <= mark) return this.clear(mark);
    for (const [chunk, spans] of this.chunks) {
      if (chunk <= mark) {
        this.chunks.delete(chunk);
        this.spans -= spans;
      }
    }
    for (const [key, list] of this.entries) {
      const kept: number[] = [];
      for (let i = 0; i < list.length; i += ENTRY_FIELDS) {
        if (list[i] > mark) kept.push(list[i], list[i + 1], list[i + 2], list[i + 3]);
      }
      if (kept.length) this.entries.set(key, kept);
      else this.entries.delete(key);
    }
  }

  clear(mark: number): void {
    this.mark = mark;
    this.entries = new Map();
    this.chunks.clear();
    this.spans = 0;
    this.maxChunk = 0;
  }

  /** Entries of `key` overlapping [tMin, tMax] whose service mask meets `serviceMask`. */
  *matching(key: number, tMin: number, tMax: number, serviceMask: number): Generator<{ chunk: number; earliestStart: number }> {
    const list = this.entries.get(key);
    if (!list) return;
    for (let i = 0; i < list.length; i += ENTRY_FIELDS) {
      if (list[i + 2] >= tMin && list[i + 1] <= tMax && (list[i + 3] & serviceMask) !== 0) yield { chunk: list[i], earliestStart: list[i + 1] };
    }
  }

  /** Number of entries of `key` overlapping [tMin, tMax]. */
  count(key: number, tMin: number, tMax: number): number {
    const list = this.entries.get(key);
    if (!list) return 0;
    let n = 0;
    for (let i = 0; i < list.length; i += ENTRY_FIELDS) if (list[i + 2] >= tMin && list[i + 1] <= tMax) n++;
    return n;
  }

  /** Every key with its entries, for writing postings rows. */
  keys(): IterableIterator<[number, number[]]> {
    return this.entries.entries();
  }
}
