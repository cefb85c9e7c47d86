/**
 * The dependency graph of a store window built on several threads: the store's scan cut into
 * contiguous parts (SpanReader.dependencyScanParts); the first part is read on this thread while
 * each other part is read by a worker thread (deps-worker.ts) over its own read-only connection,
 * and the parts' graphs are absorbed in part order, which gives the graph of the whole scan
 * (DependencyGraphBuilder.absorb).
 */
import { Worker } from 'node:worker_threads';
import type { DependencyGraphOptions, DependencyGraphPart } from '../analysis/dependency-graph.js';
import { DependencyGraphBuilder } from '../analysis/dependency-graph.js';
import type { DependencySpans } from '../analysis/dependency-spans.js';
import { StorageUnavailableError } from '../model/index.js';
import type { DependencyScanPart, SpanReader } from '../storage/types.js';

/** What a worker is given (its workerData). */
export interface DepsWorkerInput {
  uri: string;
  window: { startTimeMin: number; startTimeMax: number };
  options: DependencyGraphOptions;
  part: DependencyScanPart;
}

/** What a worker posts back, once. */
export type DepsWorkerOutput = { part: DependencyGraphPart } | { error: string };

export const DEFAULT_WORKER_URL = new URL('./deps-worker.js', import.meta.url);

/**
 * Builds the graph of `parts` (in scan order, two or more) of the window of the store at `uri`:
 * `reader` (an open connection to it) reads the first part here, a worker per other part reads the
 * rest. `visit` sees this thread's traces only (progress).
 */
export async function buildDependencyGraphInParts(
  reader: SpanReader,
  uri: string,
  window: { startTimeMin: number; startTimeMax: number },
  options: DependencyGraphOptions,
  parts: readonly DependencyScanPart[],
  visit: (builder: DependencyGraphBuilder, spans: DependencySpans) => void = () => {},
  workerUrl: URL = DEFAULT_WORKER_URL,
): Promise<DependencyGraphBuilder> {
  if (!reader.forEachDependencySpans) throw new Error('buildDependencyGraphInParts: the store has no dependency scan');
  const workers = parts.slice(1).map((part) => runWorker(workerUrl, { uri, window, options, part }));
  // Rejections are handled below, in part order; until then a failing worker must not go unhandled.
  for (const w of workers) w.catch(() => {});
  const builder = new DependencyGraphBuilder(options);
  try {
    await reader.forEachDependencySpans(
      window,
      (spans) => {
        builder.addSpans(spans);
        visit(builder, spans);
      },
      parts[0],
    );
  } finally {
    // Whatever happens here, wait for the workers so that none outlives the call.
    await Promise.allSettled(workers);
  }
  for (const w of workers) builder.absorb(await w);
  return builder;
}

function runWorker(url: URL, input: DepsWorkerInput): Promise<DependencyGraphPart> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(url, { workerData: input });
    worker.once('message', (message: DepsWorkerOutput) => {
      settled = true;
      if ('part' in message) resolve(message.part);
      else reject(new StorageUnavailableError(message.error));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new StorageUnavailableError(`deps worker thread failed: ${err.message.split('\n')[0]}`, { cause: err }));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new StorageUnavailableError(`deps worker thread exited (${code}) without a result`));
    });
  });
}
