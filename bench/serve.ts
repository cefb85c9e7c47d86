/**
 * Benchmark (not a test): ingest over gRPC into `jaeger-sls serve`, measured against the transport.
 *
 * Three processes: this one (orchestrates, prints), a client process and the server under test.
 * The client only moves bytes: ExportTraceServiceRequest messages of 100 spans and v1
 * WriteSpanRequest messages are encoded once up front and sent as raw Buffers through a
 * pass-through serializer, over 4 HTTP/2 connections with one call in flight per connection
 * (Export: one request of 100 spans; v1: one WriteSpanStream of 100 messages, awaiting its answer).
 * Servers, each started fresh per round and measured in the same run, alternating order:
 *   - serve: `node bin/jaeger-sls.js serve --store sqlite:<tmp file>` (or `memory:` when asked);
 *   - no-op: a grpc-js server that does not decode — it acknowledges the raw bytes (this script
 *     with --noop-server), so its figure is what the client and transport carry.
 * BENCH_SERVE_NODE_ARGS / BENCH_CLIENT_NODE_ARGS: extra node flags for serve / the client (e.g. --cpu-prof).
 * Each call uses a warm-up of WARMUP_SPANS (untimed: lets the JIT compile the server's hot path).
 * Prints spans/s per API and server (median of the rounds), serve/no-op ratios from the same run,
 * serve's peak RSS (VmHWM from /proc) and the load average before and after.
 *
 *   npm run bench:serve [-- SPANS_PER_API=500000 [ROUNDS=3 [STORE=sqlite|memory]]]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import { spanToProto } from '../src/formats/proto-mapping.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { WRITE_THREAD_NAME } from '../src/plugin/write-worker.js';
import { benchSpans, EXPORT_PATH, exportRaw, fmt, loadAverage, mb, passThrough, peakRssBytes, spawnServe, stop, threadCpuSeconds, waitForLog } from './byte-client.js';

const BATCH = 100;
const CONNECTIONS = 4;
/** Distinct pre-encoded batches cycled through (span ids repeat after this many batches). */
const POOL_BATCHES = 1000;
const WARMUP_SPANS = 20_000;
const STREAM_PATH = '/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream';

type Api = 'v1' | 'otlp';
type Target = 'serve' | 'noop';
interface ClientJob {
  address: string;
  api: Api;
  spans: number;
}

async function main(): Promise<void> {
  const spansPerApi = Number(process.argv[2] ?? 500_000);
  const rounds = Number(process.argv[3] ?? 3);
  const storeKind = process.argv[4] === 'memory' ? 'memory' : 'sqlite';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-serve-'));
  const loadBefore = loadAverage();
  console.log(`jaeger-sls bench:serve — byte-moving client (own process), ${CONNECTIONS} HTTP/2 connections, one call in flight each, ${BATCH}-span batches, ${fmt(spansPerApi)} spans per API per server per round, ${rounds} rounds`);
  console.log(`serve store: ${storeKind === 'sqlite' ? 'sqlite (fresh file per round)' : 'memory:'}; node ${process.version}, ${os.cpus().length} CPUs, load average ${loadBefore}`);

  const client = await startClient();
  const results: Record<Target, Record<Api, number[]> & { rss: number[]; cpu: Record<Api, number[]> }> = {
    serve: { v1: [], otlp: [], rss: [], cpu: { v1: [], otlp: [] } },
    noop: { v1: [], otlp: [], rss: [], cpu: { v1: [], otlp: [] } },
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const target of round % 2 === 0 ? (['noop', 'serve'] as const) : (['serve', 'noop'] as const)) {
        for (const api of ['otlp', 'v1'] as const) {
          const storeUri = storeKind === 'sqlite' ? `sqlite:${path.join(dir, `r${round}-${api}.db`)}` : 'memory:';
          const server = await startServer(target, storeUri);
          try {
            await client.run({ address: server.address, api, spans: WARMUP_SPANS });
            const cpuBefore = cpuSeconds(server.child.pid!);
            const threadsBefore = threadCpuSeconds(server.child.pid!);
            const { rate, cpu: clientCpu } = await client.run({ address: server.address, api, spans: spansPerApi });
            const serverCpu = cpuSeconds(server.child.pid!) - cpuBefore;
            const threads = threadShares(server.child.pid!, threadsBefore, spansPerApi);
            results[target][api].push(rate);
            results[target].rss.push(peakRssBytes(server.child.pid!));
            results[target].cpu[api].push((serverCpu * 1e6) / spansPerApi);
            console.log(
              `  round ${round + 1} ${target.padEnd(5)} ${api === 'otlp' ? 'OTLP Export       ' : 'v1 WriteSpanStream'} ${fmt(rate).padStart(9)} spans/s  CPU µs/span: server ${((serverCpu * 1e6) / spansPerApi).toFixed(1)}${threads}, client ${((clientCpu * 1e6) / spansPerApi).toFixed(1)}  peak RSS ${mb(results[target].rss.at(-1)!)}`,
            );
          } finally {
            await stop(server.child);
          }
        }
      }
    }
  } finally {
    client.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratio = (api: Api) => med(results.serve[api].map((v, i) => v / results.noop[api][i]));
  console.log(`\nmedians of ${rounds} rounds          OTLP Export      v1 WriteSpanStream   peak RSS (max)   server CPU µs/span (OTLP, v1)`);
  for (const t of ['serve', 'noop'] as const) {
    const r = results[t];
    const label = t === 'serve' ? `serve (${storeKind})` : 'no-op (no decoding)';
    console.log(
      `  ${label.padEnd(28)} ${fmt(med(r.otlp)).padStart(9)} /s   ${fmt(med(r.v1)).padStart(12)} /s   ${mb(Math.max(...r.rss)).padStart(8)}         ${med(r.cpu.otlp).toFixed(1)}, ${med(r.cpu.v1).toFixed(1)}`,
    );
  }
  console.log(`  ratio serve/no-op (per round) ${ratio('otlp').toFixed(2).padStart(9)}      ${ratio('v1').toFixed(2).padStart(12)}`);
  console.log(`targets: OTLP ≥ 100,000 spans/s and ≥ 0.5 of no-op; v1 ≥ 0.5 of no-op; serve RSS ≤ 500 MB`);
  console.log(`load average before ${loadBefore}, after ${loadAverage()}`);
}

// ---- the client process --------------------------------------------------------------------

interface ClientResult {
  /** Spans per second. */
  rate: number;
  /** CPU seconds the client process spent (user + system). */
  cpu: number;
}

interface ClientHandle {
  child: ChildProcess;
  run(job: ClientJob): Promise<ClientResult>;
}

async function startClient(): Promise<ClientHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench client exited with ${code}`)));
  });
  let queue = Promise.resolve({ rate: 0, cpu: 0 });
  return {
    child,
    run(job) {
      queue = queue.then(
        () =>
          new Promise<ClientResult>((resolve, reject) => {
            child.once('message', (m: ClientResult & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
            child.send(job);
          }),
      );
      return queue;
    },
  };
}

interface EncodedPool {
  /** Per batch: BATCH WriteSpanRequest messages. */
  v1: Buffer[][];
  /** Per batch: one ExportTraceServiceRequest. */
  otlp: Buffer[];
}

/** POOL_BATCHES batches of BATCH spans (10-span traces over 8 services), encoded once. */
function encodePool(): EncodedPool {
  const writeSpan = serviceDefinition('streamingSpanWriter').WriteSpanStream;
  const exportCall = serviceDefinition('traceService').Export;
  const spans = benchSpans(POOL_BATCHES * BATCH);
  const pool: EncodedPool = { v1: [], otlp: [] };
  for (let i = 0; i < spans.length; i += BATCH) {
    const batch = spans.slice(i, i + BATCH);
    pool.v1.push(batch.map((s) => writeSpan.requestSerialize({ span: spanToProto(s) })));
    pool.otlp.push(exportCall.requestSerialize({ resourceSpans: otlpFromSpans(batch) }));
  }
  return pool;
}

/** Sends `spans` spans over CONNECTIONS connections, one call in flight per connection; spans/s. */
async function sendAll(pool: EncodedPool, job: ClientJob): Promise<number> {
  const batches = Math.ceil(job.spans / BATCH);
  let next = 0;
  // A channel pool of its own per client: four distinct HTTP/2 connections.
  const clients = Array.from({ length: CONNECTIONS }, () => new grpc.Client(job.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())))));
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let b = next++; b < batches; b = next++) {
        if (job.api === 'v1') await streamBatch(client, pool.v1[b % pool.v1.length]);
        else await exportRaw(client, pool.otlp[b % pool.otlp.length]);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const c of clients) c.close();
  return (batches * BATCH) / seconds;
}

function streamBatch(client: grpc.Client, messages: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = client.makeClientStreamRequest(STREAM_PATH, passThrough, passThrough, (err) => (err ? reject(err) : resolve()));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function runClient(): void {
  const pool = encodePool();
  process.on('message', (job: ClientJob) => {
    const before = process.cpuUsage();
    sendAll(pool, job).then(
      (rate) => {
        const used = process.cpuUsage(before);
        process.send!({ rate, cpu: (used.user + used.system) / 1e6 });
      },
      (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send!({ ready: true });
}

// ---- servers ---------------------------------------------------------------------------------

async function startServer(target: Target, storeUri: string): Promise<{ address: string; child: ChildProcess }> {
  const child =
    target === 'serve'
      ? spawnServe(['--listen', '127.0.0.1:0', '--store', storeUri], process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean))
      : spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--noop-server'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [, address] = await waitForLog(child, /"address":"([^"]+)"/, `${target} server`);
  return { address, child };
}

/**
 * The no-op target: Export and WriteSpanStream with pass-through (de)serializers — the request
 * bytes are never decoded — answering with an empty message (the encoding of both responses).
 */
async function runNoopServer(): Promise<void> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20 });
  const empty = Buffer.alloc(0);
  const raw = { requestDeserialize: passThrough, responseSerialize: passThrough, requestSerialize: passThrough, responseDeserialize: passThrough };
  server.addService(
    {
      WriteSpanStream: { path: STREAM_PATH, requestStream: true, responseStream: false, ...raw },
      Export: { path: EXPORT_PATH, requestStream: false, responseStream: false, ...raw },
    },
    {
      WriteSpanStream: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        call.on('data', () => {});
        call.on('end', () => callback(null, empty));
      },
      Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, empty),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stderr.write(`${JSON.stringify({ '@level': 'info', '@message': 'listening', address: `127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', () => server.forceShutdown());
}

// ---- figures ---------------------------------------------------------------------------------

/**
 * The server's CPU µs/span by thread since `before`: its main (serving) thread, the write worker,
 * and the rest (libuv pool, V8's compiler and GC helpers, read workers), e.g. " (main 5.1, jsls-write 20.3, other 2.0)".
 */
function threadShares(pid: number, before: Map<number, { name: string; seconds: number }>, spans: number): string {
  const parts = new Map<string, number>([['main', 0]]);
  for (const [tid, t] of threadCpuSeconds(pid)) {
    const part = tid === pid ? 'main' : t.name === WRITE_THREAD_NAME ? t.name : 'other';
    parts.set(part, (parts.get(part) ?? 0) + t.seconds - (before.get(tid)?.seconds ?? 0));
  }
  return ` (${[...parts].map(([part, seconds]) => `${part} ${((seconds * 1e6) / spans).toFixed(1)}`).join(', ')})`;
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}




if (process.argv.includes('--noop-server')) await runNoopServer();
else if (process.argv.includes('--client')) runClient();
else await main();
