/**
 * bench:deps — `jaeger-sls deps` over 1,000,000 generated spans in a sqlite store, against DuckDB
 * doing the same edge aggregation over the same spans, measured side by side in one run.
 *
 *   npx tsc -p . && npm run bench:deps            (SPANS=200000 for a quicker run)
 *
 * Untimed setup: spans from the seeded simple-traces workload are written through
 * openStore('sqlite:…') and appended to a DuckDB table, which is also exported to Parquet.
 * Timed, RUNS rounds, each timing all three in turn (so that load from other work on a shared
 * machine falls on all of them alike), medians reported:
 *   - deps: `node bin/jaeger-sls.js deps --store sqlite:… --format json` as a child process under
 *     /usr/bin/time (wall time and peak RSS), i.e. end to end including reading the spans;
 *   - DuckDB over its in-memory table, and DuckDB reading the Parquet file in the same query:
 *     parent⋈child on (trace, span id), cross-service, GROUP BY (parent, child): calls, errors,
 *     exact p50/p90/p99 of the callee duration.
 * The call counts of both are compared; a mismatch fails the bench.
 *
 * Then the large sample (../shared/data Jaeger UI fixture, 1,238 services, 4,271 links): wall time
 * and peak RSS of `deps --links FILE --format F -o …` for every format, and the time headless
 * Chromium takes to lay out and draw the HTML page. LARGE_ONLY=1 runs just this part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium } from 'playwright-core';
import { DEPS_FORMATS } from '../src/render/deps-formats.js';
import { openStore } from '../src/storage/open-store.js';
import { parentSpanId } from '../src/model/index.js';
import type { Span } from '../src/model/index.js';
import { simpleTraces } from '../src/workload/simple-traces.js';

const SPANS = Number(process.env.SPANS ?? 1_000_000);
const SPANS_PER_TRACE = 10;
const SERVICES = 40;
const RUNS = Number(process.env.RUNS ?? 3);
const START = 1_700_000_000_000_000;
const INTERVAL_US = 1_000;
const BIN = fileURLToPath(new URL('../bin/jaeger-sls.js', import.meta.url));

const workload = () => simpleTraces({ seed: 42, traces: SPANS / SPANS_PER_TRACE, spansPerTrace: SPANS_PER_TRACE, services: SERVICES, startTime: START, intervalUs: INTERVAL_US });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function isError(span: Span): boolean {
  return span.tags.some((t) => (t.key === 'http.status_code' && t.type === 'int64' && t.value >= 500n) || (t.key === 'error' && t.type === 'bool' && t.value));
}

const LARGE = fileURLToPath(new URL('../../shared/data/sample-traces/jaeger-ui-fixtures/components__DependencyGraph__sample_data__large.json', import.meta.url));

/** Wall time (ms), CPU time (user + system, ms) and peak RSS (MB) of one CLI run under /usr/bin/time. */
function timedCli(args: string[]): { ms: number; cpuMs: number; mb: number } {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', process.execPath, BIN, ...args], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`jaeger-sls ${args.join(' ')} failed: ${res.stderr}`);
  const [secs, kb, user, sys] = res.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms: secs * 1000, cpuMs: (user + sys) * 1000, mb: kb / 1024 };
}

async function largeSample(): Promise<void> {
  if (!existsSync(LARGE)) {
    console.log(`\nlarge sample: skipped, ${LARGE} not present`);
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-deps-large-'));
  try {
    console.log(`\nlarge sample (1,238 services, 4,271 links), CLI wall time, median of ${RUNS} (target < 5 s each):`);
    for (const format of DEPS_FORMATS) {
      const runs = Array.from({ length: RUNS }, () => timedCli(['deps', '--links', LARGE, '--format', format, '--quiet', '--output', path.join(dir, `large.${format}`)]));
      console.log(`  ${format.padEnd(8)} ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s   peak RSS ${median(runs.map((r) => r.mb)).toFixed(0)} MB`);
    }
    if (!existsSync('/usr/bin/chromium')) return;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const t0 = performance.now();
        await page.goto(`file://${path.join(dir, 'large.html')}`);
        await page.waitForSelector('html[data-ready="1"]', { timeout: 60_000 });
        times.push(performance.now() - t0);
        await page.close();
      }
      console.log(`  html page in headless Chromium: laid out and drawn in ${(median(times) / 1000).toFixed(2)} s`);
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) throw new Error('dist/ missing: run `npx tsc -p .` first');
  if (process.env.LARGE_ONLY === '1') return largeSample();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-deps-'));
  try {
    const dbFile = path.join(dir, 'spans.db');
    const parquet = path.join(dir, 'spans.parquet');
    let t = performance.now();
    const store = await openStore(`sqlite:${dbFile}`);
    let batch: Span[] = [];
    for (const trace of workload()) {
      batch.push(...trace.spans);
      if (batch.length >= 10_000) {
        await store.writeSpans(batch);
        batch = [];
      }
    }
    if (batch.length) await store.writeSpans(batch);
    await store.close();
    console.log(`setup: ${SPANS.toLocaleString('en-US')} spans (${(SPANS / SPANS_PER_TRACE).toLocaleString('en-US')} traces, ${SERVICES} services) written to sqlite in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    t = performance.now();
    const duck = await DuckDBInstance.create(':memory:');
    const conn = await duck.connect();
    await conn.run('CREATE TABLE spans (trace_id VARCHAR, span_id VARCHAR, parent_id VARCHAR, service VARCHAR, duration BIGINT, error BOOLEAN)');
    const appender = await conn.createAppender('spans');
    for (const trace of workload()) {
      for (const s of trace.spans) {
        appender.appendVarchar(s.traceId);
        appender.appendVarchar(s.spanId);
        const parent = parentSpanId(s);
        if (parent === undefined) appender.appendNull();
        else appender.appendVarchar(parent);
        appender.appendVarchar(s.process.serviceName);
        appender.appendBigInt(BigInt(s.duration));
        appender.appendBoolean(isError(s));
        appender.endRow();
      }
    }
    appender.closeSync();
    await conn.run(`COPY spans TO '${parquet}' (FORMAT parquet)`);
    console.log(`setup: same spans loaded into DuckDB and exported to Parquet in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const aggregate = (from: string) => `
      WITH s AS (SELECT * FROM ${from})
      SELECT p.service AS parent, c.service AS child, count(*) AS calls,
             count(*) FILTER (WHERE c.error) AS errors,
             quantile_cont(c.duration, 0.5) AS p50, quantile_cont(c.duration, 0.9) AS p90, quantile_cont(c.duration, 0.99) AS p99
      FROM s c JOIN s p ON c.trace_id = p.trace_id AND c.parent_id = p.span_id
      WHERE p.service <> c.service
      GROUP BY 1, 2 ORDER BY 1, 2`;
    const duckRuns = (from: string) => ({ from, times: [] as number[], cpu: [] as number[], rows: [] as unknown[][] });
    const timeDuck = async (run: ReturnType<typeof duckRuns>) => {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      run.rows = (await conn.runAndReadAll(aggregate(run.from))).getRows();
      const used = process.cpuUsage(cpu0);
      run.times.push(performance.now() - t0);
      run.cpu.push((used.user + used.system) / 1000);
    };
    const table = duckRuns('spans');
    const parquetRuns = duckRuns(`read_parquet('${parquet}')`);

    const out = path.join(dir, 'deps.json');
    const depsTimes: number[] = [];
    const depsCpu: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await timeDuck(table);
      await timeDuck(parquetRuns);
      const r = timedCli(['deps', '--store', `sqlite:${dbFile}`, '--start', String(START), '--end', String(START + (SPANS / SPANS_PER_TRACE) * INTERVAL_US), '--format', 'json', '--quiet', '--output', out]);
      depsTimes.push(r.ms);
      depsCpu.push(r.cpuMs);
      rss.push(r.mb);
    }
    const duckTable = { ms: median(table.times), cpuMs: median(table.cpu), rows: table.rows };
    const duckParquet = { ms: median(parquetRuns.times), cpuMs: median(parquetRuns.cpu) };
    const report = JSON.parse(await readFile(out, 'utf8')) as { edges: { source: string; target: string; calls: number }[]; totals: { spans: number } };
    const duckCalls = new Map(duckTable.rows.map((r) => [`${r[0]}>${r[1]}`, Number(r[2])]));
    const mismatches = report.edges.filter((e) => duckCalls.get(`${e.source}>${e.target}`) !== e.calls).length + Math.abs(duckCalls.size - report.edges.length);
    conn.closeSync();
    duck.closeSync();

    const deps = median(depsTimes);
    console.log(`\nresults (median of ${RUNS}; ${report.totals.spans.toLocaleString('en-US')} spans, ${report.edges.length} edges; call counts ${mismatches === 0 ? 'identical' : `DIFFER on ${mismatches} edges`})`);
    const depsCpuMs = median(depsCpu);
    console.log(`  jaeger-sls deps (sqlite, end to end)   ${(deps / 1000).toFixed(2)} s (CPU ${(depsCpuMs / 1000).toFixed(2)} s)   peak RSS ${median(rss).toFixed(0)} MB (max ${Math.max(...rss).toFixed(0)} MB)`);
    console.log(`  DuckDB, in-memory table                ${(duckTable.ms / 1000).toFixed(3)} s (CPU ${(duckTable.cpuMs / 1000).toFixed(2)} s, all threads)   ratio deps/DuckDB ${(deps / duckTable.ms).toFixed(1)}× wall, ${(depsCpuMs / duckTable.cpuMs).toFixed(1)}× CPU`);
    console.log(`  DuckDB, reading Parquet in the query   ${(duckParquet.ms / 1000).toFixed(3)} s (CPU ${(duckParquet.cpuMs / 1000).toFixed(2)} s, all threads)   ratio deps/DuckDB ${(deps / duckParquet.ms).toFixed(1)}× wall, ${(depsCpuMs / duckParquet.cpuMs).toFixed(1)}× CPU`);
    console.log(`  load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
    console.log(`  targets: ≤ 2× DuckDB, RSS ≤ 300 MB`);
    if (mismatches) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await largeSample();
}

await main();
