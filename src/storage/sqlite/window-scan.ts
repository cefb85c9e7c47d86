/**
 * The time-window scan: every trace with a span starting in a window, each once and whole, in
 * storage order (chunks by latest span start), without sorting or remembering trace ids. Serves a
 * query with only a time window and no limit (deps, anomalies, dependency links), which needs no order.
 */
import type { Span } from '../../model/index.js';
import { anyStartIn, MIN_TIME } from './chunk-spans.js';
import type { SqliteConnection } from './connection.js';
import { decodeChunk } from './span-codec.js';

/** Chunk rows (bodies included) read per page by the time-window scan. */
const WINDOW_PAGE_ROWS = 256;

/** A trace in several chunks met by a window scan: its first chunk in the window, and how many of its chunks the scan has yet to meet. */
export interface OpenTrace {
  first: number | undefined;
  left: number;
}

export class WindowScan {
  private readonly stmt;

  constructor(private readonly conn: SqliteConnection) {
    const db = conn.db;
    this.stmt = {
      traceChunkRanges: db.prepare<[Buffer, number], { id: number; start_min: number; start_max: number }>(
        'SELECT id, start_min, start_max FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id',
      ),
      traceChunks: db.prepare<[Buffer, number], { id: number; start_min: number; start_max: number; body: string }>(
        'SELECT id, start_min, start_max, body FROM chunks WHERE trace_id = ? AND tenant = ? ORDER BY id',
      ),
      windowPage: db.prepare<[number, number, number, number, number, number, number], { id: number; trace_id: Buffer; start_min: number; start_max: number; shared: number; body: string }>(
        `SELECT id, trace_id, start_min, start_max, shared, body FROM chunks
         WHERE tenant = ? AND start_max >= ? AND start_min <= ? AND (start_max > ? OR id > ?) AND id < ?
         ORDER BY start_max, id LIMIT ?`,
      ),
    };
  }

  /**
   * Every trace with a span starting in [tMin, tMax], in storage order (by the latest span start
   * of the chunk that leads to it), each once and whole; only traces led to by chunks below `idBelow`. A single-chunk trace comes straight from
   * the page; a trace in several chunks is read whole at the first (lowest id) of its chunks the
   * scan visits, and skipped at the others, so no set of seen ids is kept.
   */
  *tracesInWindow(tenant: number, tMin: number, tMax: number, idBelow = Number.MAX_SAFE_INTEGER): Generator<Span[]> {
    let lastMax = MIN_TIME;
    let lastId = 0;
    const open = new Map<string, OpenTrace>();
    for (;;) {
      const rows = this.conn.use(() => this.stmt.windowPage.all(tenant, Math.max(tMin, lastMax), tMax, lastMax, lastId, idBelow, WINDOW_PAGE_ROWS));
      for (const r of rows) {
        const traceId = r.trace_id.toString('hex');
        if (r.shared === 0) {
          const spans = decodeChunk(traceId, r.body);
          if ((r.start_min >= tMin && r.start_max <= tMax) || anyStartIn(spans, tMin, tMax)) yield spans;
        } else {
          const spans = this.conn.use(() => this.sharedTraceAt(tenant, r.trace_id, traceId, r.id, tMin, tMax, open));
          if (spans) yield spans;
        }
      }
      if (rows.length < WINDOW_PAGE_ROWS) return;
      lastMax = rows[rows.length - 1].start_max;
      lastId = rows[rows.length - 1].id;
    }
  }

  /** Every chunk of the trace with its start range and body, in id order. */
  traceChunks(tenant: number, traceKey: Buffer): { id: number; start_min: number; start_max: number; body: string }[] {
    return this.stmt.traceChunks.all(traceKey, tenant);
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
}
