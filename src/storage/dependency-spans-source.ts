import type { DependencySpans } from '../facts/dependency-spans.js';
import type { SpanReader } from './types.js';

/**
 * Calls `visit` with the dependency facts of every trace with a span starting in the window (µs,
 * inclusive), as the reader keeps or derives them (SpanReader.forEachDependencySpans). `visit`
 * must not keep its argument (it is reused).
 */
export function forEachDependencySpans(reader: SpanReader, window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
  return reader.forEachDependencySpans(window, visit);
}
