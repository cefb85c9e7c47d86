import type { GetTraceQuery, Span, Trace, TraceQuery } from '../model/index.js';
import { TraceNotFoundError } from '../model/index.js';
import type { DependencySpans } from '../facts/dependency-spans.js';
import { DependencySpansBuffer } from '../facts/dependency-spans.js';

/**
 * The streamed reads of the store contract (storage/types.ts) for a backend that keeps no smaller
 * unit than a whole trace and no dependency facts beside its spans: each is derived from getTrace or
 * findTraces, here once for every such backend. A backend with a better way (SQLite) has its own.
 */

/** getTraceParts: the whole trace as one part; nothing when no span has this id. */
export async function* wholeTraceParts(reader: { getTrace(query: GetTraceQuery): Promise<Trace> }, query: GetTraceQuery): AsyncGenerator<Span[]> {
  let trace: Trace;
  try {
    trace = await reader.getTrace(query);
  } catch (err) {
    if (err instanceof TraceNotFoundError) return;
    throw err;
  }
  yield trace.spans;
}

/**
 * A store view that keeps nothing finer than whole traces: its getTraceParts, findTraceIdsLazily and
 * forEachDependencySpans, from its getTrace and findTraces. The lazy search yields the ids of the
 * traces findTraces yields, in its order, one trace held at a time; the trace whose id was just
 * yielded is handed to the next getTraceParts of that id, so a caller streaming found traces (ids,
 * then each trace's parts) reads every trace once, as findTraces gave it. Any other read, or one
 * that comes after the search moved on, reads the trace by getTrace: the same spans, as one part.
 */
export abstract class WholeTraceReads {
  /** The trace findTraceIdsLazily last yielded, until getTraceParts takes it or the search moves on. */
  private handed: Trace | undefined;

  abstract getTrace(query: GetTraceQuery): Promise<Trace>;
  abstract findTraces(query: TraceQuery): AsyncIterable<Trace>;

  async *findTraceIdsLazily(query: TraceQuery): AsyncIterable<string> {
    for await (const trace of this.findTraces(query)) {
      if (trace.spans.length === 0) continue;
      this.handed = trace;
      try {
        yield trace.spans[0].traceId;
      } finally {
        if (this.handed === trace) this.handed = undefined;
      }
    }
  }

  async *getTraceParts(query: GetTraceQuery): AsyncIterable<Span[]> {
    const handed = this.handed;
    if (handed && handed.spans[0].traceId === query.traceId) {
      this.handed = undefined;
      yield handed.spans;
      return;
    }
    yield* wholeTraceParts(this, query);
  }

  forEachDependencySpans(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
    return foundTraceDependencySpans(this, window, visit);
  }
}

/** forEachDependencySpans: the dependency facts of each trace findTraces yields for the window. */
async function foundTraceDependencySpans(
  reader: { findTraces(query: TraceQuery): AsyncIterable<Trace> },
  window: { startTimeMin: number; startTimeMax: number },
  visit: (spans: DependencySpans) => void,
): Promise<void> {
  const buffer = new DependencySpansBuffer();
  for await (const trace of reader.findTraces(window)) visit(buffer.fromTrace(trace));
}
