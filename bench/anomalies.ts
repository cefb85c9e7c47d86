/**
 * Benchmark (not a test): `anomalies` over 1,000,000 spans (baseline + incident window) in a sqlite
 * store. Writes the fault workload (default topology, a +300 ms latency fault on cart-service in the
 * window) to a fresh sqlite file, then analyses it in a child process per run, so each run's peak
 * RSS is its own. Prints per run and the median of 3 runs, side by side: the two findTraces scans
 * alone (read-only: the store's share), runAnomalies with Ochiai, and with Ochiai + PageRank — wall
 * time, CPU time and peak RSS of the analysing process. Target: ≤ 10 s, ≤ 500 MB.
 * The analysing child runs the built code in dist/ (the npm script builds it first), the code
 * `jaeger-sls anomalies` runs: tsx's on-the-fly transpilation of src/ adds its own helpers (a
 * `__name` call for every closure created) and cost 5–10 % more CPU on this workload (paired runs).
 *
 *   npm run bench:anomalies [-- spans=1000000]       BENCH_DB=/path/x.db reuses (or keeps) the store
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Span } from '../src/model/index.js';
import { openStore } from '../src/storage/open-store.js';
import { defaultTopology } from '../src/workload/default-topology.js';
import { generateWorkload } from '../src/workload/workload.js';

const MINUTE = 60_000_000;
const START = Date.UTC(2026, 2, 1, 10) * 1000;
const BASELINE = { start: START, end: START + 50 * MINUTE - 1 };

if (process.argv[2] === '--analyse') {
  await analyse(process.argv[3], Number(process.argv[4]), process.argv[5]);
} else {
  await main();
}

/** Child: one timed analysis (or, for `read-only`, the same two findTraces scans alone) with the built dist/; prints one JSON line. */
async function analyse(uri: string, windowEnd: number, variant: string): Promise<void> {
  const dist = new URL('../dist/', import.meta.url);
  if (!existsSync(new URL('commands/run-anomalies.js', dist))) throw new Error(`no build in ${fileURLToPath(dist)}: run npm run build (npm run bench:anomalies does)`);
  const { runAnomalies } = (await import(new URL('commands/run-anomalies.js', dist).href)) as typeof import('../src/commands/run-anomalies.js');
  const { openStore } = (await import(new URL('storage/open-store.js', dist).href)) as typeof import('../src/storage/open-store.js');
  const store = await openStore(uri, { readOnly: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let out: { spans: number; traces: number; abnormal: number; top: string };
  if (variant === 'read-only') {
    out = { spans: 0, traces: 0, abnormal: 0, top: '-' };
    for (const [startTimeMin, startTimeMax] of [[BASELINE.start, BASELINE.end], [BASELINE.end + 1, windowEnd]]) {
      for await (const t of store.findTraces({ startTimeMin, startTimeMax })) {
        out.traces++;
        out.spans += t.spans.length;
      }
    }
  } else {
    const report = await runAnomalies(store, { window: { start: BASELINE.end + 1, end: windowEnd }, baseline: BASELINE, top: 5, method: 'ochiai', pagerank: variant.includes('pagerank') });
    out = { spans: report.window.spans + report.baseline.spans, traces: report.window.traces + report.baseline.traces, abnormal: report.window.abnormalTraces, top: report.rootCauses[0]?.service ?? '-' };
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, ...out }));
}

async function main(): Promise<void> {
  const target = Number(process.argv.find((a) => a.startsWith('spans='))?.slice(6) ?? 1_000_000);
  const keep = process.env.BENCH_DB;
  const dir = keep ? undefined : await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-anomalies-'));
  const file = keep ?? path.join(dir!, 'traces.db');
  const uri = `sqlite:${file}`;
  let windowEnd: number;
  try {
    if (keep && existsSync(file)) {
      windowEnd = START + 200 * MINUTE;
      console.log(`reusing ${file}`);
    } else {
      const t0 = performance.now();
      windowEnd = await writeWorkload(uri, target);
      console.log(`wrote ${target.toLocaleString('en-US')} spans to ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const runs: Record<string, { ms: number; cpuMs: number; maxRssMB: number; spans: number; traces: number; abnormal: number; top: string }[]> = { 'read-only': [], ochiai: [], 'ochiai+pagerank': [] };
    for (let i = 0; i < 3; i++) {
      for (const variant of Object.keys(runs)) {
        const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--analyse', uri, String(windowEnd), variant], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`analysis run failed: ${child.stderr}`);
        const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
        runs[variant].push(r);
        console.log(`run ${i + 1} ${variant.padEnd(16)} ${(r.ms / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s)  peak RSS ${Math.round(r.maxRssMB)} MB  (${r.spans.toLocaleString('en-US')} spans, ${r.traces.toLocaleString('en-US')} traces, ${r.abnormal} abnormal, top ${r.top})`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const base = median(runs['read-only'].map((r) => r.ms));
    for (const [variant, rs] of Object.entries(runs)) {
      const ms = median(rs.map((r) => r.ms));
      const cpuMs = median(rs.map((r) => r.cpuMs));
      console.log(`median ${variant.padEnd(16)} ${(ms / 1000).toFixed(2)} s (×${(ms / base).toFixed(2)} of read-only; CPU ${(cpuMs / 1000).toFixed(2)} s)  peak RSS max ${Math.round(Math.max(...rs.map((r) => r.maxRssMB)))} MB  — target ≤ 10 s, ≤ 500 MB`);
    }
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Baseline 50 min, then the incident window with the fault from minute 55; stops at `target` spans. Returns the window end (µs). */
async function writeWorkload(uri: string, target: number): Promise<number> {
  const store = await openStore(uri);
  const fault = { type: 'latency' as const, service: 'cart-service', start: START + 55 * MINUTE, end: START + 200 * MINUTE, fraction: 1, delayMs: 300 };
  let written = 0;
  let last = START;
  let batch: Span[] = [];
  try {
    for (const g of generateWorkload({ topology: defaultTopology(), seed: 42, start: START, duration: 200 * MINUTE, rate: 10, load: 'flat', faults: [fault] })) {
      const spans = g.trace.spans.slice(0, target - written);
      batch.push(...spans);
      written += spans.length;
      last = g.startTime;
      if (batch.length >= 5000) {
        await store.writeSpans(batch);
        batch = [];
      }
      if (written >= target) break;
    }
    if (batch.length) await store.writeSpans(batch);
  } finally {
    await store.close();
  }
  return last;
}
