/**
 * The `generate` service function: streams a fault-injecting workload into a store (in batches
 * through SpanWriter.writeSpans) or a trace file (NDJSON: one Jaeger UI trace per line, or one OTLP
 * TracesData per batch), and writes the ground-truth labels beside it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { Span } from '../model/index.js';
import { StorageUnavailableError } from '../model/index.js';
import { jaegerJsonFromTrace } from '../formats/jaeger-json.js';
import { otlpFromSpans } from '../formats/otlp.js';
import { treeToOtlpJson } from '../formats/otlp-json.js';
import { openStore } from '../storage/open-store.js';
import type { FaultSpec } from '../workload/faults.js';
import type { LoadShape } from '../workload/load-profile.js';
import type { WorkloadProfile } from '../workload/realism.js';
import { realismForFaults } from '../workload/realism.js';
import type { Topology } from '../workload/topology.js';
import type { WorkloadLabels } from '../workload/workload.js';
import { generateWorkload, LabelCollector } from '../workload/workload.js';

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

export async function runGenerate(opts: GenerateOptions, deps: GenerateDeps = {}): Promise<GenerateSummary> {
  const realism = opts.profile === 'realistic' ? realismForFaults(opts.topology, opts.seed, opts.faults) : undefined;
  const workload = { topology: opts.topology, seed: opts.seed, start: opts.start, duration: opts.duration, rate: opts.rate, load: opts.load, faults: opts.faults, realism };
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
    await mkdir(path.dirname(path.resolve(opts.labelsPath)), { recursive: true });
    await writeFile(opts.labelsPath, `${JSON.stringify(labels, null, 2)}\n`);
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
  // NOTE: written beside the target and renamed at the end, so a failed run never leaves half a file
  // in place of an existing one.
  await mkdir(path.dirname(path.resolve(sink.path)), { recursive: true });
  const temp = `${sink.path}.${process.pid}.tmp`;
  const out = createWriteStream(temp);
  let failure: Error | undefined;
  out.on('error', (err) => (failure ??= err));
  const write = async (line: string) => {
    if (failure) throw new StorageUnavailableError(`cannot write ${sink.path}: ${failure.message}`);
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  return {
    trace: async (spans) => (toLines ? write(encodeTrace(spans)) : undefined),
    batch: async (spans) => (!toLines ? write(encodeBatch(spans)) : undefined),
    finish: async () => {
      out.end();
      await once(out, 'finish');
      await rename(temp, sink.path);
    },
    abort: async () => {
      out.destroy();
      await rm(temp, { force: true });
    },
  };
}
