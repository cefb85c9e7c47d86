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
/** Shared objects a ChunkKeys remembers per chunk: a linear scan of these costs less than merging a few keys again. */
const SEEN_LIMIT = 8;

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

  /**
   * Shared objects whose keys were added in the current chunk, with the service bit they were
   * added under (firstSight): a chunk's spans come from a few resources and scopes.
   */
  private readonly seen: object[] = [];
  private readonly seenBits: number[] = [];

  /** The service bit (index-keys.ts serviceBit) of the span whose keys follow. */
  span(serviceBit: number): void {
    this.bit = serviceBit;
  }

  readonly add = (key: number): void => this.merge(key, this.bit);

  firstSight(shared: object): boolean {
    const seen = this.seen;
    for (let i = 0; i < seen.length; i++) if (seen[i] === shared && this.seenBits[i] === this.bit) return false;
    // Few per chunk; past SEEN_LIMIT the keys are simply merged again.
    if (seen.length < SEEN_LIMIT) {
      seen.push(shared);
      this.seenBits.push(this.bit);
    }
    return true;
  }

  /** Appends the keys gathered so far to `pairs` as (key, service mask) pairs, first seen first, and starts afresh. */
  moveTo(pairs: number[]): void {
    for (let u = 0; u < this.usedCount; u++) pairs.push(this.slotKeys[this.used[u]] - 1, this.slotBits[this.used[u]]);
    this.clear();
  }

  /** Forgets the keys gathered so far. */
  clear(): void {
    for (let u = 0; u < this.usedCount; u++) this.slotKeys[this.used[u]] = 0;
    this.usedCount = 0;
    this.seen.length = 0;
    this.seenBits.length = 0;
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

/**
 * The entries, key by key, as one append-only log in typed arrays: an entry is ENTRY_FIELDS
 * float64 in `log` and the index of its key's next entry in `next`, each key's entries a chain
 * from its first to its last in chunk order. Appending costs a store into preallocated memory,
 * and the garbage collector never copies the entries (typed-array memory lies outside its heap),
 * where per-key arrays of numbers grew, were copied and promoted entry by entry.
 */
export class PendingPostings {
  /** The `indexed_upto` mark these entries extend: every chunk id ≤ mark is in `postings`. */
  mark = 0;
  /** key → its chain: index into heads, tails and lengths. */
  private chains = new Map<number, number>();
  private heads = new Int32Array(1024);
  private tails = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private log = new Float64Array(4096 * ENTRY_FIELDS);
  private next = new Int32Array(4096);
  /** Entry → its chain. */
  private chainOf = new Int32Array(4096);
  private entryCount = 0;
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
    for (let i = from; i < to; i += 2) this.append(pairs[i], chunk, startMin, startMax, pairs[i + 1]);
  }

  private append(key: number, chunk: number, startMin: number, startMax: number, mask: number): void {
    const e = this.entryCount++;
    if (e === this.next.length) this.growLog();
    const at = e * ENTRY_FIELDS;
    const log = this.log;
    log[at] = chunk;
    log[at + 1] = startMin;
    log[at + 2] = startMax;
    log[at + 3] = mask;
    this.next[e] = -1;
    let chain = this.chains.get(key);
    if (chain === undefined) {
      chain = this.chains.size;
      if (chain === this.heads.length) this.growChains();
      this.chains.set(key, chain);
      this.heads[chain] = this.tails[chain] = e;
      this.lengths[chain] = 1;
    } else {
      this.next[this.tails[chain]] = e;
      this.tails[chain] = e;
      this.lengths[chain]++;
    }
    this.chainOf[e] = chain;
  }

  private growLog(): void {
    this.log = doubled(this.log);
    this.next = doubled(this.next);
    this.chainOf = doubled(this.chainOf);
  }

  private growChains(): void {
    this.heads = doubled(this.heads);
    this.tails = doubled(this.tails);
    this.lengths = doubled(this.lengths);
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
    const kept = [...this.keys()];
    this.clearEntries();
    for (const [key, list] of kept) {
      for (let i = 0; i < list.length; i += ENTRY_FIELDS) if (list[i] > mark) this.append(key, list[i], list[i + 1], list[i + 2], list[i + 3]);
    }
  }

  clear(mark: number): void {
    this.mark = mark;
    this.clearEntries();
    this.chunks.clear();
    this.spans = 0;
    this.maxChunk = 0;
  }

  private clearEntries(): void {
    this.chains = new Map();
    this.entryCount = 0;
  }

  /**
   * Adds the entries of `key` overlapping [tMin, tMax] whose service mask meets `serviceMask` to
   * `into` (chunk id and earliest start, as a search's candidates): one walk along the key's chain.
   */
  addMatching(key: number, tMin: number, tMax: number, serviceMask: number, into: { add(chunk: number, earliestStart: number): void }): void {
    const chain = this.chains.get(key);
    if (chain === undefined) return;
    const log = this.log;
    const next = this.next;
    for (let e = this.heads[chain]; e >= 0; e = next[e]) {
      const at = e * ENTRY_FIELDS;
      if (log[at + 2] >= tMin && log[at + 1] <= tMax && (log[at + 3] & serviceMask) !== 0) into.add(log[at], log[at + 1]);
    }
  }

  /**
   * Number of entries of `key`, whatever their times: a bound on those overlapping a window, known
   * without a walk. A search's choice of driver key only compares such counts, and pending entries
   * are the newest (at most POSTINGS_GROUP_SPANS spans' worth), which a search window mostly covers;
   * walking a busy key's chain to count exactly cost more than the search it was choosing for.
   */
  count(key: number): number {
    const chain = this.chains.get(key);
    return chain === undefined ? 0 : this.lengths[chain];
  }

  /**
   * Every key with its entries in chunk order (views of one fresh array), for writing postings
   * rows: the log is read once in order and each entry placed at its key's next slot.
   */
  *keys(): Generator<[number, Float64Array]> {
    const chainCount = this.chains.size;
    const starts = new Int32Array(chainCount + 1);
    for (let c = 0; c < chainCount; c++) starts[c + 1] = starts[c] + this.lengths[c] * ENTRY_FIELDS;
    const fill = starts.slice(0, chainCount);
    const all = new Float64Array(this.entryCount * ENTRY_FIELDS);
    const log = this.log;
    const chainOf = this.chainOf;
    for (let e = 0, at = 0; e < this.entryCount; e++, at += ENTRY_FIELDS) {
      const to = fill[chainOf[e]];
      fill[chainOf[e]] = to + ENTRY_FIELDS;
      all[to] = log[at];
      all[to + 1] = log[at + 1];
      all[to + 2] = log[at + 2];
      all[to + 3] = log[at + 3];
    }
    for (const [key, chain] of this.chains) yield [key, all.subarray(starts[chain], starts[chain + 1])];
  }
}

/** A copy of `a` in an array of twice its length. */
function doubled<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
