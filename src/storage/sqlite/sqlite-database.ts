/**
 * One open database file and its parts, shared by every tenant view of the store: the connection
 * (connection.ts), the commits (write-queue.ts), the search index upkeep (postings-index.ts),
 * reads by key (trace-reads.ts), the FindTraces planner (trace-search.ts), the time-window scan
 * (window-scan.ts) and the dependency scan (dependency-scan.ts).
 */
import type Database from 'better-sqlite3';
import type { DependencySpans, DependencySpansBuffer } from '../../facts/dependency-spans.js';
import type { Operation, OperationQuery, Span, TraceQuery } from '../../model/index.js';
import { NotSupportedError } from '../../model/index.js';
import type { ChunkWrites } from './chunk-writes.js';
import { SqliteConnection } from './connection.js';
import { DependencyScan } from './dependency-scan.js';
import { PostingsIndex } from './postings-index.js';
import { TraceReads } from './trace-reads.js';
import { TraceSearch } from './trace-search.js';
import { WindowScan } from './window-scan.js';
import { SpanCommits } from './write-queue.js';

export class SqliteDatabase {
  private readonly conn: SqliteConnection;
  private readonly postings: PostingsIndex;
  /** Undefined when the store is read-only. */
  private readonly commits: SpanCommits | undefined;
  private readonly reads: TraceReads;
  private readonly search: TraceSearch;
  private readonly dependencyScan: DependencyScan;

  constructor(
    db: Database.Database,
    readonly path: string,
    /** The write transactions; undefined when the store is read-only. */
    private readonly writes: ChunkWrites | undefined,
  ) {
    this.conn = new SqliteConnection(db, path, writes === undefined);
    this.postings = new PostingsIndex(this.conn, writes);
    this.commits = writes && new SpanCommits(this.conn, writes, this.postings);
    this.reads = new TraceReads(this.conn);
    const windowScan = new WindowScan(this.conn);
    this.search = new TraceSearch(this.conn, this.postings, this.reads, windowScan);
    this.dependencyScan = new DependencyScan(this.conn, windowScan);
  }

  get readOnly(): boolean {
    return this.conn.readOnly;
  }

  /** Commits the batch (SpanCommits.writeSpans); throws NotSupportedError when the store is read-only. */
  writeSpans(tenantName: string, spans: readonly Span[], archive: boolean): void {
    if (!this.commits) throw new NotSupportedError(`sqlite store "${this.path}" is open read-only`);
    this.commits.writeSpans(tenantName, spans, archive);
  }

  /** Writes every pending index entry as postings rows (PostingsIndex.flush). */
  flushPostings(): void {
    this.postings.flush();
  }

  readTrace(tenantName: string, traceId: string, archive: boolean): Span[] | undefined {
    return this.reads.readTrace(tenantName, traceId, archive);
  }

  traceParts(tenantName: string, traceId: string, archive: boolean): Generator<Span[]> {
    return this.reads.traceParts(tenantName, traceId, archive);
  }

  services(tenantName: string): string[] {
    return this.reads.services(tenantName);
  }

  operations(tenantName: string, q: OperationQuery): Operation[] {
    return this.reads.operations(tenantName, q);
  }

  matchingTraces(tenantName: string, q: TraceQuery): Generator<Span[]> {
    return this.search.matchingTraces(tenantName, q);
  }

  matchingTraceIds(tenantName: string, q: TraceQuery): Generator<string> {
    return this.search.matchingTraceIds(tenantName, q);
  }

  dependencySpansInWindow(tenantName: string, tMin: number, tMax: number, into: DependencySpansBuffer, visit: (spans: DependencySpans) => void): void {
    this.dependencyScan.dependencySpansInWindow(tenantName, tMin, tMax, into, visit);
  }

  purge(): void {
    if (!this.commits) throw new NotSupportedError(`sqlite store "${this.path}" is open read-only`);
    this.conn.use(() => this.writes!.purge());
    this.conn.forgetTenants();
    this.commits.forgetOperations();
    this.conn.use(() => this.postings.refresh());
  }

  /** Writes pending postings and closes the connection. */
  async close(): Promise<void> {
    if (this.conn.closed) return;
    if (this.commits) {
      this.postings.stopIdleTimer();
      this.postings.tryFlush();
    }
    this.conn.closed = true;
    await this.writes?.close();
    this.conn.db.close();
  }
}
