/**
 * Benchmark (not a test): streaming ingest over gRPC into `jaeger-sls serve`.
 *
 * Two servers, each its own process, measured side by side in one run, in alternating rounds:
 *   - store: `node bin/jaeger-sls.js serve --store sqlite:<tmp>` (memory: when no sqlite store is
 *     registered yet — the output says which);
 *   - no-op: the same gRPC services and proto decoding, replying OK without mapping or storing
 *     (this script with --noop-server).
 * The same client drives both: 4 concurrent clients, batches of 100 spans — v1 WriteSpanStream
 * (one stream of 100 messages per batch, waiting for the acknowledgement) and OTLP Export
 * (100 spans per request). Request bytes are encoded before timing, so the client costs little.
 * Prints median spans/s per API and target, the store/no-op ratio, and each server's peak RSS
 * (VmHWM from /proc).
 *
 *   npm run bench:serve [-- SPANS_PER_API=250000 [ROUNDS=3 [memory]]]   (memory: compare with memory:)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import type { Span } from '../src/model/index.js';
import { spanToProto } from '../src/formats/proto-mapping.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { openStore } from '../src/storage/open-store.js';
import { simpleTraces } from '../src/workload/simple-traces.js';

const BATCH = 100;
const CLIENTS = 4;
/** Distinct pre-encoded batches cycled through (ids repeat after this many spans). */
const POOL_BATCHES = 400;


async function main(): Promise<void> {
  const spansPerApi = Number(process.argv[2] ?? 250_000);
  const rounds = Number(process.argv[3] ?? 3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-serve-'));
  const forceMemory = process.argv[4] === 'memory';
  const sqlite = !forceMemory && await openStore(`sqlite:${path.join(dir, 'probe.db')}`).then(
    async (s) => (await s.close(), true),
    () => false,
  );
  console.log(`jaeger-sls bench:serve — ${CLIENTS} clients, batches of ${BATCH} spans, ${spansPerApi.toLocaleString('en-US')} spans per API per round, ${rounds} rounds`);
  console.log(`store under test: ${sqlite ? 'sqlite (fresh file per round)' : forceMemory ? 'memory: (asked for)' : 'memory: (no sqlite store registered yet)'}; node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()}`);

  const pool = encodeBatches();
  const results: Record<'store' | 'noop', { v1: number[]; otlp: number[]; rss: number[] }> = {
    store: { v1: [], otlp: [], rss: [] },
    noop: { v1: [], otlp: [], rss: [] },
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const target of round % 2 === 0 ? (['noop', 'store'] as const) : (['store', 'noop'] as const)) {
        const storeUri = sqlite ? `sqlite:${path.join(dir, `round-${round}.db`)}` : 'memory:';
        const server = await startTarget(target, storeUri);
        try {
          const v1 = await ingest(server.address, 'v1', pool, spansPerApi);
          const otlp = await ingest(server.address, 'otlp', pool, spansPerApi);
          results[target].v1.push(v1);
          results[target].otlp.push(otlp);
          results[target].rss.push(peakRssBytes(server.child.pid!));
          console.log(`  round ${round + 1} ${target.padEnd(5)}  v1 stream ${fmt(v1)} spans/s  OTLP export ${fmt(otlp)} spans/s`);
        } finally {
          await stop(server.child);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const combined = (t: 'store' | 'noop') => med(results[t].v1.map((v, i) => (2 * v * results[t].otlp[i]) / (v + results[t].otlp[i])));
  console.log('\nmedians                 v1 WriteSpanStream   OTLP Export   both (harmonic)   peak RSS');
  for (const t of ['store', 'noop'] as const) {
    const r = results[t];
    console.log(`  ${(t === 'store' ? `store (${sqlite ? 'sqlite' : 'memory'})` : 'no-op').padEnd(20)}  ${fmt(med(r.v1)).padStart(12)} /s   ${fmt(med(r.otlp)).padStart(9)} /s   ${fmt(combined(t)).padStart(12)} /s   ${(Math.max(...r.rss) / 2 ** 20).toFixed(0)} MB`);
  }
  console.log(
    `  ratio store/no-op       ${(med(results.store.v1) / med(results.noop.v1)).toFixed(2)}              ${(med(results.store.otlp) / med(results.noop.otlp)).toFixed(2)}          ${(combined('store') / combined('noop')).toFixed(2)}`,
  );
  console.log(`targets: ≥ 100,000 spans/s into the store, ≥ 0.5 of no-op, server RSS ≤ 500 MB (load average now ${loadAverage()})`);
}

interface EncodedPool {
  v1: Buffer[][];
  otlp: Buffer[];
}

/** POOL_BATCHES batches of BATCH spans, encoded once as WriteSpanRequest messages and Export requests. */
function encodeBatches(): EncodedPool {
  const writeSpan = serviceDefinition('streamingSpanWriter').WriteSpanStream;
  const exportCall = serviceDefinition('traceService').Export;
  const spans: Span[] = [];
  for (const t of simpleTraces({ seed: 11, traces: (POOL_BATCHES * BATCH) / 10, spansPerTrace: 10, services: 8, startTime: Date.now() * 1000 - 3_600_000_000, intervalUs: 5000 })) {
    spans.push(...t.spans);
  }
  const pool: EncodedPool = { v1: [], otlp: [] };
  for (let i = 0; i < spans.length; i += BATCH) {
    const batch = spans.slice(i, i + BATCH);
    pool.v1.push(batch.map((s) => writeSpan.requestSerialize({ span: spanToProto(s) })));
    pool.otlp.push(exportCall.requestSerialize({ resourceSpans: otlpFromSpans(batch) }));
  }
  return pool;
}

const identity = (b: Buffer) => b;

/** Sends `total` spans with CLIENTS concurrent clients (one channel each); resolves with spans/s. */
async function ingest(address: string, api: 'v1' | 'otlp', pool: EncodedPool, total: number): Promise<number> {
  const batches = Math.ceil(total / BATCH);
  let next = 0;
  const clients = Array.from({ length: CLIENTS }, () => new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let b = next++; b < batches; b = next++) {
        if (api === 'v1') await streamBatch(client, pool.v1[b % pool.v1.length]);
        else await exportBatch(client, pool.otlp[b % pool.otlp.length]);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const c of clients) c.close();
  return (batches * BATCH) / seconds;
}

function streamBatch(client: grpc.Client, messages: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = client.makeClientStreamRequest('/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream', identity, identity, (err) =>
      err ? reject(err) : resolve(),
    );
    for (const m of messages) call.write(m);
    call.end();
  });
}

function exportBatch(client: grpc.Client, request: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', identity, identity, request, (err) => (err ? reject(err) : resolve())),
  );
}

async function startTarget(target: 'store' | 'noop', storeUri: string): Promise<{ address: string; child: ChildProcess }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child =
    target === 'store'
      ? spawn(process.execPath, [path.join(root, 'bin/jaeger-sls.js'), 'serve', '--listen', '127.0.0.1:0', '--store', storeUri, '--max-message-size', '16MiB'], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--noop-server'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /"address":"([^"]+)"/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${target} server exited with ${code}: ${stderr}`)));
  });
  return { address, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident set size of a process (Linux VmHWM), bytes. */
function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(1)).join(' ');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The no-op target: same services and decoding as serve, answers OK without mapping or storing. */
async function runNoopServer(): Promise<void> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20 });
  server.addService(serviceDefinition('streamingSpanWriter'), {
    WriteSpanStream: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      call.on('data', () => {});
      call.on('end', () => callback(null, {}));
    },
  });
  server.addService(serviceDefinition('traceService'), {
    Export: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { partialSuccess: null }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stderr.write(`${JSON.stringify({ '@level': 'info', '@message': 'listening', address: `127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', () => server.tryShutdown(() => {}));
}

if (process.argv.includes('--noop-server')) {
  await runNoopServer();
} else {
  await main();
}
