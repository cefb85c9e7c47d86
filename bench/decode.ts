/**
 * Benchmark (not a test): the write decoders alone, on this thread — wire bytes → domain Spans.
 *
 * Requests as bench:serve sends them (10-span traces over 8 services, 100 spans per request),
 * encoded once up front; each decoder runs over all of them for ROUNDS rounds after a warm-up,
 * and the median round's CPU µs per span is printed (process.cpuUsage, user + system):
 *   - OTLP ExportTraceServiceRequest → Span[]: the one-pass decoder serve uses
 *     (plugin/otlp-wire-decoder.ts, with one WireStrings across requests as serve's write worker
 *     keeps), and @grpc/proto-loader's decoding + formats/otlp.ts
 *     spansFromOtlp, the reference it is tested against;
 *   - v1 WriteSpanRequest (one span each) → Span: plugin/wire-decoder.ts, and proto-loader +
 *     protoToSpan;
 *   - validateSpan over the decoded OTLP spans, per trace as the SQLite store checks a chunk.
 *
 *   npm run bench:decode [-- SPANS=100000 [ROUNDS=7]]
 */
import os from 'node:os';
import type { OtlpResourceSpans } from '../src/formats/otlp.js';
import { otlpFromSpans, spansFromOtlp } from '../src/formats/otlp.js';
import { protoToSpan, spanToProto } from '../src/formats/proto-mapping.js';
import type { Span } from '../src/model/index.js';
import { validateSpan } from '../src/model/index.js';
import { spansFromExportRequest } from '../src/plugin/otlp-wire-decoder.js';
import { decodeWriteSpanRequestSpan } from '../src/plugin/wire-decoder.js';
import { WireStrings } from '../src/plugin/wire-reader.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { benchSpans, loadAverage } from './byte-client.js';

const BATCH = 100;

function main(): void {
  const spanCount = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 7);
  const exportCall = serviceDefinition('traceService').Export;
  const writeSpan = serviceDefinition('spanWriter').WriteSpan;
  const spans = benchSpans(spanCount);
  const otlp: Buffer[] = [];
  const v1: Buffer[] = [];
  for (let i = 0; i < spans.length; i += BATCH) otlp.push(exportCall.requestSerialize({ resourceSpans: otlpFromSpans(spans.slice(i, i + BATCH)) }));
  for (const s of spans) v1.push(writeSpan.requestSerialize({ span: spanToProto(s) }));
  const bytes = (list: Buffer[]) => list.reduce((n, b) => n + b.length, 0);
  console.log(`jaeger-sls bench:decode — ${spanCount.toLocaleString('en-US')} spans (${BATCH}-span OTLP requests: ${(bytes(otlp) / spanCount).toFixed(0)} B/span; v1: ${(bytes(v1) / spanCount).toFixed(0)} B/span), median of ${rounds} rounds`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()}`);

  const strings = new WireStrings();
  // Decoded at the validation case's warm-up only: 100,000 spans held while the decoders run would
  // make their garbage collection, and so their figures, costlier.
  let otlpSpans: Span[][] | undefined;
  const cases: [string, () => number][] = [
    ['OTLP Export → Span[]  one-pass wire decoder', () => count(otlp, (b) => spansFromExportRequest(b, 'Export', strings))],
    ['OTLP Export → Span[]  proto-loader + spansFromOtlp', () => count(otlp, (b) => spansFromOtlp((exportCall.requestDeserialize(b) as { resourceSpans: OtlpResourceSpans[] }).resourceSpans, 'Export'))],
    ['v1 WriteSpanRequest → Span  wire decoder', () => count(v1, (b) => [decodeWriteSpanRequestSpan(b, strings)!])],
    ['v1 WriteSpanRequest → Span  proto-loader + protoToSpan', () => count(v1, (b) => [protoToSpan((writeSpan.requestDeserialize(b) as { span: Parameters<typeof protoToSpan>[0] }).span)])],
    ['validateSpan of the decoded OTLP spans (per trace)', () => validateAll((otlpSpans ??= otlp.map((b) => spansFromExportRequest(b, 'Export', strings))))],
  ];
  for (const [label, run] of cases) {
    run(); // warm-up: lets the JIT compile the decoder
    const perSpan: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = process.cpuUsage();
      const n = run();
      const used = process.cpuUsage(before);
      perSpan.push((used.user + used.system) / n);
    }
    perSpan.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(56)} ${perSpan[Math.floor(rounds / 2)].toFixed(2).padStart(6)} µs/span CPU`);
  }
  console.log(`load average after ${loadAverage()}`);
}

/** Validates each request's spans, a trace's id once (as the SQLite store validates a chunk); the number of spans. */
function validateAll(requests: readonly Span[][]): number {
  let n = 0;
  for (const spans of requests) {
    let trace: string | undefined;
    for (const span of spans) {
      validateSpan(span, trace);
      trace = span.traceId;
      n++;
    }
  }
  return n;
}

/** Decodes every request; the number of spans. */
function count(requests: readonly Buffer[], decode: (bytes: Buffer) => Span[]): number {
  let n = 0;
  for (const b of requests) n += decode(b).length;
  return n;
}

main();
