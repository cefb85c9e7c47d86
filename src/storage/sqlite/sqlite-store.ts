/**
 * The embedded store, `sqlite:PATH` (default `sqlite:jaeger-sls.db`), on better-sqlite3.
 *
 * Writes: one transaction per writeSpans call, or per group of calls made in the same event-loop
 * turn. Each batch's spans are grouped by trace id into
 * chunks (one row each, encoded by span-codec.ts) and indexed by postings (one row per index key
 * per batch, index-keys.ts), so the row count grows with traces and distinct keys, not spans.
 * Duplicate span ids are stored as given; reference order is kept by the encoding.
 *
 * Reads: GetTrace reads the chunks of one trace id. FindTraces picks the most selective index key
 * of the query (service, service+operation, or a tag), walks its postings newest first, and checks
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
import type { SummaryChunk } from './dependency-summary.js';
import { DependencySummaryReader, encodeDependencySummary } from './dependency-summary.js';
import { forEachSpanKey, queryKeys, serviceBit } from './index-keys.js';
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
/** Posting entry: chunk id, earliest start, latest start, service mask — float64 LE each. */
const ENTRY_FIELDS = 4;
/**
 * The WAL file is truncated back to this size (bytes) after a checkpoint, so one huge batch does
 * not leave a huge WAL behind. (temp_store, mmap_size and page sizes 1–2 KB measured within noise;
 * a larger page size helps 2 KB chunks but wastes space on 4 KB ones, so SQLite's defaults stay.)
 */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * Checkpoint once the WAL holds about WAL_SIZE_LIMIT_BYTES instead of SQLite's 1000 pages: each
 * 100-span commit adds ~140 postings with random keys, dirtying as many scattered index pages, so
 * the default checkpointed every few commits and rewrote the same pages; batches of 100 spans
 * write ~45% faster with the larger interval (same durability: every commit is in the WAL).
 */
const WAL_AUTOCHECKPOINT_BYTES = WAL_SIZE_LIMIT_BYTES;
const MIN_TIME = Number.MIN_SAFE_INTEGER;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

export interface SqliteStoreOptions {
  /** Open an existing file for reading only: no migrations, writes rejected. */
  readOnly?: boolean;
  /** `normal` (default: durable across process kill) or `full` (also across power loss). */
  synchronous?: 'normal' | 'full';
  /** SQLite page cache per connection, MiB. Default 64. */
  cacheMiB?: number;
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
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${-1024 * Math.max(1, Math.floor(options.cacheMiB ?? 64))}`);
    if (options.readOnly) {
      const version = schemaVersion(db);
      if (version !== SCHEMA_VERSION) {
        throw new Error(version === 0 ? 'not a jaeger-sls database (no schema)' : `schema version ${version}, this jaeger-sls reads ${SCHEMA_VERSION}`);
      }
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      db.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_AUTOCHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number))}`);
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db);
    }
    return new SqliteStore(new SqliteDatabase(db, path, options.readOnly ?? false));
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new StorageUnavailableError(`sqlite store "${path}": ${reason}`);
    throw new ConfigError(`cannot open sqlite store "${path}": ${reason}`);
  }
}

type Row<T> = T | undefined;

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
  private closed = false;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly tenantIds = new Map<string, number>();
  /** Per tenant: operations known to be in the `operations` table. */
  private readonly knownOperations = new Map<number, KnownOperations>();
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly readOnly: boolean,
  ) {
    this.stmt = {
      selectTenant: db.prepare<[string], { id: number }>('SELECT id FROM tenants WHERE name = ?'),
      insertTenant: readOnly ? undefined : db.prepare<[string]>('INSERT OR IGNORE INTO tenants (name) VALUES (?)'),
      insertOperation: readOnly ? undefined : db.prepare<[number, string, string, string]>('INSERT OR IGNORE INTO operations (tenant, service, name, kind) VALUES (?, ?, ?, ?)'),
      insertChunk: readOnly
        ? undefined
        : db.prepare<[number, Buffer, number, number, number, string, number]>(
            'INSERT INTO chunks (tenant, trace_id, start_min, start_max, span_count, body, shared) VALUES (?, ?, ?, ?, ?, ?, ?)',
          ),
      traceHasChunk: db.prepare<[Buffer, number], number>('SELECT id FROM chunks WHERE trace_id = ? AND tenant = ? LIMIT 1').pluck(),
      markShared: readOnly ? undefined : db.prepare<[Buffer, number]>('UPDATE chunks SET shared = 1 WHERE trace_id = ? AND tenant = ? AND shared = 0'),
      insertPosting: readOnly
        ? undefined
        : db.prepare<[number, number, number, number, Buffer]>('INSERT INTO postings (hash, start_min, start_max, n, entries) VALUES (?, ?, ?, ?, ?)'),
      insertArchive: readOnly ? undefined : db.prepare<[number, Buffer, string]>('INSERT INTO archive_chunks (tenant, trace_id, body) VALUES (?, ?, ?)'),
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
      insertSummary: readOnly
        ? undefined
        : db.prepare<[number, number, number, number, number, Buffer]>(
            'INSERT INTO dependency_summaries (first_chunk, last_chunk, tenant, start_min, start_max, summary) VALUES (?, ?, ?, ?, ?, ?)',
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

  /**
   * Validates, then queues the batch; batches queued in the same event-loop turn (concurrent
   * callers, e.g. one-span WriteSpan streams) commit in one transaction. Resolves after the commit.
   * If a grouped commit fails, each batch is retried alone so only the failing caller sees an error.
   */
  writeSpans(tenantName: string, spans: readonly Span[], archive: boolean): Promise<void> {
    if (this.readOnly) return Promise.reject(new NotSupportedError(`sqlite store "${this.path}" is open read-only`));
    if (this.closed) return Promise.reject(new StorageUnavailableError(`sqlite store "${this.path}" is closed`));
    try {
      for (const s of spans) validateSpan(s);
    } catch (error) {
      return Promise.reject(error);
    }
    if (spans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ tenantName, spans: [...spans], archive, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    try {
      this.commit(group);
      for (const w of group) w.resolve();
    } catch (error) {
      if (group.length === 1) return group[0].reject(error);
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

  private commit(group: readonly PendingWrite[]): void {
    this.use(() => {
      try {
        this.db
          .transaction(() => {
            const keys = new BatchKeys();
            for (const w of group) {
              if (w.archive) this.insertArchive(w.tenantName, w.spans);
              else this.insertPrimary(w.tenantName, w.spans, keys);
            }
            this.insertPostings(keys);
          })
          .immediate();
      } catch (error) {
        // The rollback may have dropped a tenant or operations the caches already hold.
        this.tenantIds.clear();
        this.knownOperations.clear();
        throw error;
      }
    });
  }

  private insertArchive(tenantName: string, spans: readonly Span[]): void {
    const tenant = this.tenantId(tenantName, true)!;
    for (const group of chunksOf(spans)) {
      this.stmt.insertArchive!.run(tenant, Buffer.from(group[0].traceId, 'hex'), encodeChunk(group));
    }
  }

  /** Stores the chunks of one batch and notes their index keys in `keys` (tenant-scoped hashes). */
  private insertPrimary(tenantName: string, spans: readonly Span[], keys: BatchKeys): void {
    const tenant = this.tenantId(tenantName, true)!;
    let known = this.knownOperations.get(tenant);
    if (!known) this.knownOperations.set(tenant, (known = new KnownOperations()));
    const summarized: SummaryChunk[] = [];
    for (const group of chunksOf(spans)) {
      let startMin = MAX_TIME;
      let startMax = MIN_TIME;
      keys.nextChunk();
      for (const span of group) {
        const start = span.startTime;
        if (start < startMin) startMin = start;
        if (start > startMax) startMax = start;
        keys.span(serviceBit(span.process.serviceName));
        forEachSpanKey(tenant, span, keys.add);
        known.note(span.process.serviceName, span.operationName, spanKind(span));
      }
      keys.chunkRange(startMin, startMax);
      const traceKey = Buffer.from(group[0].traceId, 'hex');
      const shared = this.stmt.traceHasChunk.get(traceKey, tenant) !== undefined;
      if (shared) this.stmt.markShared!.run(traceKey, tenant);
      keys.chunkIds.push(Number(this.stmt.insertChunk!.run(tenant, traceKey, startMin, startMax, group.length, encodeChunk(group), shared ? 1 : 0).lastInsertRowid));
      summarized.push({ id: keys.chunkIds[keys.chunkIds.length - 1], traceKey, startMin, startMax, spans: group });
    }
    this.insertSummary(tenant, summarized);
    for (const [service, name, kind] of known.takeNew()) this.stmt.insertOperation!.run(tenant, service, name, kind);
  }

  /** The dependency summary of one batch's chunks (dependency-summary.ts). */
  private insertSummary(tenant: number, chunks: readonly SummaryChunk[]): void {
    if (chunks.length === 0) return;
    let startMin = MAX_TIME;
    let startMax = MIN_TIME;
    for (const c of chunks) {
      if (c.startMin < startMin) startMin = c.startMin;
      if (c.startMax > startMax) startMax = c.startMax;
    }
    this.stmt.insertSummary!.run(chunks[0].id, chunks[chunks.length - 1].id, tenant, startMin, startMax, encodeDependencySummary(chunks));
  }

  /** One postings row per index key of the whole commit group. */
  private insertPostings(keys: BatchKeys): void {
    for (const [key, list] of keys.entries) {
      let min = MAX_TIME;
      let max = MIN_TIME;
      for (let i = 0; i < list.length; i += ENTRY_FIELDS) {
        list[i] = keys.chunkIds[list[i]];
        if (list[i + 1] < min) min = list[i + 1];
        if (list[i + 2] > max) max = list[i + 2];
      }
      const entries = new Float64Array(list);
      this.stmt.insertPosting!.run(key, min, max, list.length / ENTRY_FIELDS, Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength));
    }
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
    const driver = this.use(() => this.mostSelectiveKey(queryKeys(tenant, q), tMin, tMax));
    const serviceMask = q.serviceName ? serviceBit(q.serviceName) : 0x3fffffff;
    const seen = new Set<string>();
    let found = 0;
    const pending: Candidate[] = [];
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
   * summarized chunk) by tracesInWindow itself. Yields `into`, refilled at each step.
   */
  *dependencySpansInWindow(tenantName: string, tMin: number, tMax: number, into: DependencySpansBuffer): Generator<DependencySpansBuffer> {
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
        const summary = new DependencySummaryReader(row.summary);
        while (summary.next()) {
          if (summary.startMax < tMin || summary.startMin > tMax) continue;
          if (shared.length > 0 && shared.includes(summary.chunkId)) {
            const traceKey = Buffer.from(summary.traceKey());
            const spans = this.use(() => this.sharedTraceOnce(tenant, traceKey, tMin, tMax, firstSummarized, open));
            if (spans) yield into.fromTrace({ spans });
            continue;
          }
          summary.read(into);
          if ((summary.startMin >= tMin && summary.startMax <= tMax) || anyIn(into.start, into.length, tMin, tMax)) yield into;
        }
      }
      if (rows.length < SUMMARY_PAGE_ROWS) break;
      lastMax = rows[rows.length - 1].start_max;
      lastId = rows[rows.length - 1].first_chunk;
    }
    if (firstSummarized > 1) for (const spans of this.tracesInWindow(tenant, tMin, tMax, firstSummarized)) yield into.fromTrace({ spans });
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
      const count = this.stmt.postingCount.get(key, tMin, tMax)?.n ?? 0;
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
    this.use(() =>
      this.db.transaction(() => {
        for (const table of ['chunks', 'postings', 'operations', 'archive_chunks', 'dependency_summaries']) this.db.prepare(`DELETE FROM ${table}`).run();
        this.db.prepare('DELETE FROM tenants WHERE id <> 0').run();
      }).immediate(),
    );
    this.tenantIds.clear();
    this.knownOperations.clear();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}

/**
 * Index keys of one commit (one or more batches): key → flat [chunk ordinal, earliest start, latest start, service
 * mask, …], one entry per chunk carrying the key; the times are the chunk's, the mask covers the
 * services of the chunk's spans carrying the key.
 */
class BatchKeys {
  readonly entries = new Map<number, number[]>();
  /** Row id of each chunk, by ordinal. */
  readonly chunkIds: number[] = [];
  /** Entry lists touched by the current chunk, to receive its time range. */
  private touched: number[][] = [];
  private chunk = -1;
  private bit = 0;

  nextChunk(): void {
    this.chunk++;
    this.touched = [];
  }

  span(serviceBit: number): void {
    this.bit = serviceBit;
  }

  readonly add = (key: number): void => {
    const list = this.entries.get(key);
    if (!list) {
      const created = [this.chunk, 0, 0, this.bit];
      this.entries.set(key, created);
      this.touched.push(created);
    } else if (list[list.length - ENTRY_FIELDS] !== this.chunk) {
      list.push(this.chunk, 0, 0, this.bit);
      this.touched.push(list);
    } else list[list.length - 1] |= this.bit;
  };

  chunkRange(startMin: number, startMax: number): void {
    for (const list of this.touched) {
      list[list.length - 3] = startMin;
      list[list.length - 2] = startMax;
    }
  }
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
    for (const spans of this.database.dependencySpansInWindow(this.tenant, window.startTimeMin, window.startTimeMax, new DependencySpansBuffer())) visit(spans);
  }

  async getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const counter = new DependencyLinkCounter();
    for (const spans of this.database.dependencySpansInWindow(this.tenant, endTime - lookback, endTime, new DependencySpansBuffer())) counter.addSpans(spans);
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
    this.database.close();
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
