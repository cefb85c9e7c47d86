/**
 * `deps` end to end over every source: http:// (a Jaeger query API server in the test), file:,
 * sqlite:, grpc:// against a spawned `jaeger-sls serve`, and --links. The CLI runs from bin/ (needs
 * a built dist/). Every source must give the same graph as the in-memory reference.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaegerJsonFromTrace } from '../../src/formats/jaeger-json.js';
import { NotSupportedError, StorageUnavailableError, TraceNotFoundError } from '../../src/model/index.js';
import { runDeps } from '../../src/commands/run-deps.js';
import { openStore } from '../../src/storage/open-store.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Store } from '../../src/storage/types.js';
import { runCli } from '../support/cli.js';
import { SHOP_WINDOW, shopTraces } from '../support/deps-workload.js';
import { startJaegerQueryServer } from '../support/jaeger-query-server.js';
import type { JaegerQueryServer } from '../support/jaeger-query-server.js';
import { startServe } from '../support/serve-harness.js';
import type { ServeProcess } from '../support/serve-harness.js';

const traces = shopTraces();
const WINDOW_ARGS = ['--start', String(SHOP_WINDOW.start), '--end', String(SHOP_WINDOW.end)];

async function memoryWithShop(): Promise<Store> {
  const store = createMemoryStore();
  for (const t of traces) await store.writeSpans(t.spans);
  return store;
}

/** The reference: the report computed in-process over the memory store. */
async function referenceJson(): Promise<Record<string, unknown>> {
  const report = await runDeps({ source: { kind: 'store', uri: 'memory:', window: SHOP_WINDOW }, level: 'service' }, { openStore: async () => memoryWithShop() });
  return JSON.parse(JSON.stringify(report));
}

async function depsJson(args: string[]): Promise<Record<string, unknown>> {
  const res = await runCli(['deps', ...args, '--format', 'json', '--quiet']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout);
}

let dir: string;
let reference: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deps-sources-'));
  reference = await referenceJson();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('http:// — Jaeger query API', () => {
  let server: JaegerQueryServer & { failNext(): void };

  beforeAll(async () => {
    server = await startJaegerQueryServer(await memoryWithShop());
  });
  afterAll(async () => server?.close());

  it('reads services, operations, traces and dependencies through the store contract', async () => {
    const memory = await memoryWithShop();
    const store = await openStore(`${server.url}?limit=7`);
    expect(await store.getServices()).toEqual(await memory.getServices());
    expect(await store.getOperations({ serviceName: 'checkout' })).toEqual(await memory.getOperations({ serviceName: 'checkout' }));
    const id = traces[3].spans[0].traceId;
    const t = await store.getTrace({ traceId: id });
    expect(t.spans.map((s) => s.spanId).sort()).toEqual(traces[3].spans.map((s) => s.spanId).sort());
    await expect(store.getTrace({ traceId: 'f'.repeat(32) })).rejects.toBeInstanceOf(TraceNotFoundError);
    expect(await store.getDependencies(SHOP_WINDOW.end, SHOP_WINDOW.end - SHOP_WINDOW.start)).toEqual(await memory.getDependencies(SHOP_WINDOW.end, SHOP_WINDOW.end - SHOP_WINDOW.start));
    await expect(store.writeSpans(traces[0].spans)).rejects.toBeInstanceOf(NotSupportedError);
    await store.close();
  });

  it('pages backwards through the window without a service and yields each trace once', async () => {
    const store = await openStore(`${server.url}?limit=7`);
    const before = server.requests.length;
    const ids: string[] = [];
    for await (const t of store.findTraces({ startTimeMin: SHOP_WINDOW.start, startTimeMax: SHOP_WINDOW.end })) ids.push(t.spans[0].traceId);
    expect(ids).toHaveLength(traces.length);
    expect(new Set(ids).size).toBe(traces.length);
    const pages = server.requests.slice(before).filter((r) => r.startsWith('/api/traces?'));
    expect(pages.length).toBeGreaterThan(traces.length / 7);
    expect(pages.every((r) => /limit=7/.test(r) && /service=/.test(r))).toBe(true);
  });

  it('maps failures to typed errors', async () => {
    const store = await openStore(server.url);
    server.failNext();
    await expect(store.getServices()).rejects.toBeInstanceOf(StorageUnavailableError);
    const closed = await startJaegerQueryServer(createMemoryStore());
    await closed.close();
    const gone = await openStore(closed.url);
    await expect(gone.getServices()).rejects.toThrow(/cannot reach Jaeger query at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    await expect(openStore('http://user:secret@127.0.0.1:1')).rejects.toThrow(/must not carry credentials/);
  });

  it('deps over http:// equals the in-memory reference', async () => {
    expect(await depsJson(['--store', server.url, ...WINDOW_ARGS])).toEqual(reference);
  });
});

describe('deps CLI questions and errors (http://)', () => {
  let server: JaegerQueryServer & { failNext(): void };
  beforeAll(async () => {
    server = await startJaegerQueryServer(await memoryWithShop());
  });
  afterAll(async () => server?.close());

  it('--service/--depth keeps the neighbourhood', async () => {
    const json = (await depsJson(['--store', server.url, ...WINDOW_ARGS, '--service', 'payments', '--depth', '1'])) as { nodes: { id: string }[]; query: unknown };
    expect(json.nodes.map((n) => n.id)).toEqual(['checkout', 'fraud', 'payments']);
    expect(json.query).toEqual({ kind: 'neighbourhood', service: 'payments', depth: 1 });
  });

  it('--path lists call paths; cycles are reported', async () => {
    const json = (await depsJson(['--store', server.url, ...WINDOW_ARGS, '--path', 'frontend', 'fraud'])) as { query: { paths: string[][] }; cycles: unknown[] };
    expect(json.query.paths).toEqual([['frontend', 'checkout', 'payments', 'fraud']]);
    expect(json.cycles).toEqual([{ nodes: ['fraud', 'payments'], example: ['fraud', 'payments', 'fraud'] }]);
  });

  it('--diff compares with the previous window', async () => {
    const json = (await depsJson(['--store', server.url, '--start', String(SHOP_WINDOW.start + 300_000_000), '--end', String(SHOP_WINDOW.end), '--diff'])) as { diff: { baselineWindow: { startUs: number; endUs: number }; edges: unknown[] } };
    expect(json.diff.baselineWindow.endUs).toBeLessThan(SHOP_WINDOW.start + 300_000_000);
    expect(json.diff.baselineWindow).toMatchObject({ startUs: SHOP_WINDOW.start - 1, endUs: SHOP_WINDOW.start + 300_000_000 - 1 });
    expect(Array.isArray(json.diff.edges)).toBe(true);
  });

  it('writes --output files and reports where on stderr', async () => {
    const out = path.join(dir, 'graph.dot');
    const res = await runCli(['deps', '--store', server.url, ...WINDOW_ARGS, '--format', 'dot', '--output', out]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`to ${out}`);
    expect(await readFile(out, 'utf8')).toMatch(/^digraph dependencies \{/);
  });

  it.each([
    [['--service', 'nope'], 2, /^jaeger-sls: unknown service "nope": not in the dependency graph \(8 services, e\.g\. cart, checkout/],
    [['--path', 'frontend'], 2, /^jaeger-sls: --path takes two services/],
    [['--depth', '2'], 2, /^jaeger-sls: --depth needs --service/],
    [['--format', 'svg'], 2, /svg/],
    [['--since', 'soon'], 2, /^jaeger-sls: --since: invalid duration "soon"/],
  ])('bad input %j → one line, exit %i', async (args, code, message) => {
    const res = await runCli(['deps', '--store', server.url, ...(args.includes('--since') ? [] : WINDOW_ARGS), ...args]);
    expect(res.code).toBe(code);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
  });

  it('an empty window is "no data": one line, exit 3', async () => {
    const res = await runCli(['deps', '--store', server.url, '--start', '2001-01-01T00:00:00Z', '--end', '2001-01-01T01:00:00Z']);
    expect(res.code).toBe(3);
    expect(res.stderr.trim()).toBe(`jaeger-sls: no traces in the window 2001-01-01T00:00:00.000Z .. 2001-01-01T01:00:00.000Z in ${server.url}`);
  });

  it('an unreachable source is a one-line runtime error (exit 1)', async () => {
    const closed = await startJaegerQueryServer(createMemoryStore());
    await closed.close();
    const res = await runCli(['deps', '--store', closed.url, '--since', '1h']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^jaeger-sls: cannot reach Jaeger query at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });
});

describe('file:, sqlite:, grpc:// and --links', () => {
  it('file: a folder of Jaeger JSON files', async () => {
    const folder = path.join(dir, 'traces');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    await writeFile(path.join(folder, 'a.json'), JSON.stringify({ data: traces.slice(0, 30).map(jaegerJsonFromTrace) }));
    await writeFile(path.join(folder, 'b.json'), JSON.stringify({ data: traces.slice(30).map(jaegerJsonFromTrace) }));
    expect(await depsJson(['--store', `file:${folder}`, ...WINDOW_ARGS])).toEqual(reference);
  });

  it('sqlite: a store file written through the store contract', async () => {
    const file = path.join(dir, 'deps.db');
    const store = await openStore(`sqlite:${file}`);
    for (const t of traces) await store.writeSpans(t.spans);
    await store.close();
    expect(await depsJson(['--store', `sqlite:${file}`, ...WINDOW_ARGS])).toEqual(reference);
  });

  describe('grpc:// against a running jaeger-sls serve', () => {
    let serve: ServeProcess;
    beforeAll(async () => {
      serve = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:']);
      const store = await openStore(`grpc://${serve.address}`);
      for (const t of traces) await store.writeSpans(t.spans);
      await store.close();
    });
    afterAll(async () => {
      await serve?.stop();
    });

    it('gives the same graph', async () => {
      expect(await depsJson(['--store', `grpc://${serve.address}`, ...WINDOW_ARGS])).toEqual(reference);
    });
  });

  it('--links renders a Jaeger links file', async () => {
    const file = path.join(dir, 'links.json');
    await writeFile(file, JSON.stringify({ data: [{ parent: 'a', child: 'b', callCount: 3 }, { parent: 'b', child: 'c', callCount: 1 }] }));
    const res = await runCli(['deps', '--links', file, '--format', 'mermaid']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('n0 -->|"3 calls"| n1');
    const bad = await runCli(['deps', '--links', path.join(dir, 'missing.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^jaeger-sls: --links .*missing\.json: cannot read \(ENOENT\)$/);
  });
});
