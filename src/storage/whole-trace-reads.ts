import type { GetTraceQuery, Span, Trace, TraceQuery } from '../model/index.js';
import { TraceNotFoundError } from '../model/index.js';
import type { DependencySpans } from '../facts/dependency-spans.js';
import { DependencySpansBuffer } from '../facts/dependency-spans.js';
import type { FoundTraceParts } from './types.js';

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
 * A store view that keeps nothing finer than whole traces: its getTraceParts, findTraceParts and
 * forEachDependencySpans, from its getTrace and findTraces. Each found trace is the one findTraces
 * yields, as one part: read once, one trace held at a time.
 */
export abstract class WholeTraceReads {
  abstract getTrace(query: GetTraceQuery): Promise<Trace>;
  abstract findTraces(query: TraceQuery): AsyncIterable<Trace>;

  getTraceParts(query: GetTraceQuery): AsyncIterable<Span[]> {
    return wholeTraceParts(this, query);
  }

  async *findTraceParts(query: TraceQuery): AsyncIterable<FoundTraceParts> {
    for await (const trace of this.findTraces(query)) if (trace.spans.length > 0) yield { traceId: trace.spans[0].traceId, parts: [trace.spans] };
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
