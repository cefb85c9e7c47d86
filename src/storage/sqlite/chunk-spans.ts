/** How spans become chunks (one trace id, at most MAX_CHUNK_SPANS each) and the time facts of a chunk. */
import type { Span } from '../../model/index.js';
import { validateSpan } from '../../model/index.js';

/** Largest number of spans of one trace stored in one chunk row. */
export const MAX_CHUNK_SPANS = 512;
/** Open ends of a time window (µs). */
export const MIN_TIME = Number.MIN_SAFE_INTEGER;
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

/**
 * Spans grouped by trace id in first-seen order, at most MAX_CHUNK_SPANS per group. A span of the
 * same trace as the one before it (the usual order of a batch) skips the map: comparing two ids
 * costs less than hashing a freshly decoded one.
 */
export function chunksOf(spans: readonly Span[]): Span[][] {
  const byTrace = new Map<string, Span[]>();
  const out: Span[][] = [];
  let lastTrace: string | undefined;
  let last: Span[] = [];
  for (const s of spans) {
    if (s.traceId === lastTrace && last.length < MAX_CHUNK_SPANS) {
      last.push(s);
      continue;
    }
    let group = byTrace.get(s.traceId);
    if (!group || group.length >= MAX_CHUNK_SPANS) {
      group = [];
      byTrace.set(s.traceId, group);
      out.push(group);
    }
    group.push(s);
    lastTrace = s.traceId;
    last = group;
  }
  return out;
}

/** Validates the spans of one chunk (one trace id: checked once). */
export function validateChunk(spans: readonly Span[]): void {
  validateSpan(spans[0]);
  for (let i = 1; i < spans.length; i++) validateSpan(spans[i], spans[0].traceId);
}

/** Earliest and latest span start (µs). */
export function startRange(spans: readonly Span[]): { startMin: number; startMax: number } {
  let startMin = MAX_TIME;
  let startMax = MIN_TIME;
  for (const span of spans) {
    if (span.startTime < startMin) startMin = span.startTime;
    if (span.startTime > startMax) startMax = span.startTime;
  }
  return { startMin, startMax };
}

/** True when a span starts in [tMin, tMax]. */
export function anyStartIn(spans: readonly Span[], tMin: number, tMax: number): boolean {
  for (const s of spans) if (s.startTime >= tMin && s.startTime <= tMax) return true;
  return false;
}
