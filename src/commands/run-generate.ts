/**
 * The `generate` service function: streams a fault-injecting workload into a store (in batches
 * through SpanWriter.writeSpans) or a trace file (NDJSON: one Jaeger UI trace per line, or one OTLP
 * TracesData per batch), and writes the ground-truth labels beside it.
 */
import type { Span } from '../model/index.js';
import { jaegerJsonFromTrace } from '../formats/jaeger-json.js';
import { otlpFromSpans } from '../formats/otlp.js';
import { treeToOtlpJson } from '../formats/otlp-json.js';
import { openStore } from '../storage/open-store.js';
import type { FaultSpec } from '../workload/faults.js';
import type { LoadShape } from '../workload/load-profile.js';
import { arrivals } from '../workload/load-profile.js';
import type { WorkloadProfile } from '../workload/realism.js';
import { realismForFaults } from '../workload/realism.js';
import type { Topology } from '../workload/topology.js';
import type { WorkloadLabels } from '../workload/workload.js';
import { generateWorkload, LabelCollector } from '../workload/workload.js';
import { openFileOutput } from './shared-options.js';

export type GenerateSink =
  | { kind: 'store'; uri: string }
  /** `path` "-" writes to `writeLine`. */
  | { kind: 'file'; path: string; format: 'jaeger' | 'otlp' };

export interface GenerateOptions {
  topology: Topology;
  seed: number;
  /** µs since epoch. */
  start: number;
  /** µs. */
  duration: number;
  /** Mean traces per second. */
  rate: number;
  load: LoadShape;
  /** Default clean. */
  profile?: WorkloadProfile;
  faults: FaultSpec[];
  sink: GenerateSink;
  /** Where to write the labels JSON; omitted = not written. */
  labelsPath?: string;
  /** Spans per store write / OTLP line (default 5000). */
  batchSpans?: number;
  onProgress?: (traces: number) => void;
}

export interface GenerateDeps {
  env?: NodeJS.ProcessEnv;
  /** Store factory; default openStore. The store is closed when generation ends. */
  openStore?: typeof openStore;
  log?: (line: string) => void;
  /** Receives lines when the sink is the file "-". */
  writeLine?: (line: string) => void;
}

export interface GenerateSummary {
  traces: number;
  spans: number;
  destination: string;
  labels: WorkloadLabels;
}

function workloadOf(opts: GenerateOptions) {
  const realism = opts.profile === 'realistic' ? realismForFaults(opts.topology, opts.seed, opts.faults) : undefined;
  return { topology: opts.topology, seed: opts.seed, start: opts.start, duration: opts.duration, rate: opts.rate, load: opts.load, faults: opts.faults, realism };
}

/** The exact number of traces runGenerate will write: one per arrival of the seeded load process (for a progress bar). */
export function countTraces(opts: GenerateOptions): number {
  const w = workloadOf(opts);
  let n = 0;
  for (const _ of arrivals(w.rate, w.load ?? 'diurnal', w.seed, w.start, w.start + w.duration, w.realism?.surge)) n++;
  return n;
}

export async function runGenerate(opts: GenerateOptions, deps: GenerateDeps = {}): Promise<GenerateSummary> {
  const workload = workloadOf(opts);
  const collector = new LabelCollector(workload);
  const batchSpans = opts.batchSpans ?? 5000;
  const sink = await openSink(opts.sink, deps);
  let batch: Span[] = [];
  let traces = 0;
  try {
    for (const g of generateWorkload(workload)) {
      collector.add(g);
      await sink.trace(g.trace.spans);
      for (const s of g.trace.spans) batch.push(s);
      if (batch.length >= batchSpans) {
        await sink.batch(batch);
        batch = [];
      }
      if (++traces % 100 === 0) opts.onProgress?.(traces);
    }
    if (batch.length > 0) await sink.batch(batch);
    await sink.finish();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  opts.onProgress?.(traces);
  const labels = collector.labels();
  if (opts.labelsPath) {
    const out = await openFileOutput(opts.labelsPath);
    try {
      await out.write(`${JSON.stringify(labels, null, 2)}\n`);
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err;
    }
  }
  return { traces: labels.traces, spans: labels.spans, destination: opts.sink.kind === 'store' ? opts.sink.uri : opts.sink.path, labels };
}

interface Sink {
  /** Every trace, as generated. */
  trace(spans: Span[]): Promise<void>;
  /** Every `batchSpans` spans, and the remainder at the end. */
  batch(spans: Span[]): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

async function openSink(sink: GenerateSink, deps: GenerateDeps): Promise<Sink> {
  if (sink.kind === 'store') {
    const store = await (deps.openStore ?? openStore)(sink.uri, { env: deps.env, log: deps.log });
    return {
      trace: async () => {},
      batch: (spans) => store.writeSpans(spans),
      finish: () => store.close(),
      abort: () => store.close(),
    };
  }
  const toLines = sink.format === 'jaeger';
  const encodeTrace = (spans: Span[]) => JSON.stringify(jaegerJsonFromTrace({ spans }));
  const encodeBatch = (spans: Span[]) => JSON.stringify(treeToOtlpJson(otlpFromSpans(spans)));
  if (sink.path === '-') {
    const write = deps.writeLine ?? (() => {});
    return {
      trace: async (spans) => void (toLines && write(encodeTrace(spans))),
      batch: async (spans) => void (!toLines && write(encodeBatch(spans))),
      finish: async () => {},
      abort: async () => {},
    };
  }
  // Written beside the target and renamed at the end (openFileOutput): a failed or interrupted run
  // never leaves half a file in place of an existing one.
  const out = await openFileOutput(sink.path);
  const write = (line: string) => out.write(`${line}\n`);
  return {
    trace: async (spans) => (toLines ? write(encodeTrace(spans)) : undefined),
    batch: async (spans) => (!toLines ? write(encodeBatch(spans)) : undefined),
    finish: () => out.commit(),
    abort: () => out.abort(),
  };
}
