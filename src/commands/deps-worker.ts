/**
 * Worker thread of deps-parallel.ts: builds the dependency graph of one part of a store's
 * dependency scan over its own read-only connection and posts it back (DepsWorkerOutput), once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DependencyGraphBuilder } from '../analysis/dependency-graph.js';
import type { DependencyGraphPart } from '../analysis/dependency-graph.js';
import { openStore } from '../sources/open-store.js';
import type { DepsWorkerInput, DepsWorkerOutput } from './deps-parallel.js';

async function buildPart(input: DepsWorkerInput): Promise<DependencyGraphPart> {
  const store = await openStore(input.uri, { readOnly: true, log: () => {} });
  try {
    if (!store.forEachDependencySpans) throw new Error(`store ${input.uri.split('?')[0]} has no dependency scan`);
    const builder = new DependencyGraphBuilder(input.options);
    await store.forEachDependencySpans(input.window, (spans) => builder.addSpans(spans), input.part);
    return builder.toPart();
  } finally {
    await store.close();
  }
}

/** The sketches' count arrays, each its own buffer: moved to the parent thread, not copied. */
function buffersOf(part: DependencyGraphPart): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const n of part.nodes) if (n.stats.duration) out.push(n.stats.duration.counts.buffer as ArrayBuffer);
  for (const e of part.edges) {
    if (e.stats.latency) out.push(e.stats.latency.counts.buffer as ArrayBuffer);
    if (e.stats.clientLatency) out.push(e.stats.clientLatency.counts.buffer as ArrayBuffer);
  }
  return out;
}

let output: DepsWorkerOutput;
let transfer: ArrayBuffer[] = [];
try {
  const part = await buildPart(workerData as DepsWorkerInput);
  output = { part };
  transfer = buffersOf(part);
} catch (err) {
  output = { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
}
parentPort!.postMessage(output, transfer);
