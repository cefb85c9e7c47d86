/**
 * Upkeep of the search index (table `postings`): committed chunks' index entries wait in memory
 * (pending-postings.ts) and are written as postings rows — one per index key and group — once
 * POSTINGS_GROUP_SPANS spans are waiting, after POSTINGS_IDLE_MS without writes, and on close; a
 * mark in `index_state` says which chunks are indexed, and any connection indexes the newer ones in
 * memory from their bodies (after a crash, or written by another process).
 */
import type { ChunkWrites } from './chunk-writes.js';
import { MAX_TIME, MIN_TIME, startRange } from './chunk-spans.js';
import type { SqliteConnection } from './connection.js';
import { SpanKeys } from './index-keys.js';
import { ChunkKeys, ENTRY_FIELDS, PendingPostings } from './pending-postings.js';
import { decodeChunk } from './span-codec.js';

/**
 * Spans whose index entries may wait in memory before they are written as postings rows. Each
 * row lands on a random page of the postings index, so rows cost per write group, not per span:
 * groups of 100 spans wrote ~4× slower than with no postings at all. ~10 MB of entries at most.
 */
const POSTINGS_GROUP_SPANS = 131_072;
/** Pending index entries are written after this long without writes (ms). */
const POSTINGS_IDLE_MS = 2_000;
/** Entries per postings row: rows hold a time slice of a key's entries (16 KB). */
const POSTINGS_ROW_ENTRIES = 512;

export class PostingsIndex {
  /** Per tenant id: the index keys of values seen. */
  private readonly spanKeys = new Map<number, SpanKeys>();
  /** Gathers one chunk's index keys at a time (chunks indexed from their bodies). */
  private readonly chunkKeys = new ChunkKeys();
  /** Index entries of the chunks above the `index_state` mark. */
  readonly pending = new PendingPostings();
  /** `index_state.generation` the pending entries belong to. */
  private generation: number;
  /** PRAGMA data_version when the pending entries were last checked against the database. */
  private checkedDataVersion = -1;
  private lastCommitAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly stmt;

  constructor(
    private readonly conn: SqliteConnection,
    /** The write transactions; undefined when the store is read-only. */
    private readonly writes: ChunkWrites | undefined,
  ) {
    const db = conn.db;
    this.stmt = {
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      indexState: db.prepare<[], { indexed_upto: number; generation: number }>('SELECT indexed_upto, generation FROM index_state WHERE id = 0'),
      unindexedSummary: db.prepare<[number], { n: number; highest: number }>('SELECT count(*) AS n, coalesce(max(id), 0) AS highest FROM chunks WHERE id > ?'),
      unindexedIds: db.prepare<[number], number>('SELECT id FROM chunks WHERE id > ?').pluck(),
      chunkToIndex: db.prepare<[number], { tenant: number; trace_id: Buffer; body: string }>('SELECT tenant, trace_id, body FROM chunks WHERE id = ?'),
      postingCount: db.prepare<[number, number, number], { n: number }>(
        'SELECT coalesce(sum(n), 0) AS n FROM postings WHERE hash = ? AND start_max >= ? AND start_min <= ?',
      ),
    };
    const state = this.stmt.indexState.get()!;
    this.pending.clear(state.indexed_upto);
    this.generation = state.generation;
  }

  spanKeysOf(tenant: number): SpanKeys {
    let keys = this.spanKeys.get(tenant);
    if (!keys) this.spanKeys.set(tenant, (keys = new SpanKeys(tenant)));
    return keys;
  }

  /** Entries under `key`: those written with a span start in [tMin, tMax], and every pending one (PendingPostings.count). */
  count(key: number, tMin: number, tMax: number): number {
    return (this.stmt.postingCount.get(key, tMin, tMax)?.n ?? 0) + this.pending.count(key);
  }

  /**
   * Writes every pending index entry as postings rows and advances the mark; no-op when nothing is
   * pending or the store is read-only. Rejects with StorageUnavailableError. When another
   * connection wrote chunks meanwhile, the entries are refreshed and the write tried once more.
   */
  flush(): void {
    if (this.conn.readOnly) return;
    const pending = this.pending;
    for (let attempt = 0; attempt < 2; attempt++) {
      this.conn.use(() => this.refresh());
      if (pending.chunkCount === 0) return;
      const indexedUpto = pending.highestChunk;
      const rows: [number, number, number, number, Float64Array][] = [];
      for (const [key, list] of pending.keys()) postingRows(key, list, rows);
      const request = { expectIndexedUpto: pending.mark, expectGeneration: this.generation, indexedUpto, chunkCount: pending.chunkCount, rows };
      if (this.conn.use(() => this.writes!.writePostings(request))) {
        pending.clear(indexedUpto);
        return;
      }
      this.checkedDataVersion = -1;
    }
  }

  /** As flush, for background use: a failure leaves the entries pending for the next try. */
  tryFlush(): void {
    try {
      this.flush();
    } catch {
      // Searches keep reading the pending entries; the next group, idle time or close retries.
    }
  }

  /** After a commit: writes the pending entries once POSTINGS_GROUP_SPANS spans wait. */
  flushIfFull(): void {
    if (this.pending.spanCount >= POSTINGS_GROUP_SPANS) this.tryFlush();
  }

  /** After the queued commits: writes the pending entries once POSTINGS_IDLE_MS pass without commits. */
  flushWhenIdle(): void {
    this.lastCommitAt = performance.now();
    if (this.idleTimer || this.pending.chunkCount === 0) return;
    const check = () => {
      const idle = performance.now() - this.lastCommitAt;
      this.idleTimer = undefined;
      if (this.conn.closed) return;
      if (idle < POSTINGS_IDLE_MS) this.idleTimer = setTimeout(check, Math.max(1, POSTINGS_IDLE_MS - idle)).unref();
      else this.tryFlush();
    };
    this.idleTimer = setTimeout(check, POSTINGS_IDLE_MS).unref();
  }

  stopIdleTimer(): void {
    clearTimeout(this.idleTimer);
  }

  /**
   * Makes the pending entries cover exactly the chunks above the database's mark: drops those
   * another connection indexed (or purged) and indexes, from their bodies, chunks this connection
   * did not write (another process's, or left by a crash).
   */
  refresh(): void {
    // Unchanged unless another connection committed since: this one's own commits are in the entries.
    const dataVersion = this.stmt.dataVersion.get()!;
    if (dataVersion === this.checkedDataVersion) return;
    const pending = this.pending;
    const state = this.stmt.indexState.get()!;
    if (state.generation !== this.generation || state.indexed_upto < pending.mark) {
      pending.clear(state.indexed_upto);
      this.generation = state.generation;
    } else if (state.indexed_upto > pending.mark) pending.advanceMark(state.indexed_upto);
    const stored = this.stmt.unindexedSummary.get(pending.mark)!;
    if (stored.n !== pending.chunkCount || stored.highest !== pending.highestChunk) {
      this.chunkKeys.clear();
      for (const id of this.stmt.unindexedIds.all(pending.mark)) {
        if (pending.has(id)) continue;
        const row = this.stmt.chunkToIndex.get(id);
        if (!row) continue;
        const spans = decodeChunk(row.trace_id.toString('hex'), row.body);
        const { startMin, startMax } = startRange(spans);
        const keys = this.spanKeysOf(row.tenant);
        for (const span of spans) keys.forEach(span, this.chunkKeys);
        const pairs: number[] = [];
        this.chunkKeys.moveTo(pairs);
        pending.addChunk(id, spans.length, startMin, startMax, pairs, 0, pairs.length);
      }
    }
    this.checkedDataVersion = dataVersion;
  }
}

/** Splits one key's entries into postings rows of at most POSTINGS_ROW_ENTRIES (views of `list`), in the order held. */
function postingRows(key: number, list: Float64Array, rows: [number, number, number, number, Float64Array][]): void {
  const rowFields = POSTINGS_ROW_ENTRIES * ENTRY_FIELDS;
  for (let from = 0; from < list.length; from += rowFields) {
    const to = Math.min(list.length, from + rowFields);
    let min = MAX_TIME;
    let max = MIN_TIME;
    for (let i = from; i < to; i += ENTRY_FIELDS) {
      if (list[i + 1] < min) min = list[i + 1];
      if (list[i + 2] > max) max = list[i + 2];
    }
    rows.push([key, min, max, (to - from) / ENTRY_FIELDS, list.subarray(from, to)]);
  }
}
