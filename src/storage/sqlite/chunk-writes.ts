/**
 * The write transactions of the embedded store, as plain data requests run against its connection.
 * Requests carry encoded chunks, never domain spans; the write queue (write-queue.ts) validates, groups,
 * encodes and indexes. Each request is one transaction: all of it is committed or none.
 */
import type Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';

/**
 * The WAL file is truncated back to this size (bytes) after a checkpoint, so one huge batch does
 * not leave a huge WAL behind. (temp_store, mmap_size and page sizes 1–2 KB measured within noise;
 * a larger page size helps 2 KB chunks but wastes space on 4 KB ones, so SQLite's defaults stay.)
 */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * Checkpoint once about WAL_SIZE_LIMIT_BYTES were committed instead of SQLite's 1000 pages: each
 * commit dirties scattered index pages, so the default checkpointed every few commits and rewrote
 * the same pages (same durability: every commit is in the WAL). Row bytes undercount the WAL's
 * growth (index pages), hence three quarters.
 */
const CHECKPOINT_AFTER_BYTES = (WAL_SIZE_LIMIT_BYTES * 3) / 4;

export type Synchronous = 'normal' | 'full';

/** Per-connection settings of a connection that writes; journal_mode=WAL persists in the file. */
export function configureWriter(db: Database.Database, synchronous: Synchronous): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.pragma(`wal_autocheckpoint = ${autocheckpointPages(db)}`);
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
}

function autocheckpointPages(db: Database.Database): number {
  return Math.ceil(WAL_SIZE_LIMIT_BYTES / (db.pragma('page_size', { simple: true }) as number));
}

export interface ChunkRow {
  tenant: number;
  /** The trace id's 16 bytes. */
  traceKey: Buffer;
  /** Earliest and latest span start of the chunk, µs. */
  startMin: number;
  startMax: number;
  spanCount: number;
  /** span-codec.ts text. */
  body: string;
}

export interface ArchiveRow {
  tenant: number;
  traceId: string;
  body: string;
}

/** The dependency summary (dependency-summary.ts) of chunks[first … first + count − 1] of a request. */
export interface SummaryRow {
  tenant: number;
  first: number;
  count: number;
  /** Earliest and latest span start of the chunks, µs. */
  startMin: number;
  startMax: number;
  summary: Uint8Array;
}

export interface ChunkWriteRequest {
  chunks: ChunkRow[];
  /** Chunk offsets in a summary count from its first chunk's row id: their ids must be consecutive. */
  summaries: SummaryRow[];
  archive: ArchiveRow[];
  /** [tenant, service, operation, span kind] not yet in `operations`. */
  operations: [number, string, string, string][];
}

/** Postings rows for the chunks in (expectIndexedUpto, indexedUpto]; applied only if that still holds. */
export interface PostingsWriteRequest {
  expectIndexedUpto: number;
  expectGeneration: number;
  indexedUpto: number;
  /** Chunks the rows cover: every chunk stored in the id range. */
  chunkCount: number;
  /** [hash, earliest start, latest start, entry count, entries (float64 × 4 per entry)]. */
  rows: [number, number, number, number, Float64Array][];
}

/** Prepared write statements of one connection, and its checkpoints. */
export class ChunkWrites {
  private readonly stmt;
  /** Checkpoints on a worker thread; none for in-memory databases. */
  private readonly checkpointer: WalCheckpointer | undefined;

  constructor(
    private readonly db: Database.Database,
    checkpointAfterBytes = CHECKPOINT_AFTER_BYTES,
  ) {
    if (!db.memory) {
      const synchronous = db.pragma('synchronous', { simple: true }) === 2 ? 'FULL' : 'NORMAL';
      this.checkpointer = new WalCheckpointer(db, db.name, synchronous, checkpointAfterBytes, autocheckpointPages(db));
    }
    this.stmt = {
      // shared = 1 when the trace already has a chunk; the earlier chunks are then marked too. A
      // separate lookup and a plain insert: INSERT … RETURNING costs a statement journal and a
      // result table per row.
      traceHasChunk: db.prepare<[Buffer, number], number>('SELECT EXISTS (SELECT 1 FROM chunks WHERE trace_id = ? AND tenant = ?)').pluck(),
      insertChunk: db.prepare<[number, Buffer, number, number, number, string, number]>(
        'INSERT INTO chunks (tenant, trace_id, start_min, start_max, span_count, body, shared) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      markShared: db.prepare<[Buffer, number]>('UPDATE chunks SET shared = 1 WHERE trace_id = ? AND tenant = ? AND shared = 0'),
      insertArchive: db.prepare<[number, Buffer, string]>('INSERT INTO archive_chunks (tenant, trace_id, body) VALUES (?, ?, ?)'),
      insertSummary: db.prepare<[number, number, number, number, number, Buffer]>(
        'INSERT INTO dependency_summaries (first_chunk, last_chunk, tenant, start_min, start_max, summary) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertOperation: db.prepare<[number, string, string, string]>('INSERT OR IGNORE INTO operations (tenant, service, name, kind) VALUES (?, ?, ?, ?)'),
      insertPosting: db.prepare<[number, number, number, number, Buffer]>('INSERT INTO postings (hash, start_min, start_max, n, entries) VALUES (?, ?, ?, ?, ?)'),
      indexState: db.prepare<[], { indexed_upto: number; generation: number }>('SELECT indexed_upto, generation FROM index_state WHERE id = 0'),
      chunksInRange: db.prepare<[number, number], number>('SELECT count(*) FROM chunks WHERE id > ? AND id <= ?').pluck(),
      setIndexedUpto: db.prepare<[number]>('UPDATE index_state SET indexed_upto = ? WHERE id = 0'),
    };
  }

  /** Commits the request; returns the row id of each chunk, in request order. */
  write(request: ChunkWriteRequest): number[] {
    const ids = this.db
      .transaction(() => {
        for (const a of request.archive) this.stmt.insertArchive.run(a.tenant, Buffer.from(a.traceId, 'hex'), a.body);
        const ids: number[] = new Array(request.chunks.length);
        for (let i = 0; i < request.chunks.length; i++) {
          const c = request.chunks[i];
          const shared = this.stmt.traceHasChunk.get(c.traceKey, c.tenant)!;
          if (shared) this.stmt.markShared.run(c.traceKey, c.tenant);
          ids[i] = Number(this.stmt.insertChunk.run(c.tenant, c.traceKey, c.startMin, c.startMax, c.spanCount, c.body, shared).lastInsertRowid);
        }
        for (const r of request.summaries) {
          const first = ids[r.first];
          const last = ids[r.first + r.count - 1];
          if (last - first !== r.count - 1) throw new Error(`chunk ids ${first}…${last} of one batch are not consecutive`);
          this.stmt.insertSummary.run(first, last, r.tenant, r.startMin, r.startMax, Buffer.from(r.summary.buffer, r.summary.byteOffset, r.summary.byteLength));
        }
        for (const [tenant, service, name, kind] of request.operations) this.stmt.insertOperation.run(tenant, service, name, kind);
        return ids;
      })
      .immediate();
    let bytes = 0;
    for (const c of request.chunks) bytes += c.body.length;
    for (const a of request.archive) bytes += a.body.length;
    for (const r of request.summaries) bytes += r.summary.byteLength;
    this.checkpointer?.committed(bytes);
    return ids;
  }

  /** Writes the rows and advances the mark; false (nothing written) when the database moved on. */
  writePostings(request: PostingsWriteRequest): boolean {
    const written = this.db
      .transaction(() => {
        const state = this.stmt.indexState.get()!;
        if (state.indexed_upto !== request.expectIndexedUpto || state.generation !== request.expectGeneration) return false;
        if (this.stmt.chunksInRange.get(request.expectIndexedUpto, request.indexedUpto) !== request.chunkCount) return false;
        for (const [hash, min, max, n, entries] of request.rows) {
          this.stmt.insertPosting.run(hash, min, max, n, Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength));
        }
        this.stmt.setIndexedUpto.run(request.indexedUpto);
        return true;
      })
      .immediate();
    if (written) this.checkpointer?.committed(request.rows.reduce((sum, row) => sum + row[4].byteLength, 0));
    return written;
  }

  /** Stops the checkpoint worker; the connection's own close checkpoints what is left. */
  async close(): Promise<void> {
    await this.checkpointer?.close();
  }

  /** Deletes every span, index row and tenant but the default; starts a new index generation. */
  purge(): void {
    this.db
      .transaction(() => {
        for (const table of ['chunks', 'postings', 'operations', 'archive_chunks', 'dependency_summaries']) this.db.prepare(`DELETE FROM ${table}`).run();
        this.db.prepare('DELETE FROM tenants WHERE id <> 0').run();
        this.db.prepare('UPDATE index_state SET indexed_upto = 0, generation = generation + 1 WHERE id = 0').run();
      })
      .immediate();
  }
}
