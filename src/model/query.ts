import type { TraceId } from './ids.js';

/** Search parameters, Jaeger's TraceQueryParameters. All bounds inclusive; unset means unbounded. */
export interface TraceQuery {
  /** Required by v1 clients; v2 (and offline analysis) may search across services. */
  serviceName?: string;
  operationName?: string;
  /** Every pair must match one span's tag, process tag or log field, compared with AsString. */
  tags?: Record<string, string>;
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
