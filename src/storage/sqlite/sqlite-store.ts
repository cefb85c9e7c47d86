/**
 * The embedded store, `sqlite:PATH` (default `sqlite:jaeger-sls.db`), on better-sqlite3.
 *
 * Writes: one transaction per writeSpans call, or per group of calls made in the same event-loop
 * turn. Each batch's spans are grouped by trace id into chunks (one row each, encoded by
 * span-codec.ts). Their search-index entries (index-keys.ts) wait in memory (pending-postings.ts)
 * and are written as postings rows — one per index key and group — once POSTINGS_GROUP_SPANS spans
 * are waiting, after POSTINGS_IDLE_MS without writes, and on close; a mark in `index_state` says
 * which chunks are indexed, and any connection indexes the newer ones in memory from their bodies
 * (after a crash, or written by another process). Row counts grow with traces and distinct keys,
 * not spans. Duplicate span ids are stored as given; reference order is kept by the encoding.
 *
 * Reads: GetTrace reads the chunks of one trace id. FindTraces picks the most selective index key
 * of the query (service, service+operation, or a tag), walks its postings and pending entries
 * newest first, and checks
 * each candidate trace with the exact memstore rule (trace-matching.ts) before yielding it whole.
 * Queries with no usable key walk the chunks by time. A query with only a time window and no limit
 * (deps, anomalies, dependency links) needs no order, so it streams chunks in time-index order
 * without sorting or remembering trace ids (tracesInWindow). Results stream; nothing holds every match.
 *
 * NOTE durability: journal_mode=WAL with synchronous=NORMAL (default). A commit is appended to the
 * WAL with write(2) before writeSpans resolves, so it lives in the OS page cache and survives the
 * process being killed (kill -9, crash, OOM): the next open replays the WAL. Only an OS crash or
 * power loss before the next checkpoint's fsync can drop the last commits (never corrupting the
 * file). The requirement is "acknowledged = durable across a kill -9 of the process", which NORMAL
 * meets at a fraction of FULL's cost (an fsync per commit). `sqlite:PATH?synchronous=full` makes
 * every acknowledged batch survive power loss too.
 */
import Database from 'better-sqlite3';
import type {
  DependencyLink,
  FoundTraceId,
  GetTraceQuery,
  Operation,
  OperationQuery,
  Span,
  Trace,
  TraceQuery,
} from '../../model/index.js';
import {
  ConfigError,
  InvalidArgumentError,
  NotSupportedError,
  StorageUnavailableError,
  TraceNotFoundError,
  spanKind,
  validateSpan,
} from '../../model/index.js';
import { DependencyLinkCounter } from '../../analysis/dependency-links.js';
import type { DependencySpans } from '../../analysis/dependency-spans.js';
import { DependencySpansBuffer } from '../../analysis/dependency-spans.js';
import { spanMatchesQuery, traceTimeRange } from '../trace-matching.js';
import type { ArchiveStore, Store, TraceStore } from '../types.js';
import { decodeChunk, encodeChunk } from './span-codec.js';
import type { ChunkWriteRequest } from './chunk-writes.js';
import { ChunkWrites, configureWriter } from './chunk-writes.js';
import { DependencySummaryReader, finishSummary, startSummary, summarizeChunk } from './dependency-summary.js';
import { queryKeys, serviceBit, SpanKeys } from './index-keys.js';
import { ChunkKeys, ENTRY_FIELDS, PendingPostings } from './pending-postings.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';

export const DEFAULT_SQLITE_PATH = 'jaeger-sls.db';

/** Largest number of spans of one trace stored in one chunk row. */
const MAX_CHUNK_SPANS = 512;
/** Rows read per page while walking postings or chunks. */
const PAGE_ROWS = 64;
/** Batch summaries read per page by the dependency scan. */
const SUMMARY_PAGE_ROWS = 16;
/** Chunk rows (bodies included) read per page by the time-window scan. */
const WINDOW_PAGE_ROWS = 256;
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
/** Most spans committed in one write transaction (several writeSpans calls may share one). */
const MAX_GROUP_SPANS = 20_000;
const BUSY_TIMEOUT_MS = 5_000;
const MIN_TIME = Number.MIN_SAFE_INTEGER;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

export interface SqliteStoreOptions {
  /** Open an existing file for reading only: no migrations, writes rejected. */
  readOnly?: boolean;
  /** `normal` (default: durable across process kill) or `full` (also across power loss). */
  synchronous?: 'normal' | 'full';
  /** SQLite page cache per connection, MiB. Default 64. */
  cacheMiB?: number;
  /** Bytes committed between WAL checkpoints (chunk-writes.ts); tests use small values. */
  checkpointAfterBytes?: number;
}

/** `sqlite:PATH[?synchronous=full]`, `sqlite:` (default file) or `sqlite::memory:`. */
export function parseSqliteUri(uri: string): { path: string; synchronous: 'normal' | 'full' } {
  let rest = uri.replace(/^sqlite:/i, '');
  if (rest.startsWith('//')) rest = rest.slice(2);
  let synchronous: 'normal' | 'full' = 'normal';
  const q = rest.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(rest.slice(q + 1));
    rest = rest.slice(0, q);
    for (const [key, value] of params) {
      if (key === 'synchronous' && (value === 'normal' || value === 'full')) synchronous = value;
      else throw new ConfigError(`store "${uri}": unknown option ${key}=${value} (expected synchronous=normal|full)`);
    }
  }
  return { path: rest === '' ? DEFAULT_SQLITE_PATH : rest, synchronous };
}

export async function openSqliteStoreUri(uri: string, options: { readOnly?: boolean } = {}): Promise<Store> {
  const { path, synchronous } = parseSqliteUri(uri);
  return openSqliteStore(path, { ...options, synchronous });
}

export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  let db: Database.Database | undefined;
  try {
    db = options.readOnly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma(`cache_size = ${-1024 * Math.max(1, Math.floor(options.cacheMiB ?? 64))}`);
    if (options.readOnly) {
      const version = schemaVersion(db);
      if (version !== SCHEMA_VERSION) {
        throw new Error(version === 0 ? 'not a jaeger-sls database (no schema)' : `schema version ${version}, this jaeger-sls reads ${SCHEMA_VERSION}`);
      }
    } else {
      const synchronous = options.synchronous ?? 'normal';
      configureWriter(db, synchronous);
      migrate(db);
    }
    const database = new SqliteDatabase(db, path, options.readOnly ? undefined : new ChunkWrites(db, options.checkpointAfterBytes));
    // Chunks left unindexed by a crash or another process get their postings now.
    database.flushPostings();
    return new SqliteStore(database);
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new StorageUnavailableError(`sqlite store "${path}": ${reason}`);
    throw new ConfigError(`cannot open sqlite store "${path}": ${reason}`);
  }
}

type Row<T> = T | undefined;

/** Index-key pairs of the chunks of one commit (ChunkKeys.moveTo); chunk i's end at ends[i]. */
interface CommitKeys {
  pairs: number[];
  ends: number[];
}

interface PendingWrite {
  tenantName: string;
  spans: readonly Span[];
  archive: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A trace in several chunks met by a window scan: its first chunk in the window, and how many of its chunks the scan has yet to meet. */
interface OpenTrace {
  first: number | undefined;
  left: number;
}

interface Candidate {
  chunk: number;
  /** Earliest span start (µs) of the chunk, the trace's start as far as the chunk knows: "newest" order. */
  key: number;
}

/** The connection, its prepared statements and caches, shared by every tenant view. */
class SqliteDatabase {
  readonly readOnly: boolean;
  private closed = false;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly tenantIds = new Map<string, number>();
  /** Per tenant: operations known to be in the `operations` table. */
  private readonly knownOperations = new Map<number, KnownOperations>();
  /** Per tenant id: the index keys of values seen. */
  private readonly spanKeys = new Map<number, SpanKeys>();
  /** Gathers one chunk's index keys at a time. */
  private readonly chunkKeys = new ChunkKeys();
  /** Index entries of the chunks above the `index_state` mark. */
  private readonly pendingPostings = new PendingPostings();
  /** `index_state.generation` the pending entries belong to. */
  private postingsGeneration: number;
  /** PRAGMA data_version when the pending entries were last checked against the database. */
  private checkedDataVersion = -1;
  private lastCommitAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    /** The write transactions; undefined when the store is read-only. */
    private readonly writes: ChunkWrites | undefined,
  ) {
    this.readOnly = writes === undefined;
    const readOnly = this.readOnly;
    this.stmt = {
      selectTenant: db.prepare<[string], { id: number }>('SELECT id FROM tenants WHERE name = ?'),
      insertTenant: readOnly ? undefined : db.prepare<[string]>('INSERT OR IGNORE INTO tenants (name) VALUES (?)'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      indexState: db.prepare<[], { indexed_upto: number; generation: number }>('SELECT indexed_upto, generation FROM index_state WHERE id = 0'),
      unindexedSummary: db.prepare<[number], { n: number; highest: number }>('SELECT count(*) AS n, coalesce(max(id), 0) AS highest FROM chunks WHERE id > ?'),
      unindexedIds: db.prepare<[number], number>('SELECT id FROM chunks WHERE id > ?').pluck(),
      chunkToIndex: db.prepare<[number], { tenant: number; trace_id: Buffer; body: string }>('SELECT tenant, trace_id, body FROM chunks WHERE id = ?'),
      traceBodies: db.prepare<[Buffer, number], { body: string }>('SELECT body FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id'),
      traceChunkRanges: db.prepare<[Buffer, number], { id: number; start_min: number; start_max: number }>(
        'SELECT id, start_min, start_max FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id',
      ),
      traceChunks: db.prepare<[Buffer, number], { id: number; start_min: number; start_max: number; body: string }>(
        'SELECT id, start_min, start_max, body FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id',
      ),
      archiveBodies: db.prepare<[Buffer, number], { body: string }>('SELECT body FROM archive_chunks WHERE trace_id = ? AND tenant = ? ORDER BY id'),
      chunkTrace: db.prepare<[number], { trace_id: Buffer }>('SELECT trace_id FROM chunks WHERE id = ?'),
      services: db.prepare<[number], { service: string }>('SELECT DISTINCT service FROM operations WHERE tenant = ?'),
      operations: db.prepare<[number, string], { name: string; kind: string }>('SELECT name, kind FROM operations WHERE tenant = ? AND service = ?'),
      postingCount: db.prepare<[number, number, number], { n: number }>(
        'SELECT coalesce(sum(n), 0) AS n FROM postings WHERE hash = ? AND start_max >= ? AND start_min <= ?',
      ),
      postingPage: db.prepare<[number, number, number, number, number, number, number], { id: number; start_max: number; entries: Buffer }>(
        `SELECT id, start_max, entries FROM postings
         WHERE hash = ? AND start_max >= ? AND start_min <= ? AND start_max <= ? AND (start_max < ? OR id < ?)
         ORDER BY start_max DESC, id DESC LIMIT ?`,
      ),
      chunkPage: db.prepare<[number, number, number, number, number, number, number], { id: number; start_min: number; start_max: number }>(
        `SELECT id, start_min, start_max FROM chunks
         WHERE tenant = ? AND start_max >= ? AND start_min <= ? AND start_max <= ? AND (start_max < ? OR id < ?)
         ORDER BY start_max DESC, id DESC LIMIT ?`,
      ),
      summaryPage: db.prepare<[number, number, number, number, number, number], { first_chunk: number; last_chunk: number; start_max: number; summary: Buffer }>(
        `SELECT first_chunk, last_chunk, start_max, summary FROM dependency_summaries
         WHERE tenant = ? AND start_max >= ? AND start_min <= ? AND (start_max > ? OR first_chunk > ?)
         ORDER BY start_max, first_chunk LIMIT ?`,
      ),
      firstSummarized: db.prepare<[], number | null>('SELECT min(first_chunk) FROM dependency_summaries').pluck(),
      sharedChunks: db.prepare<[number, number], number>('SELECT id FROM chunks INDEXED BY chunks_shared WHERE shared = 1 AND id >= ? AND id <= ?').pluck(),
      windowPage: db.prepare<[number, number, number, number, number, number, number], { id: number; trace_id: Buffer; start_min: number; start_max: number; shared: number; body: string }>(
        `SELECT id, trace_id, start_min, start_max, shared, body FROM chunks
         WHERE tenant = ? AND start_max >= ? AND start_min <= ? AND (start_max > ? OR id > ?) AND id < ?
         ORDER BY start_max, id LIMIT ?`,
      ),
    };
    const state = this.stmt.indexState.get()!;
    this.pendingPostings.clear(state.indexed_upto);
    this.postingsGeneration = state.generation;
  }

  /** Runs `fn` on the open connection, turning SQLite failures into StorageUnavailableError. */
  private use<T>(fn: () => T): T {
    if (this.closed) throw new StorageUnavailableError(`sqlite store "${this.path}" is closed`);
    try {
      return fn();
    } catch (error) {
      if (error instanceof Database.SqliteError) throw new StorageUnavailableError(`sqlite store "${this.path}": ${error.message}`, { cause: error });
      throw error;
    }
  }

  private tenantId(name: string, create: boolean): number | undefined {
    const cached = this.tenantIds.get(name);
    if (cached !== undefined) return cached;
    let row = this.stmt.selectTenant.get(name);
    if (!row && create) {
      this.stmt.insertTenant!.run(name);
      row = this.stmt.selectTenant.get(name);
    }
    if (row) this.tenantIds.set(name, row.id);
    return row?.id;
  }

  private spanKeysOf(tenant: number): SpanKeys {
    let keys = this.spanKeys.get(tenant);
    if (!keys) this.spanKeys.set(tenant, (keys = new SpanKeys(tenant)));
    return keys;
  }

  /**
   * Queues the batch; batches queued in the same event-loop turn (concurrent callers, e.g.
   * one-span WriteSpan streams) commit in one transaction (up to MAX_GROUP_SPANS). Resolves after
   * the commit. Spans are validated as their chunks are encoded (while in cache): an invalid span
   * fails the commit with InvalidArgumentError. If a grouped commit fails, each batch is retried
   * alone so only the failing caller sees an error, and nothing of its batch is stored.
   */
  writeSpans(tenantName: string, spans: readonly Span[], archive: boolean): Promise<void> {
    if (this.readOnly) return Promise.reject(new NotSupportedError(`sqlite store "${this.path}" is open read-only`));
    if (this.closed) return Promise.reject(new StorageUnavailableError(`sqlite store "${this.path}" is closed`));
    if (spans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ tenantName, spans: [...spans], archive, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits queued batches, group after group, until none is left. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      let count = 0;
      let n = 0;
      while (n < this.pending.length && (n === 0 || count + this.pending[n].spans.length <= MAX_GROUP_SPANS)) count += this.pending[n++].spans.length;
      const group = this.pending.splice(0, n);
      try {
        this.commit(group);
        for (const w of group) w.resolve();
      } catch (error) {
        if (group.length === 1) group[0].reject(error);
        else {
          for (const w of group) {
            try {
              this.commit([w]);
              w.resolve();
            } catch (single) {
              w.reject(single);
            }
          }
        }
      }
      if (this.pendingPostings.spanCount >= POSTINGS_GROUP_SPANS) this.tryFlushPostings();
    }
    this.flushPostingsWhenIdle();
  }

  private commit(group: readonly PendingWrite[]): void {
    const request: ChunkWriteRequest = { chunks: [], summaries: [], archive: [], operations: [] };
    /** The index keys of request.chunks[i]: pairs[ends[i − 1] … ends[i] − 1] (ChunkKeys.moveTo). */
    const chunkKeys: CommitKeys = { pairs: [], ends: [] };
    let ids: number[];
    try {
      for (const w of group) {
        const tenant = this.use(() => this.tenantId(w.tenantName, true)!);
        if (w.archive) {
          for (const chunk of chunksOf(w.spans)) {
            validateChunk(chunk);
            request.archive.push({ tenant, traceId: chunk[0].traceId, body: encodeChunk(chunk) });
          }
        } else this.prepareChunks(tenant, w.spans, request, chunkKeys);
      }
      ids = this.use(() => this.writes!.write(request));
    } catch (error) {
      // Operations noted for this group were not stored.
      this.knownOperations.clear();
      throw error;
    }
    for (let i = 0; i < ids.length; i++) {
      const c = request.chunks[i];
      this.pendingPostings.addChunk(ids[i], c.spanCount, c.startMin, c.startMax, chunkKeys.pairs, i === 0 ? 0 : chunkKeys.ends[i - 1], chunkKeys.ends[i]);
    }
  }

  /**
   * Encodes one batch's chunks into `request`, their index keys into `chunkKeys`, and notes new
   * operations: every step of a chunk while its spans are in cache.
   */
  private prepareChunks(tenant: number, spans: readonly Span[], request: ChunkWriteRequest, chunkKeys: CommitKeys): void {
    let known = this.knownOperations.get(tenant);
    if (!known) this.knownOperations.set(tenant, (known = new KnownOperations()));
    const keys = this.spanKeysOf(tenant);
    const first = request.chunks.length;
    let batchMin = MAX_TIME;
    let batchMax = MIN_TIME;
    startSummary();
    this.chunkKeys.clear();
    for (const group of chunksOf(spans)) {
      validateChunk(group);
      const { startMin, startMax } = startRange(group);
      for (const span of group) {
        known.note(span.process.serviceName, span.operationName, spanKind(span));
        keys.forEach(span, this.chunkKeys);
      }
      this.chunkKeys.moveTo(chunkKeys.pairs);
      chunkKeys.ends.push(chunkKeys.pairs.length);
      const traceKey = Buffer.from(group[0].traceId, 'hex');
      summarizeChunk({ offset: request.chunks.length - first, traceKey, startMin, startMax, spans: group });
      request.chunks.push({ tenant, traceKey, startMin, startMax, spanCount: group.length, body: encodeChunk(group) });
      if (startMin < batchMin) batchMin = startMin;
      if (startMax > batchMax) batchMax = startMax;
    }
    const count = request.chunks.length - first;
    // A copy: the summary is a view of the encoder's scratch buffer.
    if (count > 0) request.summaries.push({ tenant, first, count, startMin: batchMin, startMax: batchMax, summary: new Uint8Array(finishSummary()) });
    for (const [service, name, kind] of known.takeNew()) request.operations.push([tenant, service, name, kind]);
  }

  /**
   * Writes every pending index entry as postings rows and advances the mark; no-op when nothing is
   * pending or the store is read-only. Rejects with StorageUnavailableError. When another
   * connection wrote chunks meanwhile, the entries are refreshed and the write tried once more.
   */
  flushPostings(): void {
    if (this.readOnly) return;
    const pending = this.pendingPostings;
    for (let attempt = 0; attempt < 2; attempt++) {
      this.use(() => this.refreshPendingPostings());
      if (pending.chunkCount === 0) return;
      const indexedUpto = pending.highestChunk;
      const rows: [number, number, number, number, Float64Array][] = [];
      for (const [key, list] of pending.keys()) postingRows(key, list, rows);
      const request = { expectIndexedUpto: pending.mark, expectGeneration: this.postingsGeneration, indexedUpto, chunkCount: pending.chunkCount, rows };
      if (this.use(() => this.writes!.writePostings(request))) {
        pending.clear(indexedUpto);
        return;
      }
      this.checkedDataVersion = -1;
    }
  }

  /** As flushPostings, for background use: a failure leaves the entries pending for the next try. */
  private tryFlushPostings(): void {
    try {
      this.flushPostings();
    } catch {
      // Searches keep reading the pending entries; the next group, idle time or close retries.
    }
  }

  private flushPostingsWhenIdle(): void {
    this.lastCommitAt = performance.now();
    if (this.idleTimer || this.pendingPostings.chunkCount === 0) return;
    const check = () => {
      const idle = performance.now() - this.lastCommitAt;
      this.idleTimer = undefined;
      if (this.closed) return;
      if (idle < POSTINGS_IDLE_MS) this.idleTimer = setTimeout(check, Math.max(1, POSTINGS_IDLE_MS - idle)).unref();
      else this.tryFlushPostings();
    };
    this.idleTimer = setTimeout(check, POSTINGS_IDLE_MS).unref();
  }

  /**
   * Makes the pending entries cover exactly the chunks above the database's mark: drops those
   * another connection indexed (or purged) and indexes, from their bodies, chunks this connection
   * did not write (another process's, or left by a crash).
   */
  private refreshPendingPostings(): void {
    // Unchanged unless another connection committed since: this one's own commits are in the entries.
    const dataVersion = this.stmt.dataVersion.get()!;
    if (dataVersion === this.checkedDataVersion) return;
    const pending = this.pendingPostings;
    const state = this.stmt.indexState.get()!;
    if (state.generation !== this.postingsGeneration || state.indexed_upto < pending.mark) {
      pending.clear(state.indexed_upto);
      this.postingsGeneration = state.generation;
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

  /** Every stored span of the trace, or undefined when none. */
  readTrace(tenantName: string, traceId: string, archive: boolean): Span[] | undefined {
    return this.use(() => {
      const tenant = this.tenantId(tenantName, false);
      if (tenant === undefined || !/^[0-9a-f]{32}$/.test(traceId)) return undefined;
      const rows = (archive ? this.stmt.archiveBodies : this.stmt.traceBodies).all(Buffer.from(traceId, 'hex'), tenant);
      if (rows.length === 0) return undefined;
      return rows.length === 1 ? decodeChunk(traceId, rows[0].body) : rows.flatMap((r) => decodeChunk(traceId, r.body));
    });
  }

  services(tenantName: string): string[] {
    return this.use(() => {
      const tenant = this.tenantId(tenantName, false);
      if (tenant === undefined) return [];
      return this.stmt.services
        .all(tenant)
        .map((r) => r.service)
        .sort(compareStrings);
    });
  }

  operations(tenantName: string, q: OperationQuery): Operation[] {
    return this.use(() => {
      const tenant = this.tenantId(tenantName, false);
      if (tenant === undefined) return [];
      return this.stmt.operations
        .all(tenant, q.serviceName)
        .filter((r) => !q.spanKind || r.kind === q.spanKind)
        .map((r) => ({ name: r.name, spanKind: r.kind }))
        .sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.spanKind, b.spanKind));
    });
  }

  /**
   * Complete matching traces, newest first (by the earliest span start of the chunk that made the
   * trace a candidate, i.e. the trace start unless a trace came in several batches), at most
   * `limit` when set. Lazy: each step runs its own statements, so callers may interleave other
   * calls between items.
   */
  *matchingTraces(tenantName: string, q: TraceQuery): Generator<Span[]> {
    const tenant = this.use(() => this.tenantId(tenantName, false));
    if (tenant === undefined) return;
    const tMin = q.startTimeMin ?? MIN_TIME;
    const tMax = q.startTimeMax ?? MAX_TIME;
    if (tMin > tMax) return;
    const limit = q.limit && q.limit > 0 ? q.limit : Number.POSITIVE_INFINITY;
    if (limit === Number.POSITIVE_INFINITY && isTimeWindowOnly(q)) {
      yield* this.tracesInWindow(tenant, tMin, tMax);
      return;
    }
    const driver = this.use(() => {
      this.refreshPendingPostings();
      return this.mostSelectiveKey(queryKeys(tenant, q), tMin, tMax);
    });
    const serviceMask = q.serviceName ? serviceBit(q.serviceName) : 0x3fffffff;
    const seen = new Set<string>();
    let found = 0;
    const pending: Candidate[] = [];
    if (driver !== undefined) {
      for (const e of this.pendingPostings.matching(driver, tMin, tMax, serviceMask)) pending.push({ chunk: e.chunk, key: e.earliestStart });
      pending.sort((a, b) => a.key - b.key || a.chunk - b.chunk);
    }
    let lastMax = MAX_TIME;
    let lastId = Number.MAX_SAFE_INTEGER;
    let exhausted = false;
    while (found < limit) {
      let pageMax = MIN_TIME;
      if (!exhausted) {
        const added = this.use(() => (driver === undefined ? this.chunkPage(tenant, tMin, tMax, lastMax, lastId) : this.postingPage(driver, tMin, tMax, serviceMask, lastMax, lastId)));
        if (added.rows === 0) exhausted = true;
        else {
          for (const c of added.candidates) pending.push(c);
          pending.sort((a, b) => a.key - b.key || a.chunk - b.chunk);
          lastMax = added.lastMax;
          lastId = added.lastId;
          pageMax = added.lastMax;
        }
      }
      if (exhausted && pending.length === 0) return;
      // Rows still unread have start_max ≤ pageMax, so pending candidates above it are next in order.
      while (pending.length > 0 && found < limit && (exhausted || pending[pending.length - 1].key > pageMax)) {
        const candidate = pending.pop()!;
        const spans = this.use(() => this.candidateTrace(tenantName, candidate.chunk, seen));
        if (spans && spans.some((s) => spanMatchesQuery(s, q))) {
          found++;
          yield spans;
        }
      }
    }
  }

  /**
   * Every trace with a span starting in [tMin, tMax], in storage order (by the latest span start
   * of the chunk that leads to it), each once and whole; only traces led to by chunks below `idBelow`. A single-chunk trace comes straight from
   * the page; a trace in several chunks is read whole at the first (lowest id) of its chunks the
   * scan visits, and skipped at the others, so no set of seen ids is kept.
   */
  private *tracesInWindow(tenant: number, tMin: number, tMax: number, idBelow = Number.MAX_SAFE_INTEGER): Generator<Span[]> {
    let lastMax = MIN_TIME;
    let lastId = 0;
    const open = new Map<string, OpenTrace>();
    for (;;) {
      const rows = this.use(() => this.stmt.windowPage.all(tenant, Math.max(tMin, lastMax), tMax, lastMax, lastId, idBelow, WINDOW_PAGE_ROWS));
      for (const r of rows) {
        const traceId = r.trace_id.toString('hex');
        if (r.shared === 0) {
          const spans = decodeChunk(traceId, r.body);
          if ((r.start_min >= tMin && r.start_max <= tMax) || anyStartIn(spans, tMin, tMax)) yield spans;
        } else {
          const spans = this.use(() => this.sharedTraceAt(tenant, r.trace_id, traceId, r.id, tMin, tMax, open));
          if (spans) yield spans;
        }
      }
      if (rows.length < WINDOW_PAGE_ROWS) return;
      lastMax = rows[rows.length - 1].start_max;
      lastId = rows[rows.length - 1].id;
    }
  }

  /**
   * The dependency facts of every trace tracesInWindow yields, each once: single-chunk traces from
   * the batch summaries in time order (no span decoded), shared traces decoded whole at the same
   * chunk tracesInWindow reads them at, and chunks written before schema v3 (ids below the first
   * summarized chunk) by tracesInWindow itself. Calls `visit` with `into`, refilled at each step.
   */
  dependencySpansInWindow(tenantName: string, tMin: number, tMax: number, into: DependencySpansBuffer, visit: (spans: DependencySpans) => void): void {
    const tenant = this.use(() => this.tenantId(tenantName, false));
    if (tenant === undefined || tMin > tMax) return;
    const firstSummarized = this.use(() => this.stmt.firstSummarized.get()) ?? Number.MAX_SAFE_INTEGER;
    let lastMax = MIN_TIME;
    let lastId = 0;
    const open = new Map<string, OpenTrace>();
    for (;;) {
      const rows = this.use(() => this.stmt.summaryPage.all(tenant, Math.max(tMin, lastMax), tMax, lastMax, lastId, SUMMARY_PAGE_ROWS));
      for (const row of rows) {
        const shared = this.use(() => this.stmt.sharedChunks.all(row.first_chunk, row.last_chunk));
        const summary = new DependencySummaryReader(row.summary, row.first_chunk);
        while (summary.next()) {
          if (summary.startMax < tMin || summary.startMin > tMax) continue;
          if (shared.length > 0 && shared.includes(summary.chunkId)) {
            const traceKey = Buffer.from(summary.traceKey());
            const spans = this.use(() => this.sharedTraceOnce(tenant, traceKey, tMin, tMax, firstSummarized, open));
            if (spans) visit(into.fromTrace({ spans }));
            continue;
          }
          summary.read(into);
          if ((summary.startMin >= tMin && summary.startMax <= tMax) || anyIn(into.start, into.length, tMin, tMax)) visit(into);
        }
      }
      if (rows.length < SUMMARY_PAGE_ROWS) break;
      lastMax = rows[rows.length - 1].start_max;
      lastId = rows[rows.length - 1].first_chunk;
    }
    if (firstSummarized > 1) for (const spans of this.tracesInWindow(tenant, tMin, tMax, firstSummarized)) visit(into.fromTrace({ spans }));
  }

  /**
   * The whole trace at the first of its chunks the summary scan meets, when a span starts in the
   * window; undefined at the others, and when its lowest-id chunk in the window is below
   * `firstSummarized` (the pre-v3 pass yields it). One query per trace.
   */
  private sharedTraceOnce(tenant: number, traceKey: Buffer, tMin: number, tMax: number, firstSummarized: number, open: Map<string, OpenTrace>): Span[] | undefined {
    const traceId = traceKey.toString('hex');
    const known = open.get(traceId);
    if (known) {
      if (--known.left <= 0) open.delete(traceId);
      return undefined;
    }
    const rows = this.stmt.traceChunks.all(traceKey, tenant);
    const inWindow = rows.filter((c) => c.start_max >= tMin && c.start_min <= tMax);
    if (inWindow.length > 1) open.set(traceId, { first: inWindow[0].id, left: inWindow.length - 1 });
    if (inWindow.length === 0 || inWindow[0].id < firstSummarized) return undefined;
    const spans = rows.flatMap((c) => decodeChunk(traceId, c.body));
    return anyStartIn(spans, tMin, tMax) ? spans : undefined;
  }

  /** The whole trace when chunk `at` is the lowest-id chunk of the trace overlapping the window and a span starts in it. */
  private sharedTraceAt(tenant: number, traceKey: Buffer, traceId: string, at: number, tMin: number, tMax: number, open: Map<string, OpenTrace>): Span[] | undefined {
    // The trace's chunk list is read once, at the first of its chunks the scan meets, and kept
    // until the scan has met all of them; bodies are read only at the chunk that yields the trace.
    let known = open.get(traceId);
    if (!known) {
      const overlapping = this.stmt.traceChunkRanges.all(traceKey, tenant).filter((c) => c.start_max >= tMin && c.start_min <= tMax);
      known = { first: overlapping[0]?.id, left: overlapping.length };
      open.set(traceId, known);
    }
    if (--known.left <= 0) open.delete(traceId);
    if (known.first !== at) return undefined;
    const rows = this.stmt.traceChunks.all(traceKey, tenant);
    const spans = rows.flatMap((c) => decodeChunk(traceId, c.body));
    return anyStartIn(spans, tMin, tMax) ? spans : undefined;
  }

  private candidateTrace(tenantName: string, chunk: number, seen: Set<string>): Span[] | undefined {
    const row: Row<{ trace_id: Buffer }> = this.stmt.chunkTrace.get(chunk);
    if (!row) return undefined;
    const traceId = row.trace_id.toString('hex');
    if (seen.has(traceId)) return undefined;
    seen.add(traceId);
    return this.readTrace(tenantName, traceId, false);
  }

  private mostSelectiveKey(keys: number[], tMin: number, tMax: number): number | undefined {
    let best: number | undefined;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const count = (this.stmt.postingCount.get(key, tMin, tMax)?.n ?? 0) + this.pendingPostings.count(key, tMin, tMax);
      if (count < bestCount) {
        best = key;
        bestCount = count;
        if (count === 0) break;
      }
    }
    return best;
  }

  private postingPage(key: number, tMin: number, tMax: number, serviceMask: number, lastMax: number, lastId: number) {
    const rows = this.stmt.postingPage.all(key, tMin, tMax, lastMax, lastMax, lastId, PAGE_ROWS);
    const candidates: Candidate[] = [];
    for (const r of rows) {
      const e = r.entries;
      for (let off = 0; off < e.length; off += ENTRY_FIELDS * 8) {
        const min = e.readDoubleLE(off + 8);
        const max = e.readDoubleLE(off + 16);
        if (max >= tMin && min <= tMax && (e.readDoubleLE(off + 24) & serviceMask) !== 0) candidates.push({ chunk: e.readDoubleLE(off), key: min });
      }
    }
    const last = rows[rows.length - 1];
    return { rows: rows.length, candidates, lastMax: last?.start_max ?? lastMax, lastId: last?.id ?? lastId };
  }

  private chunkPage(tenant: number, tMin: number, tMax: number, lastMax: number, lastId: number) {
    const rows = this.stmt.chunkPage.all(tenant, tMin, tMax, lastMax, lastMax, lastId, PAGE_ROWS);
    const last = rows[rows.length - 1];
    return {
      rows: rows.length,
      candidates: rows.map((r) => ({ chunk: r.id, key: r.start_min })),
      lastMax: last?.start_max ?? lastMax,
      lastId: last?.id ?? lastId,
    };
  }

  purge(): void {
    if (this.readOnly) throw new NotSupportedError(`sqlite store "${this.path}" is open read-only`);
    this.flush();
    this.use(() => this.writes!.purge());
    this.tenantIds.clear();
    this.knownOperations.clear();
    this.use(() => this.refreshPendingPostings());
  }

  /** Commits what is queued, writes pending postings and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly) {
      this.flush();
      clearTimeout(this.idleTimer);
      this.tryFlushPostings();
    }
    this.closed = true;
    await this.writes?.close();
    this.db.close();
  }
}

/** Splits one key's entries into postings rows of at most POSTINGS_ROW_ENTRIES, in the order held. */
function postingRows(key: number, list: readonly number[], rows: [number, number, number, number, Float64Array][]): void {
  const rowFields = POSTINGS_ROW_ENTRIES * ENTRY_FIELDS;
  for (let from = 0; from < list.length; from += rowFields) {
    const to = Math.min(list.length, from + rowFields);
    const entries = new Float64Array(to - from);
    let min = MAX_TIME;
    let max = MIN_TIME;
    for (let i = from; i < to; i += ENTRY_FIELDS) {
      if (list[i + 1] < min) min = list[i + 1];
      if (list[i + 2] > max) max = list[i + 2];
    }
    for (let i = from; i < to; i++) entries[i - from] = list[i];
    rows.push([key, min, max, (to - from) / ENTRY_FIELDS, entries]);
  }
}

/** Validates the spans of one chunk (one trace id: checked once). */
function validateChunk(spans: readonly Span[]): void {
  validateSpan(spans[0]);
  for (let i = 1; i < spans.length; i++) validateSpan(spans[i], spans[0].traceId);
}

/** Earliest and latest span start (µs). */
function startRange(spans: readonly Span[]): { startMin: number; startMax: number } {
  let startMin = MAX_TIME;
  let startMax = MIN_TIME;
  for (const span of spans) {
    if (span.startTime < startMin) startMin = span.startTime;
    if (span.startTime > startMax) startMax = span.startTime;
  }
  return { startMin, startMax };
}

/** Operations known to be stored for one tenant, and those noted since the last takeNew. */
class KnownOperations {
  private readonly byService = new Map<string, Map<string, Set<string>>>();
  private added: [string, string, string][] = [];

  note(service: string, name: string, kind: string): void {
    let names = this.byService.get(service);
    if (!names) this.byService.set(service, (names = new Map()));
    let kinds = names.get(name);
    if (!kinds) names.set(name, (kinds = new Set()));
    if (kinds.has(kind)) return;
    kinds.add(kind);
    this.added.push([service, name, kind]);
  }

  takeNew(): [string, string, string][] {
    const out = this.added;
    this.added = [];
    return out;
  }
}

/** Spans grouped by trace id in first-seen order, at most MAX_CHUNK_SPANS per group. */
function chunksOf(spans: readonly Span[]): Span[][] {
  const byTrace = new Map<string, Span[]>();
  const out: Span[][] = [];
  for (const s of spans) {
    let group = byTrace.get(s.traceId);
    if (!group || group.length >= MAX_CHUNK_SPANS) {
      group = [];
      byTrace.set(s.traceId, group);
      out.push(group);
    }
    group.push(s);
  }
  return out;
}

class SqliteTenant implements TraceStore {
  readonly archive: ArchiveStore;
  /** Writes queued while a commit runs share the next one (SqliteDatabase.writeSpans). */
  readonly batchesWrites = true;

  constructor(
    protected readonly database: SqliteDatabase,
    private readonly tenant: string,
  ) {
    this.archive = {
      writeSpans: (spans) => this.database.writeSpans(this.tenant, spans, true),
      getTrace: async (q) => this.trace(q, true),
    };
  }

  writeSpans(spans: readonly Span[]): Promise<void> {
    return this.database.writeSpans(this.tenant, spans, false);
  }

  async getTrace(q: GetTraceQuery): Promise<Trace> {
    return this.trace(q, false);
  }

  private trace(q: GetTraceQuery, archive: boolean): Trace {
    const spans = this.database.readTrace(this.tenant, q.traceId, archive);
    if (!spans) throw new TraceNotFoundError(q.traceId);
    return { spans };
  }

  async getServices(): Promise<string[]> {
    return this.database.services(this.tenant);
  }

  async getOperations(q: OperationQuery): Promise<Operation[]> {
    return this.database.operations(this.tenant, q);
  }

  async *findTraces(q: TraceQuery): AsyncIterable<Trace> {
    checkQuery(q);
    for (const spans of this.database.matchingTraces(this.tenant, q)) yield { spans };
  }

  async findTraceIds(q: TraceQuery): Promise<FoundTraceId[]> {
    checkQuery(q);
    const out: FoundTraceId[] = [];
    for (const spans of this.database.matchingTraces(this.tenant, q)) out.push({ traceId: spans[0].traceId, ...traceTimeRange(spans) });
    return out;
  }

  async forEachDependencySpans(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
    checkQuery(window);
    this.database.dependencySpansInWindow(this.tenant, window.startTimeMin, window.startTimeMax, new DependencySpansBuffer(), visit);
  }

  async getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const counter = new DependencyLinkCounter();
    this.database.dependencySpansInWindow(this.tenant, endTime - lookback, endTime, new DependencySpansBuffer(), (spans) => counter.addSpans(spans));
    return counter.links();
  }
}

class SqliteStore extends SqliteTenant implements Store {
  private readonly views = new Map<string, SqliteTenant>();

  constructor(database: SqliteDatabase) {
    super(database, '');
    this.views.set('', this);
  }

  forTenant(tenant: string): TraceStore {
    let view = this.views.get(tenant);
    if (!view) this.views.set(tenant, (view = new SqliteTenant(this.database, tenant)));
    return view;
  }

  async purge(): Promise<void> {
    this.database.purge();
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

function checkQuery(q: TraceQuery): void {
  for (const [name, value] of [
    ['startTimeMin', q.startTimeMin],
    ['startTimeMax', q.startTimeMax],
    ['durationMin', q.durationMin],
    ['durationMax', q.durationMax],
    ['limit', q.limit],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) throw new InvalidArgumentError(`invalid query: ${name} is ${value}`);
  }
}

/** True when the query restricts nothing but the start time window. */
function isTimeWindowOnly(q: TraceQuery): boolean {
  return !q.serviceName && !q.operationName && !q.durationMin && !q.durationMax && (q.tags === undefined || Object.keys(q.tags).length === 0);
}

function anyIn(starts: Float64Array, n: number, tMin: number, tMax: number): boolean {
  for (let i = 0; i < n; i++) if (starts[i] >= tMin && starts[i] <= tMax) return true;
  return false;
}

function anyStartIn(spans: readonly Span[], tMin: number, tMax: number): boolean {
  for (const s of spans) if (s.startTime >= tMin && s.startTime <= tMax) return true;
  return false;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
