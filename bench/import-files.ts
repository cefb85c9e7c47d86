/**
 * Benchmark (not a test): trace file reading and `import` throughput.
 * Generates N spans as Jaeger NDJSON, one Jaeger JSON document and OTLP NDJSON in a temp folder,
 * then times, per format: reading alone (parse + map + validate) and importing into memory: and,
 * when available, a fresh sqlite: file. Prints medians of 3 runs in spans/s and the peak RSS.
 *
 *   npx tsx bench/import-files.ts [spans=200000]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { importTraceFiles } from '../src/commands/run-import.js';
import { jaegerJsonFromTrace } from '../src/formats/jaeger-json.js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import { treeToOtlpJson } from '../src/formats/otlp-json.js';
import { readTraceFile } from '../src/formats/trace-file-reader.js';
import { openStore } from '../src/storage/open-store.js';
import { simpleTraces } from '../src/workload/simple-traces.js';

const SPANS = Number(process.argv[2] ?? 200_000);
const SPANS_PER_TRACE = 10;
const RUNS = 3;

const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-import-'));
const traces = () => simpleTraces({ seed: 7, traces: SPANS / SPANS_PER_TRACE, spansPerTrace: SPANS_PER_TRACE, services: 8, startTime: 1_700_000_000_000_000, intervalUs: 1000 });

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

const files = {
  'Jaeger NDJSON': path.join(dir, 'jaeger.ndjson'),
  'Jaeger JSON document': path.join(dir, 'jaeger.json'),
  'OTLP NDJSON': path.join(dir, 'otlp.ndjson'),
};
await writeLines(files['Jaeger NDJSON'], (function* () {
  for (const t of traces()) yield `${JSON.stringify(jaegerJsonFromTrace(t))}\n`;
})());
await writeLines(files['Jaeger JSON document'], (function* () {
  yield '{"data":[\n';
  let first = true;
  for (const t of traces()) {
    yield `${first ? '' : ','}${JSON.stringify(jaegerJsonFromTrace(t))}\n`;
    first = false;
  }
  yield ']}\n';
})());
await writeLines(files['OTLP NDJSON'], (function* () {
  for (const t of traces()) yield `${JSON.stringify(treeToOtlpJson(otlpFromSpans(t.spans)))}\n`;
})());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (ms: number) => Math.round(SPANS / (ms / 1000)).toLocaleString('en-US');

/** Median wall time and median CPU time (user + system) of RUNS runs, ms. */
async function time(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}
const show = (t: { wall: number; cpu: number } | undefined) => (t ? `${rate(t.wall)} (${rate(t.cpu)})` : '').padStart(22);

const sqliteOk = await openStore(`sqlite:${path.join(dir, 'probe.db')}`).then(
  async (s) => (await s.close(), true),
  () => false,
);

console.log(`${SPANS.toLocaleString('en-US')} spans (${SPANS_PER_TRACE} per trace), median of ${RUNS} runs, spans/s by wall time (by CPU time); load average ${os.loadavg()[0].toFixed(1)}`);
console.log('format'.padEnd(24), 'read only'.padStart(22), 'import to memory:'.padStart(22), sqliteOk ? 'import to sqlite:'.padStart(22) : '');
let run = 0;
for (const [format, file] of Object.entries(files)) {
  const read = await time(async () => {
    let n = 0;
    for await (const e of readTraceFile(file, createReadStream(file))) if (e.ok) n += e.spans.length;
    if (n !== SPANS) throw new Error(`read ${n} spans`);
  });
  const input = [{ name: file, open: () => createReadStream(file) }];
  const memory = await time(async () => {
    const store = await openStore('memory:');
    await importTraceFiles(store, { inputs: input, skipInvalid: false, batchSpans: 5000 });
  });
  const sqlite = sqliteOk
    ? await time(async () => {
        const store = await openStore(`sqlite:${path.join(dir, `run-${run++}.db`)}`);
        await importTraceFiles(store, { inputs: input, skipInvalid: false, batchSpans: 5000 });
        await store.close();
      })
    : undefined;
  console.log(format.padEnd(24), show(read), show(memory), show(sqlite));
}
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
await rm(dir, { recursive: true, force: true });
