import type { DependencySpans } from '../analysis/dependency-spans.js';
import { DependencySpansBuffer } from '../analysis/dependency-spans.js';
import type { SpanReader } from './types.js';

/**
 * The dependency facts of every trace with a span starting in the window (µs, inclusive): from the
 * store's own findDependencySpans when it has one, else derived from findTraces — the same facts
 * either way. Each yielded object is valid until the next step.
 */
export async function* dependencySpansOf(reader: SpanReader, window: { startTimeMin: number; startTimeMax: number }): AsyncIterable<DependencySpans> {
  if (reader.findDependencySpans) {
    yield* reader.findDependencySpans(window);
    return;
  }
  const buffer = new DependencySpansBuffer();
  for await (const trace of reader.findTraces(window)) yield buffer.fromTrace(trace);
}
