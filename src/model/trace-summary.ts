import type { Span } from './span.js';
import { otelOf, SERVICE_NAME_ATTRIBUTE, spanNanos } from './otel.js';

/** One service's share of a trace. */
export interface ServiceSpanCounts {
  name: string;
  spanCount: number;
  errorSpanCount: number;
}

/**
 * A trace reduced to what a search result list shows: Jaeger v2's TraceSummary, computed by the
 * rules of Jaeger's query service (cmd/jaeger/internal/extension/jaegerquery/querysvc/summary.go,
 * summarizeTrace): the service is the resource's string `service.name` ("" without one); an error
 * span has status ERROR; the root is the earliest-starting span without a parent span id; an orphan
 * has a parent span id found in no span of the trace; services sorted by name.
 */
export interface TraceSearchSummary {
  traceId: string;
  rootServiceName: string;
  rootOperationName: string;
  /** ns since the epoch. */
  minStartTimeUnixNano: bigint;
  maxEndTimeUnixNano: bigint;
  spanCount: number;
  errorSpanCount: number;
  orphanSpanCount: number;
  services: ServiceSpanCounts[];
}

/** The summary of one trace's spans (at least one). */
export function summarizeTrace(spans: readonly Span[]): TraceSearchSummary {
  const spanIds = new Set(spans.map((s) => s.spanId));
  const services = new Map<string, ServiceSpanCounts>();
  const summary: TraceSearchSummary = {
    traceId: spans[0].traceId,
    rootServiceName: '',
    rootOperationName: '',
    minStartTimeUnixNano: 0n,
    maxEndTimeUnixNano: 0n,
    spanCount: 0,
    errorSpanCount: 0,
    orphanSpanCount: 0,
    services: [],
  };
  let rootStart: bigint | undefined;
  for (const span of spans) {
    const otel = otelOf(span);
    const serviceAttribute = otel.resource.attributes.find((a) => a.key === SERVICE_NAME_ATTRIBUTE);
    const service = serviceAttribute?.type === 'string' ? serviceAttribute.value : '';
    let counts = services.get(service);
    if (!counts) services.set(service, (counts = { name: service, spanCount: 0, errorSpanCount: 0 }));
    counts.spanCount++;
    summary.spanCount++;
    if (otel.statusCode === 2) {
      counts.errorSpanCount++;
      summary.errorSpanCount++;
    }
    const { start, end } = spanNanos(span, otel);
    if (summary.spanCount === 1 || start < summary.minStartTimeUnixNano) summary.minStartTimeUnixNano = start;
    if (end > summary.maxEndTimeUnixNano) summary.maxEndTimeUnixNano = end;
    if (!otel.parentSpanId) {
      if (rootStart === undefined || start < rootStart) {
        summary.rootServiceName = service;
        summary.rootOperationName = span.operationName;
        rootStart = start;
      }
    } else if (!spanIds.has(otel.parentSpanId)) {
      summary.orphanSpanCount++;
    }
  }
  summary.services = [...services.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return summary;
}
