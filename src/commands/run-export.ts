/**
 * The export service: traces from a SpanReader → Jaeger UI JSON (`{"data":[Trace…]}`, what the UI's
 * "Download Results" saves and its upload reads) or OTLP/JSON TracesData (`{"resourceSpans":[…]}`).
 * Streams: one trace at a time is held, and each written as one line of the document.
 */
import type { Trace, TraceId, TraceQuery } from '../model/index.js';
import { TraceNotFoundError } from '../model/index.js';
import { jaegerJsonFromTrace } from '../formats/jaeger-json.js';
import { otlpFromSpans } from '../formats/otlp.js';
import { treeToOtlpJson } from '../formats/otlp-json.js';
import type { SpanReader } from '../storage/types.js';

export type ExportFormat = 'jaeger' | 'otlp';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jaeger', 'otlp'];

export interface ExportOptions {
  /** Exactly these traces (all must exist); otherwise `query`. */
  traceIds?: readonly TraceId[];
  query?: TraceQuery;
  format: ExportFormat;
  /** Receives the document in chunks, each ending with a newline. */
  write(chunk: string): void | Promise<void>;
}

export interface ExportSummary {
  traces: number;
  spans: number;
}

export async function exportTraces(reader: SpanReader, options: ExportOptions): Promise<ExportSummary> {
  const traces = options.traceIds ? await fetchTraces(reader, options.traceIds) : reader.findTraces(options.query ?? {});
  const summary: ExportSummary = { traces: 0, spans: 0 };
  const otlp = options.format === 'otlp';
  await options.write(otlp ? '{"resourceSpans":[\n' : '{"data":[\n');
  let first = true;
  for await (const trace of traces) {
    summary.traces++;
    summary.spans += trace.spans.length;
    const items = otlp ? treeToOtlpJson(otlpFromSpans(trace.spans)).resourceSpans : [jaegerJsonFromTrace(trace)];
    for (const item of items) {
      await options.write(`${first ? '' : ','}${JSON.stringify(item)}\n`);
      first = false;
    }
  }
  await options.write(otlp ? ']}\n' : `],"total":${summary.traces},"limit":0,"offset":0,"errors":null}\n`);
  return summary;
}

/** Every requested trace, or TraceNotFoundError naming the first missing id (before anything is written). */
async function fetchTraces(reader: SpanReader, ids: readonly TraceId[]): Promise<Trace[]> {
  const out: Trace[] = [];
  for (const traceId of new Set(ids)) {
    try {
      out.push(await reader.getTrace({ traceId }));
    } catch (err) {
      if (err instanceof TraceNotFoundError) {
        const notFound = new TraceNotFoundError(traceId);
        notFound.message = `trace ${traceId} not found`;
        throw notFound;
      }
      throw err;
    }
  }
  return out;
}
