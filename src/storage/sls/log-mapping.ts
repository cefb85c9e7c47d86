/**
 * Span ⇄ SLS log row, in the SLS Trace schema of `<instance>-traces` (sls.md §2.4 last column, §3).
 * Two forms share the schema:
 * - spans received as OTLP (`span.otel` set) are written in the OpenTelemetry SLS exporter's form,
 *   extended so nothing is lost (otlp-row.ts); rows without a `flags` column — ours and the
 *   exporter's — are read that way;
 * - spans received in the Jaeger model are written, and rows with a `flags` column (ours and
 *   aliyun-log-jaeger's) read, in the Jaeger form (jaeger-row.ts).
 * A span written and read back is equal to the span written. Pure: no I/O, no clock (the write
 * time is passed in).
 */
import type { Span } from '../../model/index.js';
import type { SlsLog } from './log-group.js';
import { jaegerSpanColumns, rowToJaegerSpan } from './jaeger-row.js';
import { otlpSpanColumns, rowToOtlpSpan } from './otlp-row.js';
import type { SlsRow } from './row-fields.js';

export type { SlsRow } from './row-fields.js';
export { integerText, timeUnitDivisor, toMicros } from './row-fields.js';

/** SLS accepts log times in [now − 7 days, now + 15 min]; we keep inside with a margin. */
export const MAX_PAST_SECONDS = 7 * 86_400 - 3_600;
export const MAX_FUTURE_SECONDS = 600;

/** `__time__` (start second, clamped to what SLS accepts at `nowSeconds`) and, unclamped, its ns part. */
export function slsLogTime(span: Span, nowSeconds: number): { time: number; timeNs?: number } {
  const startSec = Math.floor(span.startTime / 1_000_000);
  const lo = nowSeconds - MAX_PAST_SECONDS;
  const hi = nowSeconds + MAX_FUTURE_SECONDS;
  const time = startSec < lo ? lo : startSec > hi ? hi : startSec;
  return time === startSec ? { time, timeNs: (span.startTime - startSec * 1_000_000) * 1000 + (span.otel?.startNanos ?? 0) } : { time };
}

/** The SLS log for one span. */
export function spanToSlsLog(span: Span, nowSeconds: number): SlsLog {
  return { ...slsLogTime(span, nowSeconds), contents: spanToContents(span) };
}

export function spanToContents(span: Span): [string, string][] {
  const flat = spanColumns(span);
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}

/** The span's columns as a flat [key0, value0, key1, value1, …] list (the write path's form). */
export function spanColumns(span: Span): string[] {
  return span.otel ? otlpSpanColumns(span, span.otel) : jaegerSpanColumns(span);
}

/** A span from one GetLogs row (string values). Never throws on foreign or damaged rows. */
export function rowToSpan(row: SlsRow): Span {
  return row.flags !== undefined ? rowToJaegerSpan(row) : rowToOtlpSpan(row);
}
