/**
 * bench:store — 1,000,000 generated spans (50,000 traces × 20 spans, src/workload/simple-traces.ts)
 * written through SpanWriter.writeSpans into a fresh sqlite store in a temp dir, then GetTrace
 * (random ids) and FindTraces (service + one tag, limit 20) timed. With --otlp each trace first goes
 * through OTLP (otlpFromSpans → spansFromOtlp, untimed), so the spans are as an OTLP Export gives them.
 * Prints spans/s (write time only, and wall time including generation), p50/p99 read latency (ms),
 * mean CPU time per read (ms; under shared load the latencies include waiting for a core), peak
 * RSS (MB) and the file size, and the write CPU per span of the process and of the writing thread
 * (/proc; WAL checkpoints and V8 garbage-collection helpers run on threads of their own).
 * Usage: npm run bench:store [-- --traces N --spans-per-trace N --batch SPANS --otlp --write-only]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { otlpFromSpans, spansFromOtlp } from '../src/formats/otlp.js';
import type { Span } from '../src/model/index.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { Random } from '../src/workload/random.js';
import { simpleTraces } from '../src/workload/simple-traces.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TRACES = arg('traces', 50_000);
const SPANS_PER_TRACE = arg('spans-per-trace', 20);
const SERVICES = 10;
const BATCH_SPANS = arg('batch', 10_000);
const VIA_OTLP = args.includes('--otlp');
/** Skip the reads: measure the write path only. */
const WRITE_ONLY = args.includes('--write-only');
const GET_TRACE_SAMPLES = WRITE_ONLY ? 0 : 2_000;
const FIND_SAMPLES = WRITE_ONLY ? 0 : 300;

/** CPU time this thread has run, seconds (Linux schedstat: nanoseconds on a CPU). */
function threadCpuSeconds(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const fmt = (n: number, digits = 2) => n.toFixed(digits);

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-bench-'));
const file = path.join(dir, 'bench.db');
try {
  const store = await openSqliteStore(file);
  const start = Date.now() * 1000 - 3_600_000_000;
  const intervalUs = Math.floor(3_600_000_000 / TRACES);
  const traceIds: string[] = [];
  let batch: Span[] = [];
  let written = 0;
  let writeMs = 0;
  let writeCpuUs = 0;
  let writeThreadCpuS = 0;
  const wallStart = performance.now();
  const flush = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const thread0 = threadCpuSeconds();
    await store.writeSpans(batch);
    const cpu = process.cpuUsage(cpu0);
    writeThreadCpuS += threadCpuSeconds() - thread0;
    writeCpuUs += cpu.user + cpu.system;
    writeMs += performance.now() - t0;
    written += batch.length;
    batch = [];
  };
  for (const trace of simpleTraces({ seed: 42, traces: TRACES, spansPerTrace: SPANS_PER_TRACE, services: SERVICES, startTime: start, intervalUs })) {
    traceIds.push(trace.spans[0].traceId);
    for (const s of VIA_OTLP ? spansFromOtlp(otlpFromSpans(trace.spans)) : trace.spans) batch.push(s);
    if (batch.length >= BATCH_SPANS) await flush();
  }
  if (batch.length) await flush();
  const wallMs = performance.now() - wallStart;

  const rnd = new Random(7);
  const getMs: number[] = [];
  const getCpu0 = process.cpuUsage();
  for (let i = 0; i < GET_TRACE_SAMPLES; i++) {
    const traceId = rnd.pick(traceIds);
    const t0 = performance.now();
    const trace = await store.getTrace({ traceId });
    getMs.push(performance.now() - t0);
    if (trace.spans.length !== SPANS_PER_TRACE) throw new Error(`trace ${traceId}: ${trace.spans.length} spans`);
  }
  const getCpu = process.cpuUsage(getCpu0);
  const findMs: number[] = [];
  const findCpu0 = process.cpuUsage();
  let findResults = 0;
  for (let i = 0; i < FIND_SAMPLES; i++) {
    const query = {
      serviceName: `service-${rnd.int(SERVICES)}`,
      tags: { 'customer.id': `c${rnd.int(1000)}` },
      startTimeMin: start,
      startTimeMax: start + 3_600_000_000,
      limit: 20,
    };
    const t0 = performance.now();
    for await (const trace of store.findTraces(query)) findResults += trace.spans.length > 0 ? 1 : 0;
    findMs.push(performance.now() - t0);
  }
  const findCpu = process.cpuUsage(findCpu0);
  await store.close();
  getMs.sort((a, b) => a - b);
  findMs.sort((a, b) => a - b);
  const size = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`spans written:        ${written} (${TRACES} traces × ${SPANS_PER_TRACE}, batches of ${BATCH_SPANS}${VIA_OTLP ? ', received as OTLP' : ''})`);
  console.log(`write throughput:     ${Math.round(written / (writeMs / 1000))} spans/s (writeSpans time ${fmt(writeMs / 1000)} s)`);
  console.log(`  per CPU second:     ${Math.round(written / (writeCpuUs / 1e6))} spans/s (writeSpans CPU time ${fmt(writeCpuUs / 1e6)} s; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  console.log(`  CPU µs/span:        ${fmt(writeCpuUs / written)} process, ${fmt((writeThreadCpuS * 1e6) / written)} writing thread (the rest: other threads — WAL checkpoints, garbage-collection helpers)`);
  console.log(`  incl. generation:   ${Math.round(written / (wallMs / 1000))} spans/s (wall ${fmt(wallMs / 1000)} s)`);
  if (!WRITE_ONLY) {
    console.log(`GetTrace:             p50 ${fmt(percentile(getMs, 50), 3)} ms, p99 ${fmt(percentile(getMs, 99), 3)} ms (${GET_TRACE_SAMPLES} random ids; mean CPU ${fmt((getCpu.user + getCpu.system) / 1000 / GET_TRACE_SAMPLES, 3)} ms)`);
    console.log(`FindTraces:           p50 ${fmt(percentile(findMs, 50), 3)} ms, p99 ${fmt(percentile(findMs, 99), 3)} ms (${FIND_SAMPLES} queries service + customer.id, limit 20; ${(findResults / FIND_SAMPLES).toFixed(1)} traces/query; mean CPU ${fmt((findCpu.user + findCpu.system) / 1000 / FIND_SAMPLES, 3)} ms)`);
  }
  console.log(`peak RSS:             ${fmt(peakRssMb, 0)} MB`);
  console.log(`database size:        ${fmt(size / 1048576, 0)} MB (${fmt(size / written, 0)} bytes/span)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
