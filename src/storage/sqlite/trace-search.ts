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

/**
 * A search's candidate chunks, newest first: a binary max-heap over (earliest span start of the
 * chunk, chunk id) — the trace's start as far as the chunk knows, ties by id — in two parallel
 * arrays. A page adds its candidates in O(1) each and a search takes only the few newest (its
 * limit), so nothing is sorted whole and no object is made per candidate.
 */
class Candidates {
  private starts: number[] = [];
  private chunks: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  /** Earliest start of the newest candidate; the heap must not be empty. */
  get newestStart(): number {
    return this.starts[0];
  }

  readonly add = (chunk: number, earliestStart: number): void => {
    const starts = this.starts;
    const chunks = this.chunks;
    let at = starts.length;
    starts.push(earliestStart);
    chunks.push(chunk);
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (!after(earliestStart, chunk, starts[up], chunks[up])) break;
      starts[at] = starts[up];
      chunks[at] = chunks[up];
      at = up;
    }
    starts[at] = earliestStart;
    chunks[at] = chunk;
  };

  /** Removes the newest candidate and returns its chunk id; the heap must not be empty. */
  takeNewest(): number {
    const starts = this.starts;
    const chunks = this.chunks;
    const newest = chunks[0];
    const start = starts.pop()!;
    const chunk = chunks.pop()!;
    const n = starts.length;
    if (n === 0) return newest;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && after(starts[child + 1], chunks[child + 1], starts[child], chunks[child])) child++;
      if (!after(starts[child], chunks[child], start, chunk)) break;
      starts[at] = starts[child];
      chunks[at] = chunks[child];
      at = child;
    }
    starts[at] = start;
    chunks[at] = chunk;
    return newest;
  }
}

/** Whether candidate (startA, chunkA) comes before (startB, chunkB) newest first. */
function after(startA: number, chunkA: number, startB: number, chunkB: number): boolean {
  return startA > startB || (startA === startB && chunkA > chunkB);
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
    const candidates = new Candidates();
    if (driver !== undefined) this.postings.pending.addMatching(driver, tMin, tMax, serviceMask, candidates);
    let lastMax = MAX_TIME;
    let lastId = Number.MAX_SAFE_INTEGER;
    let exhausted = false;
    while (found < limit) {
      let pageMax = MIN_TIME;
      if (!exhausted) {
        const page = this.conn.use(() =>
          driver === undefined ? this.chunkPage(tenant, tMin, tMax, lastMax, lastId, candidates) : this.postingPage(driver, tMin, tMax, serviceMask, lastMax, lastId, candidates),
        );
        if (page.rows === 0) exhausted = true;
        else {
          lastMax = page.lastMax;
          lastId = page.lastId;
          pageMax = page.lastMax;
        }
      }
      if (exhausted && candidates.size === 0) return;
      // Rows still unread have start_max ≤ pageMax, so candidates above it are next in order.
      while (candidates.size > 0 && found < limit && (exhausted || candidates.newestStart > pageMax)) {
        const traceId = this.conn.use(() => this.candidateTraceId(candidates.takeNewest(), seen));
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

  /** Adds the candidates of the next page of the key's postings rows; returns the row count and where the page ended. */
  private postingPage(key: number, tMin: number, tMax: number, serviceMask: number, lastMax: number, lastId: number, into: Candidates) {
    const rows = this.stmt.postingPage.all(key, tMin, tMax, lastMax, lastMax, lastId, PAGE_ROWS);
    for (const r of rows) {
      const e = r.entries;
      for (let off = 0; off < e.length; off += ENTRY_FIELDS * 8) {
        const min = e.readDoubleLE(off + 8);
        const max = e.readDoubleLE(off + 16);
        if (max >= tMin && min <= tMax && (e.readDoubleLE(off + 24) & serviceMask) !== 0) into.add(e.readDoubleLE(off), min);
      }
    }
    const last = rows[rows.length - 1];
    return { rows: rows.length, lastMax: last?.start_max ?? lastMax, lastId: last?.id ?? lastId };
  }

  /** Adds the next page of the tenant's chunks in the window as candidates; returns as postingPage. */
  private chunkPage(tenant: number, tMin: number, tMax: number, lastMax: number, lastId: number, into: Candidates) {
    const rows = this.stmt.chunkPage.all(tenant, tMin, tMax, lastMax, lastMax, lastId, PAGE_ROWS);
    for (const r of rows) into.add(r.id, r.start_min);
    const last = rows[rows.length - 1];
    return { rows: rows.length, lastMax: last?.start_max ?? lastMax, lastId: last?.id ?? lastId };
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
