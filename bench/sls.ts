/**
 * Benchmark (not a test): 500,000 spans through `jaeger-sls serve --store sls://…` into the local
 * SLS emulator (test/support/sls-emulator), the @alicloud/log SDK on the wire.
 *
 * serve is spawned from bin/ (run `npm run build` first); the emulator runs in this process; the
 * client sends OTLP TraceService/Export requests of 1,000 spans from CLIENTS concurrent channels,
 * encoded before timing. The emulator validates every LogGroup (signature, MD5, lz4, protobuf wire
 * format, times) but keeps only counts (`retain: 'count'`), so it costs little. Prints spans/s (first Export sent → last acknowledged, which serve gives
 * only after SLS acknowledged the spans), serve's CPU seconds (spans per CPU-second is the figure
 * to compare on a shared machine), PutLogs requests, spans per request, bytes sent
 * (compressed) and raw, and serve's peak RSS (VmHWM).
 *
 *   npm run bench:sls [-- SPANS [COMPRESS=default|deflate|lz4|none]]   # default: the store's (deflate)
 *   npm run bench:sls -- 500000 default store  # the store in-process, without serve/gRPC
 *   BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:sls   # profile serve
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import type { Span } from '../src/model/index.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { spanIndexConfig } from '../src/storage/sls/index-config.js';
import { openSlsStoreUri } from '../src/storage/sls/open.js';
import type { SlsStore } from '../src/storage/sls/sls-store.js';
import { simpleTraces } from '../src/workload/simple-traces.js';
import { SlsEmulator } from '../test/support/sls-emulator/index.js';

const BATCH = 1000;
const CLIENTS = 8;
const POOL_BATCHES = 100;
const BIN = fileURLToPath(new URL('../bin/jaeger-sls.js', import.meta.url));
const ENV = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-ak-secret' };

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 500_000);
  // Without COMPRESS the store's default (deflate) is measured.
  const compress = process.argv[3] && process.argv[3] !== 'default' ? process.argv[3] : undefined;
  const via = process.argv[4] === 'store' ? 'store' : 'serve';
  if (via === 'serve' && !existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const emulator = await new SlsEmulator({ retain: 'count' }).start();
  emulator.createLogstore('bench', 'bench-traces', spanIndexConfig() as never);
  const uri = `sls://bench/bench?endpoint=${emulator.endpoint}${compress ? `&compress=${compress}` : ''}`;
  console.log(`jaeger-sls bench:sls — ${total.toLocaleString('en-US')} spans via ${via === 'serve' ? 'serve (OTLP Export over gRPC)' : 'the store in-process'} into the SLS emulator, compress=${compress ?? 'default (deflate)'}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const spans = pool();
  let seconds: number;
  let peakRss: number;
  let cpuSeconds: number;
  /** serve only: this process (gRPC client + emulator) during the ingest. */
  let benchCpuSeconds: number | undefined;
  let server: ChildProcess | undefined;
  try {
    if (via === 'serve') {
      const started = await startServe(uri);
      server = started.child;
      const exportCall = serviceDefinition('traceService').Export;
      const requests: Buffer[] = [];
      for (let i = 0; i < spans.length; i += BATCH) requests.push(exportCall.requestSerialize({ resourceSpans: otlpFromSpans(spans.slice(i, i + BATCH)) }));
      const cpuBefore = cpuSecondsOf(server.pid!);
      const ownBefore = process.cpuUsage();
      seconds = await ingestGrpc(started.address, requests, total);
      cpuSeconds = cpuSecondsOf(server.pid!) - cpuBefore;
      const own = process.cpuUsage(ownBefore);
      benchCpuSeconds = (own.user + own.system) / 1e6;
      peakRss = peakRssBytes(server.pid!);
    } else {
      const store = (await openSlsStoreUri(uri, { env: ENV, log: () => {} })) as SlsStore;
      const cpuBefore = process.cpuUsage();
      const began = process.hrtime.bigint();
      let next = 0;
      const batches = Math.ceil(total / BATCH);
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let b = next++; b < batches; b = next++) {
            const at = (b % POOL_BATCHES) * BATCH;
            await store.writeSpans(spans.slice(at, at + BATCH));
          }
        }),
      );
      seconds = Number(process.hrtime.bigint() - began) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      cpuSeconds = (cpu.user + cpu.system) / 1e6;
      await store.close();
      peakRss = process.resourceUsage().maxRSS * 1024;
    }
  } finally {
    if (server) await stop(server);
    await emulator.stop();
  }

  const s = emulator.stats;
  const stored = s.logsStored;
  const perRequest = s.logsStored / Math.max(1, s.putLogsRequests);
  console.log(`spans stored           ${stored.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`);
  console.log(`throughput             ${Math.round(total / seconds).toLocaleString('en-US')} spans/s (${seconds.toFixed(2)} s)`);
  console.log(`CPU used               ${cpuSeconds!.toFixed(2)} s by ${via === 'serve' ? 'serve' : 'this process (store + emulator + client)'} = ${Math.round(total / cpuSeconds!).toLocaleString('en-US')} spans per CPU-second`);
  if (benchCpuSeconds !== undefined) console.log(`CPU used               ${benchCpuSeconds.toFixed(2)} s by this process (gRPC client + emulator); load average after ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`PutLogs requests       ${s.putLogsRequests.toLocaleString('en-US')} (${Math.round(perRequest).toLocaleString('en-US')} spans per request; largest ${s.maxLogsPerRequest}; max ${s.maxConcurrentPutLogs} at once)`);
  console.log(`bytes sent             ${mb(s.bytesReceived)} MB compressed, ${mb(s.rawBytesReceived)} MB raw (${(s.bytesReceived / s.rawBytesReceived).toFixed(3)}), ${Math.round(s.bytesReceived / total)} B/span`);
  console.log(`peak RSS               ${mb(peakRss)} MB (${via === 'serve' ? 'serve process' : 'this process, emulator included'})`);
  console.log(`targets: ≥ 50,000 spans/s and ≥ 500 spans per request — ${total / seconds >= 50_000 ? 'met' : 'NOT met'} / ${perRequest >= 500 ? 'met' : 'NOT met'}`);
  if (stored !== total) process.exitCode = 1;
}

/** POOL_BATCHES × BATCH distinct spans, ending now (SLS accepts only recent log times). */
function pool(): Span[] {
  const spans: Span[] = [];
  const n = POOL_BATCHES * BATCH;
  for (const t of simpleTraces({ seed: 5, traces: n / 10, spansPerTrace: 10, services: 8, startTime: Date.now() * 1000 - 1_800_000_000, intervalUs: 10_000 })) spans.push(...t.spans);
  return spans;
}

async function ingestGrpc(address: string, requests: Buffer[], total: number): Promise<number> {
  const batches = Math.ceil(total / BATCH);
  const identity = (b: Buffer) => b;
  const clients = Array.from({ length: CLIENTS }, () => new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_send_message_length': 64 << 20 }));
  let next = 0;
  const began = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let b = next++; b < batches; b = next++) {
        const request = requests[b % requests.length];
        await new Promise<void>((resolve, reject) =>
          client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', identity, identity, request, { deadline: Date.now() + 300_000 }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  for (const c of clients) c.close();
  return seconds;
}

function startServe(uri: string): Promise<{ child: ChildProcess; address: string }> {
  // BENCH_SERVE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles serve.
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--listen', '127.0.0.1:0', '--store', uri, '--max-message-size', '64MiB'], {
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /"@message":"listening".*?"address":"([^"]+)"/.exec(stderr);
      if (m) resolve({ child, address: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** utime + stime of a process, seconds (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

main().catch((err) => {
  console.error(`bench:sls failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
