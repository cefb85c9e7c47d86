/** Reads by key: one trace's chunks (primary or archive), and the services and operations of a tenant. */
import type { Operation, OperationQuery, Span } from '../../model/index.js';
import type { SqliteConnection } from './connection.js';
import { decodeChunk, decodeChunkParts } from './span-codec.js';

/**
 * Spans a trace part holds at most. Decoding costs about 5–8 µs a span, so a part is at most about
 * half a millisecond of work: a streamed read (a read worker) looks at cancellations and its other
 * reads between parts, not only once a whole chunk (up to MAX_CHUNK_SPANS = 512 spans) is decoded.
 */
const SPANS_PER_PART = 64;

export class TraceReads {
  private readonly stmt;

  constructor(private readonly conn: SqliteConnection) {
    const db = conn.db;
    this.stmt = {
      traceBodies: db.prepare<[Buffer, number], { body: string }>('SELECT body FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id'),
      archiveBodies: db.prepare<[Buffer, number], { body: string }>('SELECT body FROM archive_chunks WHERE trace_id = ? AND tenant = ? ORDER BY id'),
      nextChunk: db.prepare<[Buffer, number, number], { id: number; body: string }>('SELECT id, body FROM chunks WHERE trace_id = ? AND tenant = ? AND id > ? ORDER BY id LIMIT 1'),
      nextArchiveChunk: db.prepare<[Buffer, number, number], { id: number; body: string }>(
        'SELECT id, body FROM archive_chunks WHERE trace_id = ? AND tenant = ? AND id > ? ORDER BY id LIMIT 1',
      ),
      services: db.prepare<[number], { service: string }>('SELECT DISTINCT service FROM operations WHERE tenant = ?'),
      operations: db.prepare<[number, string], { name: string; kind: string }>('SELECT name, kind FROM operations WHERE tenant = ? AND service = ?'),
    };
  }

  /** Every stored span of the trace, or undefined when none. */
  readTrace(tenantName: string, traceId: string, archive: boolean): Span[] | undefined {
    return this.conn.use(() => {
      const tenant = this.conn.tenantId(tenantName, false);
      if (tenant === undefined || !/^[0-9a-f]{32}$/.test(traceId)) return undefined;
      const rows = (archive ? this.stmt.archiveBodies : this.stmt.traceBodies).all(Buffer.from(traceId, 'hex'), tenant);
      if (rows.length === 0) return undefined;
      return rows.length === 1 ? decodeChunk(traceId, rows[0].body) : rows.flatMap((r) => decodeChunk(traceId, r.body));
    });
  }

  /**
   * The trace's spans chunk by chunk in parts of at most SPANS_PER_PART, in storage order; nothing
   * when none. One row per chunk, each its own short read: a slow consumer holds one chunk (≤
   * MAX_CHUNK_SPANS spans) and no snapshot that would stop WAL checkpoints.
   */
  *traceParts(tenantName: string, traceId: string, archive: boolean): Generator<Span[]> {
    const tenant = this.conn.use(() => this.conn.tenantId(tenantName, false));
    if (tenant === undefined || !/^[0-9a-f]{32}$/.test(traceId)) return;
    const key = Buffer.from(traceId, 'hex');
    const next = archive ? this.stmt.nextArchiveChunk : this.stmt.nextChunk;
    let after = 0;
    for (;;) {
      const row = this.conn.use(() => next.get(key, tenant, after));
      if (!row) return;
      after = row.id;
      yield* decodeChunkParts(traceId, row.body, SPANS_PER_PART);
    }
  }

  services(tenantName: string): string[] {
    return this.conn.use(() => {
      const tenant = this.conn.tenantId(tenantName, false);
      if (tenant === undefined) return [];
      return this.stmt.services
        .all(tenant)
        .map((r) => r.service)
        .sort(compareStrings);
    });
  }

  operations(tenantName: string, q: OperationQuery): Operation[] {
    return this.conn.use(() => {
      const tenant = this.conn.tenantId(tenantName, false);
      if (tenant === undefined) return [];
      return this.stmt.operations
        .all(tenant, q.serviceName)
        .filter((r) => !q.spanKind || r.kind === q.spanKind)
        .map((r) => ({ name: r.name, spanKind: r.kind }))
        .sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.spanKind, b.spanKind));
    });
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
