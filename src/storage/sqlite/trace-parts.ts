import Database from 'better-sqlite3';
import type { GetTraceQuery, Span } from '../../model/index.js';
import { ConfigError, StorageUnavailableError } from '../../model/index.js';
import { decodeChunk } from './span-codec.js';

/** How long a read waits for a writer's lock before failing, ms (as the store's connection). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * One trace's stored chunks read one row per step on a read-only connection: a caller streams a
 * trace of any size holding one chunk (≤ the store's chunk size) at a time, and each step is its
 * own short read transaction, so a slow reader never holds a snapshot that stops WAL checkpoints.
 */
export class SqliteTraceParts {
  private readonly stmt;
  private readonly tenantIds = new Map<string, number>();

  private constructor(private readonly db: Database.Database) {
    this.stmt = {
      tenant: db.prepare<[string], { id: number }>('SELECT id FROM tenants WHERE name = ?'),
      chunk: db.prepare<[Buffer, number, number], { id: number; body: string }>('SELECT id, body FROM chunks WHERE trace_id = ? AND tenant = ? AND id > ? ORDER BY id LIMIT 1'),
      archiveChunk: db.prepare<[Buffer, number, number], { id: number; body: string }>(
        'SELECT id, body FROM archive_chunks WHERE trace_id = ? AND tenant = ? AND id > ? ORDER BY id LIMIT 1',
      ),
    };
  }

  /** Opens `path` read-only (the file must exist: a serving writer created it). */
  static open(path: string): SqliteTraceParts {
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      return new SqliteTraceParts(db);
    } catch (error) {
      throw new ConfigError(`cannot open sqlite store "${path}" for reading: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The trace's spans chunk by chunk in storage order; nothing when the tenant has no such trace. */
  *read(tenantName: string, query: GetTraceQuery, archive: boolean): Generator<Span[]> {
    const tenant = this.use(() => this.tenantId(tenantName));
    if (tenant === undefined || !/^[0-9a-f]{32}$/.test(query.traceId)) return;
    const key = Buffer.from(query.traceId, 'hex');
    const next = archive ? this.stmt.archiveChunk : this.stmt.chunk;
    let after = 0;
    for (;;) {
      const row = this.use(() => next.get(key, tenant, after));
      if (!row) return;
      after = row.id;
      yield decodeChunk(query.traceId, row.body);
    }
  }

  close(): void {
    this.db.close();
  }

  private tenantId(name: string): number | undefined {
    let id = this.tenantIds.get(name);
    if (id === undefined) {
      id = this.stmt.tenant.get(name)?.id;
      if (id !== undefined) this.tenantIds.set(name, id);
    }
    return id;
  }

  private use<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof Database.SqliteError) throw new StorageUnavailableError(`sqlite store: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
