/**
 * The dependency scan: the dependency facts of every trace of a time window, read from the batch
 * summaries (dependency-summary.ts) in time order, so single-chunk traces cost no span decoding.
 */
import type { DependencySpans, DependencySpansBuffer } from '../../facts/dependency-spans.js';
import type { Span } from '../../model/index.js';
import { anyStartIn, MIN_TIME } from './chunk-spans.js';
import type { SqliteConnection } from './connection.js';
import { DependencySummaryReader } from './dependency-summary.js';
import { decodeChunk } from './span-codec.js';
import type { OpenTrace, WindowScan } from './window-scan.js';

/** Batch summaries read per page by the dependency scan. */
const SUMMARY_PAGE_ROWS = 16;

export class DependencyScan {
  private readonly stmt;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly windowScan: WindowScan,
  ) {
    const db = conn.db;
    this.stmt = {
      summaryPage: db.prepare<[number, number, number, number, number, number], { first_chunk: number; last_chunk: number; start_max: number; summary: Buffer }>(
        `SELECT first_chunk, last_chunk, start_max, summary FROM dependency_summaries
         WHERE tenant = ? AND start_max >= ? AND start_min <= ? AND (start_max > ? OR first_chunk > ?)
         ORDER BY start_max, first_chunk LIMIT ?`,
      ),
      firstSummarized: db.prepare<[], number | null>('SELECT min(first_chunk) FROM dependency_summaries').pluck(),
      sharedChunks: db.prepare<[number, number], number>('SELECT id FROM chunks INDEXED BY chunks_shared WHERE shared = 1 AND id >= ? AND id <= ?').pluck(),
    };
  }

  /**
   * The dependency facts of every trace WindowScan.tracesInWindow yields, each once: single-chunk
   * traces from the batch summaries in time order (no span decoded), shared traces decoded whole at
   * the same chunk tracesInWindow reads them at, and chunks written before schema v4 (ids below the
   * first summarized chunk) by tracesInWindow itself. Summaries written under other facts rules
   * (dependency-summary.ts `rulesCurrent`) are treated as shared: decoded whole, never read stale. Calls `visit` with `into`, refilled at each step.
   */
  dependencySpansInWindow(tenantName: string, tMin: number, tMax: number, into: DependencySpansBuffer, visit: (spans: DependencySpans) => void): void {
    const tenant = this.conn.use(() => this.conn.tenantId(tenantName, false));
    if (tenant === undefined || tMin > tMax) return;
    const firstSummarized = this.conn.use(() => this.stmt.firstSummarized.get()) ?? Number.MAX_SAFE_INTEGER;
    let lastMax = MIN_TIME;
    let lastId = 0;
    const open = new Map<string, OpenTrace>();
    for (;;) {
      const rows = this.conn.use(() => this.stmt.summaryPage.all(tenant, Math.max(tMin, lastMax), tMax, lastMax, lastId, SUMMARY_PAGE_ROWS));
      for (const row of rows) {
        const shared = this.conn.use(() => this.stmt.sharedChunks.all(row.first_chunk, row.last_chunk));
        const summary = new DependencySummaryReader(row.summary, row.first_chunk);
        while (summary.next()) {
          if (summary.startMax < tMin || summary.startMin > tMax) continue;
          if (!summary.rulesCurrent || (shared.length > 0 && shared.includes(summary.chunkId))) {
            const traceKey = Buffer.from(summary.traceKey());
            const spans = this.conn.use(() => this.sharedTraceOnce(tenant, traceKey, tMin, tMax, firstSummarized, open));
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
    if (firstSummarized > 1) for (const spans of this.windowScan.tracesInWindow(tenant, tMin, tMax, firstSummarized)) visit(into.fromTrace({ spans }));
  }

  /**
   * The whole trace at the first of its chunks the summary scan meets, when a span starts in the
   * window; undefined at the others, and when its lowest-id chunk in the window is below
   * `firstSummarized` (the pre-v4 pass yields it). One query per trace.
   */
  private sharedTraceOnce(tenant: number, traceKey: Buffer, tMin: number, tMax: number, firstSummarized: number, open: Map<string, OpenTrace>): Span[] | undefined {
    const traceId = traceKey.toString('hex');
    const known = open.get(traceId);
    if (known) {
      if (--known.left <= 0) open.delete(traceId);
      return undefined;
    }
    const rows = this.windowScan.traceChunks(tenant, traceKey);
    const inWindow = rows.filter((c) => c.start_max >= tMin && c.start_min <= tMax);
    if (inWindow.length > 1) open.set(traceId, { first: inWindow[0].id, left: inWindow.length - 1 });
    if (inWindow.length === 0 || inWindow[0].id < firstSummarized) return undefined;
    const spans = rows.flatMap((c) => decodeChunk(traceId, c.body));
    return anyStartIn(spans, tMin, tMax) ? spans : undefined;
  }
}

function anyIn(starts: Float64Array, n: number, tMin: number, tMax: number): boolean {
  for (let i = 0; i < n; i++) if (starts[i] >= tMin && starts[i] <= tMax) return true;
  return false;
}
