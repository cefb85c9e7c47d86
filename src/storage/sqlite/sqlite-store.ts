/**
 * The embedded store, `sqlite:PATH` (default `sqlite:jaeger-sls.db`), on better-sqlite3: opening
 * the file and the tenant views of the storage contract. The database's parts are in
 * sqlite-database.ts.
 *
 * Writes: one transaction per writeSpans call (write-queue.ts); the store is returned wrapped in
 * the group-commit decorator (../group-commit.ts), so concurrent callers share transactions. Each batch's spans are grouped by trace id into chunks (one row each,
 * encoded by span-codec.ts); their search-index entries (index-keys.ts) wait in memory and are
 * written as postings rows in large groups (postings-index.ts). Row counts grow with traces and
 * distinct keys, not spans. Duplicate span ids are stored as given; reference order is kept by the
 * encoding.
 *
 * Reads: GetTrace reads the chunks of one trace id (trace-reads.ts). FindTraces walks the postings
 * of the query's most selective key (trace-search.ts); a query with only a time window and no limit
 * streams chunks in time-index order (window-scan.ts); dependency links read the batch summaries
 * (dependency-scan.ts). Results stream; nothing holds every match.
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
import type { DependencyLink, FoundTraceId, GetTraceQuery, Operation, OperationQuery, Span, Trace, TraceQuery } from '../../model/index.js';
import { ConfigError, InvalidArgumentError, StorageUnavailableError, TraceNotFoundError } from '../../model/index.js';
import { withGroupCommit } from '../group-commit.js';
import { DependencyLinkCounter } from '../../facts/dependency-links.js';
import type { DependencySpans } from '../../facts/dependency-spans.js';
import { DependencySpansBuffer } from '../../facts/dependency-spans.js';
import { traceTimeRange } from '../trace-matching.js';
import type { ArchiveStore, FoundTraceParts, Store, TraceStore } from '../types.js';
import { ChunkWrites, configureWriter } from './chunk-writes.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';
import { SqliteDatabase } from './sqlite-database.js';

export const DEFAULT_SQLITE_PATH = 'jaeger-sls.db';

/**
 * SQLite page cache of a connection that only reads (MiB): holds the hot part of the chunk, time
 * and postings indexes for GetTrace and FindTraces.
 */
const READER_CACHE_MIB = 64;
/**
 * Page cache of a connection that writes (MiB). Every commit that splits an index page in
 * SQLite's balance_nonroot moves a page through the temporary number of the lock-byte page
 * (1 GiB / page size), so until the file passes 1 GiB the commit's cache truncation walks every
 * page in the cache (pcache1TruncateUnsafe's full scan): with 64 MiB that walk took a fifth to a
 * quarter of the write transaction's CPU (perf). Of 2, 8, 16 and 64 MiB, 8 wrote cheapest: it keeps
 * the index pages commits touch; others come from the OS page cache.
 */
const WRITER_CACHE_MIB = 8;

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY (ms). */
const BUSY_TIMEOUT_MS = 5_000;

export interface SqliteStoreOptions {
  /** Open an existing file for reading only: no migrations, writes rejected. */
  readOnly?: boolean;
  /** `normal` (default: durable across process kill) or `full` (also across power loss). */
  synchronous?: 'normal' | 'full';
  /** SQLite page cache of the connection, MiB. Default READER_CACHE_MIB read-only, else WRITER_CACHE_MIB. */
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
    db.pragma(`cache_size = ${-1024 * Math.max(1, Math.floor(options.cacheMiB ?? (options.readOnly ? READER_CACHE_MIB : WRITER_CACHE_MIB)))}`);
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
    return withGroupCommit(new SqliteStore(database));
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new StorageUnavailableError(`sqlite store "${path}": ${reason}`);
    throw new ConfigError(`cannot open sqlite store "${path}": ${reason}`);
  }
}

class SqliteTenant implements TraceStore {
  readonly archive: ArchiveStore;

  constructor(
    protected readonly database: SqliteDatabase,
    private readonly tenant: string,
  ) {
    this.archive = {
      writeSpans: async (spans) => this.database.writeSpans(this.tenant, spans, true),
      getTrace: async (q) => this.trace(q, true),
      getTraceParts: (q) => this.traceParts(q, true),
    };
  }

  async writeSpans(spans: readonly Span[]): Promise<void> {
    this.database.writeSpans(this.tenant, spans, false);
  }

  async getTrace(q: GetTraceQuery): Promise<Trace> {
    return this.trace(q, false);
  }

  getTraceParts(q: GetTraceQuery): AsyncIterable<Span[]> {
    return this.traceParts(q, false);
  }

  private async *traceParts(q: GetTraceQuery, archive: boolean): AsyncIterable<Span[]> {
    yield* this.database.traceParts(this.tenant, q.traceId, archive);
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

  async *findTraceParts(q: TraceQuery): AsyncIterable<FoundTraceParts> {
    checkQuery(q);
    for (const traceId of this.database.matchingTraceIds(this.tenant, q)) yield { traceId, parts: this.database.traceParts(this.tenant, traceId, false) };
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
