import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/commands/run-generate.js';
import type { Span } from '../../src/model/index.js';
import { readAllSpans } from '../../src/formats/trace-file-reader.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { defaultTopology } from '../../src/workload/default-topology.js';
import type { WorkloadLabels } from '../../src/workload/workload.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-generate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COMMON = ['--duration', '4m', '--rate', '3', '--seed', '5', '--start', '2026-02-01T10:00:00Z', '-q'];
const read = (file: string): Promise<Span[]> => readAllSpans(file, createReadStream(file));

describe('jaeger-sls generate', () => {
  it('writes a Jaeger NDJSON file and labels whose abnormal traces are in it; same seed → same bytes', async () => {
    const out = path.join(dir, 'a.ndjson');
    const labelsPath = path.join(dir, 'a.labels.json');
    const fault = 'latency:service=cart-service,delay=250ms,start=1m,end=3m';
    const r = await runCli(['generate', ...COMMON, '--output', out, '--labels', labelsPath, '--fault', fault]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spans = await read(out);
    const labels = JSON.parse(await readFile(labelsPath, 'utf8')) as WorkloadLabels;
    expect(spans.length).toBe(labels.spans);
    const traceIds = new Set(spans.map((s) => s.traceId));
    expect(traceIds.size).toBe(labels.traces);
    expect((await readFile(out, 'utf8')).trim().split('\n').length).toBe(labels.traces);
    expect(labels.faults).toHaveLength(1);
    const [f] = labels.faults;
    expect(f).toMatchObject({ type: 'latency', target: { service: 'cart-service' }, rootCauseServices: ['cart-service'], delayMs: 250, fraction: 1 });
    expect(f.window.startIso).toBe('2026-02-01T10:01:00.000Z');
    expect(f.abnormalTraceIds.length).toBeGreaterThan(10);
    const slowCart = new Set(spans.filter((s) => s.process.serviceName === 'cart-service' && s.duration > 200_000).map((s) => s.traceId));
    for (const id of f.abnormalTraceIds) {
      expect(traceIds.has(id)).toBe(true);
      expect(slowCart.has(id)).toBe(true);
    }

    const again = path.join(dir, 'b.ndjson');
    expect((await runCli(['generate', ...COMMON, '--output', again, '--fault', fault])).code).toBe(0);
    expect((await readFile(again)).equals(await readFile(out))).toBe(true);
  });

  it('writes OTLP/JSON with the same spans', async () => {
    const jaeger = path.join(dir, 'c.ndjson');
    const otlp = path.join(dir, 'c.otlp.ndjson');
    expect((await runCli(['generate', ...COMMON, '--output', jaeger])).code).toBe(0);
    expect((await runCli(['generate', ...COMMON, '--output', otlp, '--format', 'otlp'])).code).toBe(0);
    const a = await read(jaeger);
    const b = await read(otlp);
    expect(b.length).toBe(a.length);
    const byId = new Map(b.map((s) => [s.spanId, s]));
    for (const s of a) {
      const o = byId.get(s.spanId)!;
      expect(o.startTime).toBe(s.startTime);
      expect(o.duration).toBe(s.duration);
      expect(o.process.serviceName).toBe(s.process.serviceName);
      expect(o.references.map((r) => r.refType)).toEqual(s.references.map((r) => r.refType));
    }
  });

  it('writes to a store in batches', async () => {
    const store = createMemoryStore();
    const writes: number[] = [];
    const write = store.writeSpans.bind(store);
    store.writeSpans = async (spans) => {
      writes.push(spans.length);
      await write(spans);
    };
    const start = Date.UTC(2026, 1, 1, 10) * 1000;
    const summary = await runGenerate(
      { topology: defaultTopology(), seed: 3, start, duration: 120_000_000, rate: 5, load: 'flat', faults: [], sink: { kind: 'store', uri: 'memory:' }, batchSpans: 1000 },
      { openStore: async () => store },
    );
    expect(writes.length).toBeGreaterThan(5);
    expect(writes.slice(0, -1).every((n) => n >= 1000)).toBe(true);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(summary.spans);
    const services = await store.getServices();
    expect(services.length).toBeGreaterThanOrEqual(20);
    const ids = await store.findTraceIds({ startTimeMin: start, startTimeMax: start + 120_000_000 });
    expect(ids.length).toBe(summary.traces);
  });

  it('loads a topology file and a scenario file', async () => {
    const topo = path.join(dir, 'shop.yaml');
    await writeFile(
      topo,
      [
        'services:',
        '  web: { protocol: http, instances: 2, operations: { "GET /": { selfMs: 2, calls: [ { service: api, operation: Get }, { queue: jobs } ] } } }',
        '  api: { protocol: grpc, instances: 3, operations: { Get: { selfMs: 1, calls: [ { database: pg, operation: SELECT items } ] } } }',
        '  worker: { protocol: grpc, instances: 1, operations: { "jobs process": { selfMs: 5 } } }',
        'databases: { pg: { system: postgresql, latencyMs: 2 } }',
        'queues: { jobs: { system: kafka, delayMs: 10, consumers: [ { service: worker, operation: jobs process } ] } }',
        'entrypoints: [ { service: web, operation: "GET /", weight: 1 } ]',
      ].join('\n'),
    );
    const scenario = path.join(dir, 'scenario.json');
    await writeFile(scenario, JSON.stringify({ faults: [{ type: 'db-slow', database: 'pg', factor: 30, start: '1m', end: '2m' }, { type: 'error', service: 'worker', fraction: 0.5 }] }));
    const out = path.join(dir, 'small.ndjson');
    const labelsPath = path.join(dir, 'small.labels.json');
    const r = await runCli(['generate', ...COMMON, '--topology', topo, '--scenario', scenario, '--output', out, '--labels', labelsPath]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spans = await read(out);
    expect(new Set(spans.map((s) => s.process.serviceName))).toEqual(new Set(['web', 'api', 'worker']));
    const labels = JSON.parse(await readFile(labelsPath, 'utf8')) as WorkloadLabels;
    expect(labels.faults.map((f) => [f.type, f.rootCauseServices])).toEqual([
      ['db-slow', ['pg', 'api']],
      ['error', ['worker']],
    ]);
    expect(labels.faults.every((f) => f.abnormalTraceIds.length > 5)).toBe(true);
  });

  it('rejects bad usage with one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--output', path.join(dir, 'x.ndjson'), '--store', 'memory:'], /--store and --output cannot be used together/],
      [['--output', '-', '--fault', 'latency:service=nope'], /--fault "latency:service=nope": latency needs service=NAME/],
      [['--output', '-', '--topology', path.join(dir, 'missing.yaml')], /--topology .*missing\.yaml: no such file/],
      [['--output', '-', '--duration', 'soon'], /--duration: invalid duration "soon"/],
      [['--output', '-', '--rate', '0'], /--rate: expected a positive number/],
      [['--output', '-', '--fault', 'latency:service=cart-service,start=3m,end=9m'], /outside the generated period/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['generate', ...COMMON, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const cyclic = path.join(dir, 'cyclic.json');
    await writeFile(
      cyclic,
      JSON.stringify({
        services: { a: { protocol: 'http', instances: 1, operations: { x: { selfMs: 1, calls: [{ service: 'b', operation: 'y' }] } } }, b: { protocol: 'grpc', instances: 1, operations: { y: { selfMs: 1, calls: [{ service: 'a', operation: 'x' }] } } } },
        entrypoints: [{ service: 'a', operation: 'x', weight: 1 }],
      }),
    );
    const r = await runCli(['generate', ...COMMON, '--output', '-', '--topology', cyclic]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/call cycle a\/x → b\/y → a\/x/);
  });
});
