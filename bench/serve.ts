/**
 * Benchmark (not a test): ingest over gRPC into `jaeger-sls serve`, measured against the transport.
 *
 * Three processes: this one (orchestrates, prints), a client process and the server under test.
 * The client only moves bytes (byte-client.ts): ExportTraceServiceRequest messages of 100 spans and
 * v1 WriteSpanRequest messages are encoded and framed once up front and sent over 4 HTTP/2
 * connections with one call in flight per connection (Export: one request of 100 spans; v1: one
 * WriteSpanStream of 100 messages, awaiting its answer), by node:http2 directly (the default) or,
 * with `--client grpc-js`, by grpc-js' client with pass-through serializers (for comparison: it
 * costs the client several µs per span of its own).
 * Servers, each started fresh per round and measured in the same run, alternating order:
 *   - serve: `node bin/jaeger-sls.js serve --store sqlite:<tmp file>` (or `memory:` when asked);
 *   - no-op: a grpc-js server that does not decode — it acknowledges the raw bytes (this script
 *     with --noop-server), so its figure is what the client and transport carry.
 * BENCH_SERVE_NODE_ARGS / BENCH_CLIENT_NODE_ARGS: extra node flags for serve / the client (e.g. --cpu-prof).
 * Each call uses a warm-up of WARMUP_SPANS (untimed: lets the JIT compile the server's hot path).
 * After each timed run, serve's spans-written counter (--metrics-listen) must have grown by exactly
 * the spans sent: the figure counts spans serve really stored, not bytes it was sent.
 * Prints spans/s per API and server (median of the rounds), serve/no-op ratios from the same run,
 * CPU µs per span of the server (by thread) and of the client, serve's peak RSS (VmHWM from /proc)
 * and the load average before and after.
 *
 *   npm run bench:serve [-- SPANS_PER_API=500000 [ROUNDS=3 [STORE=sqlite|memory]]] [--client http2|grpc-js]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import { spanToProto } from '../src/formats/proto-mapping.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { WRITE_THREAD_NAME } from '../src/plugin/write-worker.js';
import {
  benchSpans,
  type CallConnection,
  type ClientKind,
  EXPORT_PATH,
  fmt,
  loadAverage,
  mb,
  openConnection,
  passThrough,
  peakRssBytes,
  type PreparedCall,
  prepareCall,
  processCpuSeconds,
  spawnServe,
  stop,
  threadCpuSeconds,
  waitForLog,
} from './byte-client.js';

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
  const { positional, clientKind } = parseArgs(process.argv.slice(2));
  const spansPerApi = Number(positional[0] ?? 500_000);
  const rounds = Number(positional[1] ?? 3);
  const storeKind = positional[2] === 'memory' ? 'memory' : 'sqlite';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-serve-'));
  const loadBefore = loadAverage();
  console.log(`jaeger-sls bench:serve — byte-moving client (${clientKind === 'http2' ? 'node:http2' : 'grpc-js'}, own process), ${CONNECTIONS} HTTP/2 connections, one call in flight each, ${BATCH}-span batches, ${fmt(spansPerApi)} spans per API per server per round, ${rounds} rounds`);
  console.log(`serve store: ${storeKind === 'sqlite' ? 'sqlite (fresh file per round)' : 'memory:'}; node ${process.version}, ${os.cpus().length} CPUs, load average ${loadBefore}`);

  const client = await startClient(clientKind);
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
            const storedBefore = await server.spansStored();
            const cpuBefore = processCpuSeconds(server.child.pid!);
            const threadsBefore = threadCpuSeconds(server.child.pid!);
            const { rate, cpu: clientCpu } = await client.run({ address: server.address, api, spans: spansPerApi });
            const serverCpu = processCpuSeconds(server.child.pid!) - cpuBefore;
            const stored = (await server.spansStored()) - storedBefore;
            if (target === 'serve' && stored !== spansPerApi) throw new Error(`serve stored ${fmt(stored)} spans of the ${fmt(spansPerApi)} sent (${api})`);
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

function parseArgs(args: string[]): { positional: string[]; clientKind: ClientKind } {
  const positional: string[] = [];
  let clientKind: ClientKind = 'http2';
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--client') {
      positional.push(args[i]);
      continue;
    }
    const kind = args[++i];
    if (kind !== 'http2' && kind !== 'grpc-js') throw new Error(`--client takes http2 or grpc-js, not ${kind ?? 'nothing'}`);
    clientKind = kind;
  }
  return { positional, clientKind };
}

async function startClient(kind: ClientKind): Promise<ClientHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--client-process', kind], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  /** Per batch: one WriteSpanStream call of BATCH WriteSpanRequest messages. */
  v1: PreparedCall[];
  /** Per batch: one Export call of one ExportTraceServiceRequest. */
  otlp: PreparedCall[];
}

/** POOL_BATCHES batches of BATCH spans (10-span traces over 8 services), encoded (and framed) once, as `kind` sends them. */
function encodePool(kind: ClientKind): EncodedPool {
  const writeSpan = serviceDefinition('streamingSpanWriter').WriteSpanStream;
  const exportCall = serviceDefinition('traceService').Export;
  const spans = benchSpans(POOL_BATCHES * BATCH);
  const pool: EncodedPool = { v1: [], otlp: [] };
  for (let i = 0; i < spans.length; i += BATCH) {
    const batch = spans.slice(i, i + BATCH);
    pool.v1.push(prepareCall(kind, batch.map((s) => writeSpan.requestSerialize({ span: spanToProto(s) }))));
    pool.otlp.push(prepareCall(kind, [exportCall.requestSerialize({ resourceSpans: otlpFromSpans(batch) })]));
  }
  return pool;
}

/** Sends `spans` spans over CONNECTIONS connections, one call in flight per connection; spans/s. */
async function sendAll(kind: ClientKind, pool: EncodedPool, job: ClientJob): Promise<number> {
  const batches = Math.ceil(job.spans / BATCH);
  let next = 0;
  const connections: CallConnection[] = await Promise.all(Array.from({ length: CONNECTIONS }, () => openConnection(kind, job.address)));
  try {
    const started = process.hrtime.bigint();
    await Promise.all(
      connections.map(async (connection) => {
        for (let b = next++; b < batches; b = next++) {
          if (job.api === 'v1') await connection.call(STREAM_PATH, true, pool.v1[b % pool.v1.length]);
          else await connection.call(EXPORT_PATH, false, pool.otlp[b % pool.otlp.length]);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return (batches * BATCH) / seconds;
  } finally {
    for (const c of connections) c.close();
  }
}

function runClient(kind: ClientKind): void {
  const pool = encodePool(kind);
  process.on('message', (job: ClientJob) => {
    const before = process.cpuUsage();
    sendAll(kind, pool, job).then(
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

interface Server {
  address: string;
  child: ChildProcess;
  /** Spans the server has stored so far (serve's jaeger_sls_spans_written_total); 0 for the no-op, which stores nothing. */
  spansStored(): Promise<number>;
}

async function startServer(target: Target, storeUri: string): Promise<Server> {
  if (target === 'noop') {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--noop-server'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const [, address] = await waitForLog(child, /"address":"([^"]+)"/, 'no-op server');
    return { address, child, spansStored: async () => 0 };
  }
  const child = spawnServe(['--listen', '127.0.0.1:0', '--store', storeUri, '--metrics-listen', '127.0.0.1:0'], process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean));
  const [, address, metricsAddress] = await waitForLog(child, /"address":"([^"]+)".*"metrics":"([^"]+)"/, 'serve');
  return { address, child, spansStored: () => spansWritten(metricsAddress) };
}

/** serve's count of spans stored durably, from its Prometheus text endpoint. */
async function spansWritten(metricsAddress: string): Promise<number> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  const m = /^jaeger_sls_spans_written_total (\d+)$/m.exec(text);
  if (!m) throw new Error(`serve's metrics at ${metricsAddress} have no jaeger_sls_spans_written_total`);
  return Number(m[1]);
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

if (process.argv.includes('--noop-server')) await runNoopServer();
else if (process.argv.includes('--client-process')) runClient(process.argv[process.argv.indexOf('--client-process') + 1] as ClientKind);
else await main();
