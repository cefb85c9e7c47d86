import type { DependencySpans } from '../facts/dependency-spans.js';
import { DependencySpansBuffer } from '../facts/dependency-spans.js';
import type { SpanReader } from './types.js';

/**
 * Calls `visit` with the dependency facts of every trace with a span starting in the window (µs,
 * inclusive): the store's own forEachDependencySpans when it has one, else derived from
 * findTraces — the same facts either way. `visit` must not keep its argument (it is reused).
 */
export async function forEachDependencySpans(reader: SpanReader, window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
  if (reader.forEachDependencySpans) return reader.forEachDependencySpans(window, visit);
  const buffer = new DependencySpansBuffer();
  for await (const trace of reader.findTraces(window)) visit(buffer.fromTrace(trace));
}
