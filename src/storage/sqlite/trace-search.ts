/**
 * The FindTraces planner: picks the most selective index key of the query (service,
 * service+operation, or a tag), walks its postings and pending entries newest first, and checks
 * each candidate trace with the exact memstore rule (trace-matching.ts) before yielding it whole.
 * Queries with no usable key walk the chunks by time; for whole traces, a query with only a time
 * window and no limit goes to the window scan. Results stream; nothing holds every match, and
 * matchingTraceIds holds no trace whole either.
 */
import type { Span, TraceQuery } from '../../model/index.js';
import { spanMatchesQuery } from '../trace-matching.js';
import { MAX_TIME, MIN_TIME } from './chunk-spans.js';
import type { SqliteConnection } from './connection.js';
import { queryKeys, serviceBit } from './index-keys.js';
import { ENTRY_FIELDS } from './pending-postings.js';
import type { PostingsIndex } from './postings-index.js';
import type { TraceReads } from './trace-reads.js';
import type { WindowScan } from './window-scan.js';

/** Rows read per page while walking postings or chunks. */
const PAGE_ROWS = 64;

interface Candidate {
  chunk: number;
  /** Earliest span start (µs) of the chunk, the trace's start as far as the chunk knows: "newest" order. */
  key: number;
}

export class TraceSearch {
  private readonly stmt;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly postings: PostingsIndex,
    private readonly reads: TraceReads,
    private readonly windowScan: WindowScan,
  ) {
    const db = conn.db;
    this.stmt = {
      chunkTrace: db.prepare<[number], { trace_id: Buffer }>('SELECT trace_id FROM chunks WHERE id = ?'),
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
    };
  }

  /**
   * Complete matching traces, newest first (by the earliest span start of the chunk that made the
   * trace a candidate, i.e. the trace start unless a trace came in several batches), at most
   * `limit` when set. Lazy: each step runs its own statements, so callers may interleave other
   * calls between items.
   */
  *matchingTraces(tenantName: string, q: TraceQuery): Generator<Span[]> {
    const tenant = this.conn.use(() => this.conn.tenantId(tenantName, false));
    if (tenant === undefined) return;
    const tMin = q.startTimeMin ?? MIN_TIME;
    const tMax = q.startTimeMax ?? MAX_TIME;
    if (tMin > tMax) return;
    if (!(q.limit && q.limit > 0) && isTimeWindowOnly(q)) {
      yield* this.windowScan.tracesInWindow(tenant, tMin, tMax);
      return;
    }
    yield* this.walk(tenant, q, tMin, tMax, (traceId) => {
      const spans = this.conn.use(() => this.reads.readTrace(tenantName, traceId, false));
      return spans && spans.some((s) => spanMatchesQuery(s, q)) ? spans : undefined;
    });
  }

  /**
   * The ids of the traces matchingTraces yields, in its order, each trace checked chunk by chunk
   * (a match stops the check) and never held whole: the caller reads a found trace in its parts.
   */
  *matchingTraceIds(tenantName: string, q: TraceQuery): Generator<string> {
    const tenant = this.conn.use(() => this.conn.tenantId(tenantName, false));
    if (tenant === undefined) return;
    const tMin = q.startTimeMin ?? MIN_TIME;
    const tMax = q.startTimeMax ?? MAX_TIME;
    if (tMin > tMax) return;
    yield* this.walk(tenant, q, tMin, tMax, (traceId) => {
      for (const spans of this.reads.traceParts(tenantName, traceId, false)) if (spans.some((s) => spanMatchesQuery(s, q))) return traceId;
      return undefined;
    });
  }

  /** The candidate traces of the query newest first, each once, passed to `accept`; yields what it accepts, at most `limit`. */
  private *walk<T>(tenant: number, q: TraceQuery, tMin: number, tMax: number, accept: (traceId: string) => T | undefined): Generator<T> {
    const limit = q.limit && q.limit > 0 ? q.limit : Number.POSITIVE_INFINITY;
    const driver = this.conn.use(() => {
      this.postings.refresh();
      return this.mostSelectiveKey(queryKeys(tenant, q), tMin, tMax);
    });
    const serviceMask = q.serviceName ? serviceBit(q.serviceName) : 0x3fffffff;
    const seen = new Set<string>();
    let found = 0;
    const pending: Candidate[] = [];
    if (driver !== undefined) {
      for (const e of this.postings.pending.matching(driver, tMin, tMax, serviceMask)) pending.push({ chunk: e.chunk, key: e.earliestStart });
      pending.sort((a, b) => a.key - b.key || a.chunk - b.chunk);
    }
    let lastMax = MAX_TIME;
    let lastId = Number.MAX_SAFE_INTEGER;
    let exhausted = false;
    while (found < limit) {
      let pageMax = MIN_TIME;
      if (!exhausted) {
        const added = this.conn.use(() => (driver === undefined ? this.chunkPage(tenant, tMin, tMax, lastMax, lastId) : this.postingPage(driver, tMin, tMax, serviceMask, lastMax, lastId)));
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
        const traceId = this.conn.use(() => this.candidateTraceId(candidate.chunk, seen));
        const accepted = traceId === undefined ? undefined : accept(traceId);
        if (accepted !== undefined) {
          found++;
          yield accepted;
        }
      }
    }
  }

  /** The trace of a candidate chunk, unless already seen. */
  private candidateTraceId(chunk: number, seen: Set<string>): string | undefined {
    const row = this.stmt.chunkTrace.get(chunk);
    if (!row) return undefined;
    const traceId = row.trace_id.toString('hex');
    if (seen.has(traceId)) return undefined;
    seen.add(traceId);
    return traceId;
  }

  private mostSelectiveKey(keys: number[], tMin: number, tMax: number): number | undefined {
    let best: number | undefined;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const count = this.postings.count(key, tMin, tMax);
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
}

/** True when the query restricts nothing but the start time window. */
function isTimeWindowOnly(q: TraceQuery): boolean {
  return (
    !q.serviceName &&
    !q.operationName &&
    !q.durationMin &&
    !q.durationMax &&
    (q.tags === undefined || Object.keys(q.tags).length === 0) &&
    (q.attributes === undefined || q.attributes.length === 0)
  );
}
