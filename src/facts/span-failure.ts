/**
 * Span failure — whether a span's tags say it failed; the one rule the dependency graph, its
 * summaries and the anomaly analysis share. A span fails with `error=true`, OTel status ERROR
 * (`otel.status_code`, any case), HTTP status ≥ 500 (`http.status_code`,
 * `http.response.status_code`) or a non-zero gRPC status (`rpc.grpc.status_code`,
 * `grpc.status_code`).
 *
 * Reference: OpenTelemetry semantic conventions for HTTP and gRPC span status; Jaeger's and Tempo's
 * error signals (reference/analytics.md, "Error signals").
 */
import type { KeyValue } from '../model/index.js';

/** The tag keys `tagMarksFailure` reads; any other tag never marks a failure. */
export const FAILURE_TAG_KEYS: ReadonlySet<string> = new Set([
  'error',
  'otel.status_code',
  'http.status_code',
  'http.response.status_code',
  'rpc.grpc.status_code',
  'grpc.status_code',
]);

/** True when this one tag marks its span failed. */
export function tagMarksFailure(t: KeyValue): boolean {
  switch (t.key) {
    case 'error':
      return t.type === 'bool' ? t.value : t.type === 'string' && t.value.toLowerCase() === 'true';
    case 'otel.status_code':
      return t.type === 'string' && t.value.toUpperCase() === 'ERROR';
    case 'http.status_code':
    case 'http.response.status_code':
      return numericValue(t) >= 500;
    case 'rpc.grpc.status_code':
    case 'grpc.status_code': {
      const code = numericValue(t);
      return Number.isFinite(code) && code !== 0;
    }
    default:
      return false;
  }
}

/** A tag's value as a number: int64, float64 or numeric text; NaN or 0 otherwise. */
function numericValue(t: KeyValue): number {
  return t.type === 'int64' ? Number(t.value) : t.type === 'float64' ? t.value : t.type === 'string' ? Number(t.value) : 0;
}
