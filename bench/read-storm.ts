/**
 * Benchmark (not a test): reads that must not stall or exhaust `jaeger-sls serve`.
 *
 * One trace of TRACE_SPANS spans is stored in `serve --store sqlite:<tmp file>`. Then, in one run:
 *   1. unloaded: 4 byte-moving ingest clients (pre-encoded OTLP Export requests of 100 spans sent
 *      by node:http2, byte-client.ts; one call in flight per connection) for PHASE s;
 *   2. loaded: the same ingest for PHASE s while 20 clients loop v1 GetTrace on the large trace and
 *      cancel each call after 100 ms, and 4 clients read it fully in a loop (2 v1 GetTrace, 2 v2
 *      GetTraces), counting its spans straight from the wire bytes; the readers use node:http2 as
 *      the ingest does (BENCH_READ_CLIENT=grpc-js: grpc-js' client, to compare the instruments).
 * Throughout, health Check("") is called every 50 ms (5 s deadline). Clients run in their own
 * processes and sessions (ingest; readers) so their CPU is neither the orchestrator's nor serve's;
 * the CPU of serve's threads and of each client is printed per phase.
 * Prints health latency p50/p99/max per phase, ingest spans/s loaded vs unloaded (same run),
 * serve's peak RSS (VmHWM) and RSS sampled during the loaded phase, the span count of every full
 * read, and serve's read counters from --metrics-listen (cancelled reads, time to stop their work).
 *
 *   npm run bench:read-storm [-- PHASE_SECONDS=20 [TRACE_SPANS=200000]]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { simpleTraces } from '../src/workload/simple-traces.js';
import { benchSpans, EXPORT_PATH, exportRaw, fmt, loadAverage, mb, openConnection, passThrough, peakRssBytes, type ClientKind, type PreparedCall, prepareCall, processCpuSeconds, spawnServe, stop, threadCpuSeconds, waitForLog } from './byte-client.js';

const INGEST_CONNECTIONS = 4;
const BATCH = 100;
const POOL_BATCHES = 500;
const CANCELLING_READERS = 20;
const CANCEL_AFTER_MS = 100;
const FULL_READERS = 4;
const HEALTH_EVERY_MS = 50;
const GET_TRACE_PATH = '/jaeger.storage.v1.SpanReaderPlugin/GetTrace';
const GET_TRACES_PATH = '/jaeger.storage.v2.TraceReader/GetTraces';

interface Phase {
  seconds: number;
  address: string;
}

async function main(): Promise<void> {
  const phaseSeconds = Number(process.argv[2] ?? 20);
  const traceSpans = Number(process.argv[3] ?? 200_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-reads-'));
  console.log(`jaeger-sls bench:read-storm — one ${fmt(traceSpans)}-span trace in sqlite; ${PHASE(phaseSeconds)} unloaded ingest, then the same ingest with ${CANCELLING_READERS} GetTrace loops cancelled after ${CANCEL_AFTER_MS} ms and ${FULL_READERS} full reads`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()}`);
  const serve = await startServe(`sqlite:${path.join(dir, 'storm.db')}`);
  const ingest = forkRole('--ingest');
  const readers = forkRole('--readers');
  try {
    const traceId = await storeLargeTrace(serve.address, traceSpans);
    console.log(`stored trace ${traceId}: peak RSS so far ${mb(peakRssBytes(serve.child.pid!))}`);
    await Promise.all([ingest.ready, readers.ready]);

    const pids = { serve: serve.child.pid!, ingest: ingest.child.pid!, readers: readers.child.pid! };
    const health1 = healthProbe(serve.address);
    const cpu1 = cpuMeter(pids);
    const unloaded = (await ingest.run({ seconds: phaseSeconds, address: serve.address })) as { rate: number };
    const unloadedCpu = cpu1.stop();
    const h1 = health1.stop();

    const rss = rssSampler(serve.child.pid!);
    const health2 = healthProbe(serve.address);
    const cpu2 = cpuMeter(pids);
    const readsBefore = { threads: threadCpuSeconds(pids.serve), metrics: await scrape(serve.metricsAddress) };
    let loadedCpu!: CpuFigures;
    const [loaded, reads] = (await Promise.all([
      ingest.run({ seconds: phaseSeconds, address: serve.address }).then((r) => ((loadedCpu = cpu2.stop()), r)),
      readers.run({ seconds: phaseSeconds, address: serve.address, traceId, traceSpans }),
    ])) as [{ rate: number }, ReaderReport];
    const h2 = health2.stop();
    const rssLoaded = rss.stop();
    const metrics = await scrape(serve.metricsAddress);
    const readCpu = readWorkerCpuSeconds(readsBefore.threads, threadCpuSeconds(pids.serve));
    const produced = metrics.jaeger_sls_read_spans_produced_total - readsBefore.metrics.jaeger_sls_read_spans_produced_total;

    console.log(`\nhealth Check("") latency   p50        p99        max       failed`);
    for (const [label, h] of [['unloaded', h1], ['loaded  ', h2]] as const) console.log(`  ${label}                ${ms(h.p50)}   ${ms(h.p99)}   ${ms(h.max)}   ${h.failed}/${h.count}`);
    console.log(`ingest (OTLP Export, ${INGEST_CONNECTIONS} clients): unloaded ${fmt(unloaded.rate)} spans/s, loaded ${fmt(loaded.rate)} spans/s, ratio ${(loaded.rate / unloaded.rate).toFixed(2)}`);
    console.log(`CPU while ingest ran, seconds per second of wall time (2 = both cores):`);
    console.log(`  ${CPU_PARTS.map(([, label]) => label.padStart(12)).join(' ')}`);
    for (const [label, c] of [['unloaded', unloadedCpu], ['loaded  ', loadedCpu]] as const) console.log(`  ${CPU_PARTS.map(([key]) => c[key].toFixed(2).padStart(12)).join(' ')}   ${label}`);
    console.log(`serve RSS: peak (VmHWM, whole run) ${mb(peakRssBytes(serve.child.pid!))}; loaded phase sampled max ${mb(rssLoaded.max)}, median ${mb(rssLoaded.median)}`);
    console.log(`full reads: ${reads.full.length} (${reads.full.filter((n) => n === traceSpans).length} returned all ${fmt(traceSpans)} spans; span counts ${summarize(reads.full)}), errors ${JSON.stringify(reads.fullErrors)}`);
    console.log(`cancelled reads (${READ_CLIENT} client): ${reads.cancelled} calls cancelled by the client, ${mb(reads.cancelledBytes)} received before their cancels, other outcomes ${JSON.stringify(reads.cancelOutcomes)}`);
    console.log(
      `serve counters: reads cancelled ${metrics.jaeger_sls_reads_cancelled_total}, time to stop a cancelled read: max ${ms(1000 * metrics.jaeger_sls_read_cancel_stop_seconds_max)} mean ${ms((1000 * metrics.jaeger_sls_read_cancel_stop_seconds_sum) / Math.max(1, metrics.jaeger_sls_reads_cancelled_total))}, within 50 ms ${metrics['jaeger_sls_read_cancel_stop_seconds_bucket{le="0.05"}']} (within 100 ms ${metrics['jaeger_sls_read_cancel_stop_seconds_bucket{le="0.1"}']}), rejected ${metrics.jaeger_sls_reads_rejected_total}, spans produced ${fmt(metrics.jaeger_sls_read_spans_produced_total)}, sent ${fmt(metrics.jaeger_sls_spans_read_total)}`,
    );
    console.log(`read workers over the whole storm (until the last full read ended): ${readCpu.toFixed(2)} CPU-s for ${fmt(produced)} spans produced, ${((1e6 * readCpu) / Math.max(1, produced)).toFixed(1)} µs per span (cancelled reads' unsent work included)`);
    console.log(`targets: health p99 ≤ 100 ms; ingest ≥ 0.70 of unloaded; RSS ≤ 500 MB; every full read ${fmt(traceSpans)} spans`);
    console.log(`load average after ${loadAverage()}`);
  } finally {
    ingest.child.kill('SIGTERM');
    readers.child.kill('SIGTERM');
    await stop(serve.child);
    await rm(dir, { recursive: true, force: true });
  }
}

const PHASE = (s: number) => `${s} s`;

// ---- serve -----------------------------------------------------------------------------------

async function startServe(storeUri: string): Promise<{ address: string; metricsAddress: string; child: ChildProcess }> {
  const child = spawnServe(['--listen', '127.0.0.1:0', '--store', storeUri, '--metrics-listen', '127.0.0.1:0']);
  const [, address, metricsAddress] = await waitForLog(child, /"address":"([^"]+)".*"metrics":"([^"]+)"/, 'serve');
  return { address, metricsAddress, child };
}

/** Writes one trace of `n` spans (Export requests of 1,000 spans); returns its id. */
async function storeLargeTrace(address: string, n: number): Promise<string> {
  const [trace] = simpleTraces({ seed: 7, traces: 1, spansPerTrace: n, services: 8, startTime: Date.now() * 1000 - 600_000_000, intervalUs: 1 });
  const exportCall = serviceDefinition('traceService').Export;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  for (let i = 0; i < n; i += 1000) {
    const request = exportCall.requestSerialize({ resourceSpans: otlpFromSpans(trace.spans.slice(i, i + 1000)) });
    await exportRaw(client, request);
  }
  client.close();
  return trace.spans[0].traceId;
}

// ---- orchestrator-side probes ----------------------------------------------------------------

type CpuFigures = Record<(typeof CPU_PARTS)[number][0], number>;
/** Who used the CPU: serve's threads (read workers name themselves jsls-read, the write worker jsls-write), and the bench's own processes. */
const CPU_PARTS = [
  ['serveMain', 'serve main'],
  ['serveReads', 'read workers'],
  ['serveWrite', 'write worker'],
  ['serveOther', 'serve other'],
  ['ingest', 'ingest client'],
  ['readers', 'read clients'],
  ['bench', 'orchestrator'],
] as const;

/** CPU seconds per wall second of each part from now until stop(). */
function cpuMeter(pids: { serve: number; ingest: number; readers: number }): { stop(): CpuFigures } {
  const snapshot = () => ({
    at: performance.now(),
    threads: threadCpuSeconds(pids.serve),
    ingest: processCpuSeconds(pids.ingest),
    readers: processCpuSeconds(pids.readers),
    bench: process.cpuUsage(),
  });
  const before = snapshot();
  return {
    stop() {
      const after = snapshot();
      const wall = (after.at - before.at) / 1000;
      const out: CpuFigures = { serveMain: 0, serveReads: 0, serveWrite: 0, serveOther: 0, ingest: 0, readers: 0, bench: 0 };
      for (const [tid, t] of after.threads) {
        const used = t.seconds - (before.threads.get(tid)?.seconds ?? 0);
        if (tid === pids.serve) out.serveMain += used;
        else if (t.name === 'jsls-read') out.serveReads += used;
        else if (t.name === 'jsls-write') out.serveWrite += used;
        else out.serveOther += used;
      }
      out.ingest = after.ingest - before.ingest;
      out.readers = after.readers - before.readers;
      const bench = process.cpuUsage(before.bench);
      out.bench = (bench.user + bench.system) / 1e6;
      for (const key of Object.keys(out) as (keyof CpuFigures)[]) out[key] /= wall;
      return out;
    },
  };
}

/** CPU seconds the read workers (threads named jsls-read) used between two thread snapshots. */
function readWorkerCpuSeconds(before: Map<number, { name: string; seconds: number }>, after: Map<number, { name: string; seconds: number }>): number {
  let used = 0;
  for (const [tid, t] of after) if (t.name === 'jsls-read') used += t.seconds - (before.get(tid)?.seconds ?? 0);
  return used;
}

function healthProbe(address: string): { stop(): { p50: number; p99: number; max: number; failed: number; count: number } } {
  const def = serviceDefinition('health').Check;
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const latencies: number[] = [];
  let failed = 0;
  let running = true;
  const loop = async () => {
    while (running) {
      const t0 = performance.now();
      await new Promise<void>((resolve) =>
        client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, { service: '' }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err) => {
          if (err) failed++;
          latencies.push(performance.now() - t0);
          resolve();
        }),
      );
      await new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));
    }
  };
  const done = loop();
  return {
    stop() {
      running = false;
      void done.then(() => client.close());
      const sorted = [...latencies].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
      return { p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? NaN, failed, count: sorted.length };
    },
  };
}

function rssSampler(pid: number): { stop(): { max: number; median: number } } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) samples.push(Number(m[1]) * 1024);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const sorted = [...samples].sort((a, b) => a - b);
      return { max: sorted.at(-1) ?? NaN, median: sorted[Math.floor(sorted.length / 2)] ?? NaN };
    },
  };
}

async function scrape(address: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\{le="[^"]+"\})?) ([0-9.e+-]+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// ---- client processes --------------------------------------------------------------------------

function forkRole(role: string): { child: ChildProcess; ready: Promise<void>; run(job: object): Promise<unknown> } {
  // Each client process runs in its own session (detached: setsid). Linux schedules sessions as
  // groups (autogroup) of equal weight when the CPU is contended, so the clients' CPU comes from
  // their own share, as it would from clients on other hosts, not from serve's.
  const child = fork(fileURLToPath(import.meta.url), [role], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return {
    child,
    ready,
    run: (job) =>
      new Promise((resolve, reject) => {
        child.once('message', (m: { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
        child.send(job);
      }),
  };
}

function serveRole<Job>(work: (job: Job) => Promise<object>): void {
  process.on('message', (job: unknown) => {
    work(job as Job).then(
      (result) => process.send!(result),
      (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('SIGTERM', () => process.exit(0));
  // Detached: no terminal signal reaches it, so it ends when the orchestrator goes.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

/** Byte-moving OTLP ingest: pre-encoded requests, one call in flight per connection, for `seconds`. */
function runIngest(): void {
  const exportCall = serviceDefinition('traceService').Export;
  const spans = benchSpans(POOL_BATCHES * BATCH);
  const pool: PreparedCall[] = [];
  for (let i = 0; i < spans.length; i += BATCH) pool.push(prepareCall('http2', [exportCall.requestSerialize({ resourceSpans: otlpFromSpans(spans.slice(i, i + BATCH)) })]));
  serveRole(async ({ seconds, address }: Phase) => {
    const clients = await Promise.all(Array.from({ length: INGEST_CONNECTIONS }, () => openConnection('http2', address)));
    const until = performance.now() + seconds * 1000;
    let batches = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          const request = pool[batches++ % pool.length];
          await client.call(EXPORT_PATH, false, request);
        }
      }),
    );
    const rate = (batches * BATCH) / ((performance.now() - started) / 1000);
    for (const c of clients) c.close();
    return { rate };
  });
}

interface ReaderReport {
  full: number[];
  fullErrors: Record<string, number>;
  cancelled: number;
  cancelOutcomes: Record<string, number>;
  /** Response bytes received by the cancelled calls, in all. */
  cancelledBytes: number;
}

/** A streamed read's outcome: spans counted (full reads only), response bytes, grpc-status (CANCELLED when the client cancelled first). */
interface ReadOutcome {
  spans: number;
  bytes: number;
  code: number;
}

/** Which client the read loops use: node:http2 directly (the default), or grpc-js with pass-through serializers, to compare the instruments. */
const READ_CLIENT: ClientKind = process.env.BENCH_READ_CLIENT === 'grpc-js' ? 'grpc-js' : 'http2';

/**
 * 20 GetTrace loops cancelled after 100 ms and 4 full-read loops, each on its own connection.
 * The read clients stand for Jaeger query services on other hosts, so their own CPU must not be
 * the limit: they speak gRPC's HTTP/2 mapping on node:http2 directly (one POST per call, the
 * request framed once by byte-client.ts), cancel with RST_STREAM(CANCEL) as grpc-js does, and
 * look inside the responses only as far as the figures need: a cancelled call counts bytes; a
 * full read splits the stream into gRPC messages and counts each message's spans from the wire.
 */
function runReaders(): void {
  serveRole(async ({ seconds, address, traceId }: Phase & { traceId: string; traceSpans: number }) => {
    const v1Request = prepareCall(READ_CLIENT, [serviceDefinition('spanReader').GetTrace.requestSerialize({ traceId: Buffer.from(traceId, 'hex') })]);
    const v2Request = prepareCall(READ_CLIENT, [serviceDefinition('traceReader').GetTraces.requestSerialize({ query: [{ traceId: Buffer.from(traceId, 'hex') }] })]);
    const until = performance.now() + seconds * 1000;
    const report: ReaderReport = { full: [], fullErrors: {}, cancelled: 0, cancelOutcomes: {}, cancelledBytes: 0 };
    const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
    const spansOf = (v2: boolean) => (message: Buffer) => (v2 ? countNested(message, [1, 2, 2]) : countNested(message, [1]));
    const loop = async (body: (read: (v2: boolean, cancelAfterMs?: number) => Promise<ReadOutcome>) => Promise<void>) => {
      const connection = READ_CLIENT === 'http2' ? await http2ReadConnection(address) : grpcJsReadConnection(address);
      try {
        await body((v2, cancelAfterMs) => connection.read(v2 ? GET_TRACES_PATH : GET_TRACE_PATH, v2 ? v2Request : v1Request, cancelAfterMs === undefined ? spansOf(v2) : undefined, cancelAfterMs));
      } finally {
        connection.close();
      }
    };
    const loops: Promise<void>[] = [];
    for (let i = 0; i < CANCELLING_READERS; i++) {
      loops.push(
        loop(async (read) => {
          while (performance.now() < until) {
            const { code, bytes } = await read(false, CANCEL_AFTER_MS);
            report.cancelledBytes += bytes;
            if (code === grpc.status.CANCELLED) report.cancelled++;
            else count(report.cancelOutcomes, grpc.status[code] ?? `no status`);
          }
        }),
      );
    }
    for (let i = 0; i < FULL_READERS; i++) {
      loops.push(
        loop(async (read) => {
          // At least one full read per reader, even when it outlasts the phase.
          do {
            const { spans, code } = await read(i % 2 === 1);
            if (code === 0) report.full.push(spans);
            else count(report.fullErrors, grpc.status[code] ?? 'no status');
          } while (performance.now() < until);
        }),
      );
    }
    await Promise.all(loops);
    return report;
  });
}

interface ReadConnection {
  /**
   * One server-streaming call of `request` (prepared for this client kind). `spansOf` given: every response
   * message is counted with it; otherwise only bytes are. `cancelAfterMs` given: cancelled then.
   */
  read(path: string, request: PreparedCall, spansOf: ((message: Buffer) => number) | undefined, cancelAfterMs?: number): Promise<ReadOutcome>;
  close(): void;
}

/** gRPC's length prefix: a compressed-flag byte and the message length, 32-bit big-endian. */
const PREFIX_BYTES = 5;
const READ_HEADERS = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' };

async function http2ReadConnection(address: string): Promise<ReadConnection> {
  const session = http2.connect(`http://${address}`);
  // A session error also ends its streams (their calls then report no status); this keeps it from being thrown.
  session.on('error', () => undefined);
  await once(session, 'connect');
  return {
    read(path, request, spansOf, cancelAfterMs) {
      return new Promise((resolve) => {
        const stream = session.request({ ...READ_HEADERS, ':path': path });
        let status: number | undefined;
        let cancelled = false;
        const outcome = { spans: 0, bytes: 0 };
        const take = (headers: http2.IncomingHttpHeaders) => {
          if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
        };
        stream.on('response', take);
        stream.on('trailers', take);
        const messages = spansOf ? new MessageSplitter((m) => (outcome.spans += spansOf(m))) : undefined;
        stream.on('data', (chunk: Buffer) => {
          outcome.bytes += chunk.length;
          messages?.push(chunk);
        });
        stream.on('error', () => undefined);
        const timer = cancelAfterMs === undefined ? undefined : setTimeout(() => ((cancelled = true), stream.close(http2.constants.NGHTTP2_CANCEL)), cancelAfterMs);
        stream.on('close', () => {
          clearTimeout(timer);
          resolve({ ...outcome, code: status ?? (cancelled ? grpc.status.CANCELLED : -1) });
        });
        stream.end(request.framed);
      });
    },
    close: () => session.close(),
  };
}

/** Splits an HTTP/2 DATA stream into gRPC messages; each byte is copied at most once (when a message spans chunks). */
class MessageSplitter {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the next piece needs: a prefix, or the body it announced. */
  private need = PREFIX_BYTES;
  private inBody = false;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= this.need) {
      const piece = this.take(this.need);
      if (this.inBody) {
        this.onMessage(piece);
        this.inBody = false;
        this.need = PREFIX_BYTES;
      } else {
        this.need = piece.readUInt32BE(1);
        this.inBody = true;
      }
    }
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) return this.chunks.shift()!;
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const used = Math.min(c.length, n - at);
      c.copy(out, at, 0, used);
      at += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}

/** The same reads through grpc-js' client (pass-through deserializer: one Buffer per message). */
function grpcJsReadConnection(address: string): ReadConnection {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  return {
    read(path, request, spansOf, cancelAfterMs) {
      return new Promise((resolve) => {
        const call = client.makeServerStreamRequest(path, passThrough, passThrough, request.messages[0]);
        const outcome = { spans: 0, bytes: 0 };
        call.on('data', (message: Buffer) => {
          outcome.bytes += message.length;
          if (spansOf) outcome.spans += spansOf(message);
        });
        call.on('error', (err: grpc.ServiceError) => resolve({ ...outcome, code: err.code }));
        call.on('end', () => resolve({ ...outcome, code: 0 }));
        if (cancelAfterMs !== undefined) setTimeout(() => call.cancel(), cancelAfterMs);
      });
    },
    close: () => client.close(),
  };
}

/** Number of length-delimited fields at `path` (field numbers, outermost first) in a protobuf message. */
function countNested(buf: Buffer, fieldPath: number[], from = 0, to = buf.length): number {
  let n = 0;
  let at = from;
  while (at < to) {
    let key = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buf[at++];
      key += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      while (buf[at++] & 0x80);
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      let len = 0;
      shift = 0;
      do {
        byte = buf[at++];
        len += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      if (field === fieldPath[0]) n += fieldPath.length === 1 ? 1 : countNested(buf, fieldPath.slice(1), at, at + len);
      at += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return n;
}

// ---- figures -----------------------------------------------------------------------------------


function summarize(xs: number[]): string {
  const distinct = [...new Set(xs)];
  return distinct.length <= 3 ? distinct.map(fmt).join(', ') : `${fmt(Math.min(...xs))}…${fmt(Math.max(...xs))}`;
}



function ms(x: number): string {
  return `${x.toFixed(1).padStart(7)} ms`;
}


if (process.argv.includes('--ingest')) runIngest();
else if (process.argv.includes('--readers')) runReaders();
else await main();
