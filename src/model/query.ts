import type { TraceId } from './ids.js';
import type { Attribute } from './span.js';

/** Search parameters, Jaeger's TraceQueryParameters. All bounds inclusive; unset means unbounded. */
export interface TraceQuery {
  /** Required by v1 clients; v2 (and offline analysis) may search across services. */
  serviceName?: string;
  operationName?: string;
  /** Every pair must match one span's tag, process tag or log field, compared with AsString. */
  tags?: Record<string, string>;
  /**
   * Jaeger v2's attribute filter (storage v2 TraceQueryParameters.attributes, one value per key):
   * every entry must hold for one span, as Jaeger v2's memory store checks it — special keys
   * `error`, `span.status`, `span.kind`, `scope.name`, `scope.version`, `resource.<key>`, any other
   * key found among the span's, its scope's, its resource's, its events' or its links' attributes,
   * values compared as OpenTelemetry's AsString (storage/trace-matching.ts).
   */
  attributes?: Attribute[];
  /** µs since epoch. */
  startTimeMin?: number;
  startTimeMax?: number;
  /** µs. */
  durationMin?: number;
  durationMax?: number;
  /** Most traces to return, newest first; undefined or 0 = no limit. */
  limit?: number;
}

export interface GetTraceQuery {
  traceId: TraceId;
  /** Optional hints (µs) a store may use to narrow its search; never required for correctness. */
  startTime?: number;
  endTime?: number;
}

export interface OperationQuery {
  serviceName: string;
  /** "" or undefined = every kind. */
  spanKind?: string;
}

export interface Operation {
  name: string;
  /** Lower-case span kind, "" when the spans carry none. */
  spanKind: string;
}

/** A matching trace id with the time range its spans cover (µs), a hint only. */
export interface FoundTraceId {
  traceId: TraceId;
  start: number;
  end: number;
}

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
  source?: string;
}
