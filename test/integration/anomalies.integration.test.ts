/**
 * `jaeger-sls anomalies` end to end: `generate` writes a labelled fault workload, the CLI analyses
 * it from the store, and the answer is checked against the labels. Uses a sqlite store when the
 * sqlite backend is available, otherwise a trace file (`file:`) — both through `--store`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyReport } from '../../src/analysis/anomaly-report.js';
import { openStore } from '../../src/storage/open-store.js';
import { runCli } from '../support/cli.js';

let dir: string;
let store: string;
let labels: { abnormalTraceIds: string[]; faults: { rootCauseServices: string[] }[] };
const WINDOW = ['--start', '2026-03-01T10:20:00Z', '--end', '2026-03-01T10:30:00Z', '--baseline', '20m'];

async function sqliteAvailable(file: string): Promise<boolean> {
  try {
    const s = await openStore(`sqlite:${file}`);
    await s.close();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-anomalies-'));
  const useSqlite = await sqliteAvailable(path.join(dir, 'probe.db'));
  store = useSqlite ? `sqlite:${path.join(dir, 'traces.db')}` : `file:${path.join(dir, 'traces.ndjson')}`;
  if (!useSqlite) console.log('anomalies integration: sqlite backend not available yet, using a file: store');
  const target = useSqlite ? ['--store', store] : ['--output', path.join(dir, 'traces.ndjson')];
  const gen = await runCli(
    ['generate', ...target, '--start', '2026-03-01T10:00:00Z', '--duration', '30m', '--rate', '1.5', '--seed', '11', '--fault', 'latency:service=cart-service,delay=300ms,start=20m,end=30m', '--labels', path.join(dir, 'labels.json'), '--quiet'],
    { timeoutMs: 120_000 },
  );
  expect(gen.stderr).toBe('');
  expect(gen.code).toBe(0);
  labels = JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8'));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('jaeger-sls anomalies (CLI)', () => {
  it('names the faulty service first and labels the abnormal traces (json)', async () => {
    // Every abnormal trace listed (--max-traces), to score the per-trace labels.
    const r = await runCli(['anomalies', '--store', store, ...WINDOW, '--format', 'json', '--max-traces', '1000000', '--quiet'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AnomalyReport;
    expect(report.version).toBe(1);
    expect(report.window.start).toBe(Date.parse('2026-03-01T10:20:00Z') * 1000);
    expect(report.baseline.end).toBe(report.window.start - 1);
    expect(report.baseline.traces).toBeGreaterThan(1000);
    expect(labels.faults[0].rootCauseServices).toContain(report.rootCauses[0].service);
    expect(report.rootCauses[0]).toMatchObject({ rank: 1, service: 'cart-service' });
    expect(report.rootCauses[0].evidence.signals.selfTime).toBeGreaterThan(0);
    const truth = new Set(labels.abnormalTraceIds);
    const flagged = report.abnormalTraces.map((t) => t.traceId);
    expect(flagged.length).toBe(report.window.abnormalTraces);
    expect(report.abnormalTracesOmitted).toBe(0);
    const tp = flagged.filter((id) => truth.has(id)).length;
    const precision = tp / flagged.length;
    const recall = tp / truth.size;
    expect((2 * precision * recall) / (precision + recall)).toBeGreaterThan(0.9);
  });

  it('prints the evidence table by default', async () => {
    const r = await runCli(['anomalies', '--store', store, ...WINDOW, '--top', '3', '--method', 'dstar', '--pagerank', '--quiet'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Anomalies 2026-03-01T10:20:00\.000Z \.\. 2026-03-01T10:30:00\.000Z: [\d,]+ abnormal of [\d,]+ traces/);
    expect(r.stdout).toMatch(/dstar \+ PageRank/);
    expect(r.stdout).toMatch(/│ 1 +│ cart-service +│/);
    expect(r.stdout).toContain('Shifted operations');
  });

  it('an empty window is "no data": one line on stderr, nothing on stdout, exit 3', async () => {
    const r = await runCli(['anomalies', '--store', store, '--start', '2026-03-02T10:00:00Z', '--end', '2026-03-02T11:00:00Z', '--format', 'markdown'], { timeoutMs: 120_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^jaeger-sls: no traces in the window 2026-03-02T10:00:00\.000Z – 2026-03-02T11:00:00\.000Z: nothing to analyse\n$/);
    expect(r.stdout).toBe('');
  });

  it('rejects bad flags with one line and exit 2', async () => {
    for (const args of [
      ['--method', 'tarantula'],
      ['--baseline-start', '2026-03-01T10:00:00Z'],
      ['--top', '0'],
      ['--baseline', 'soon'],
    ]) {
      const r = await runCli(['anomalies', '--store', store, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^jaeger-sls: /);
    }
  });
});
