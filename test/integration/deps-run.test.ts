/** runDeps and parseDepsOptions in-process: questions, levels, links, diff and usage errors. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDepsOptions } from '../../src/commands/deps.js';
import { runDeps } from '../../src/commands/run-deps.js';
import type { DepsOptions } from '../../src/commands/run-deps.js';
import { InvalidArgumentError, NoDataError } from '../../src/model/index.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Store } from '../../src/storage/types.js';
import { SHOP_WINDOW, shopTraces } from '../support/deps-workload.js';

async function shopStore(): Promise<Store> {
  const store = createMemoryStore();
  for (const t of shopTraces()) await store.writeSpans(t.spans);
  return store;
}

const services = { openStore: async () => shopStore() };
const base: DepsOptions = { source: { kind: 'store', uri: 'memory:', window: SHOP_WINDOW }, level: 'service' };

describe('runDeps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deps-run-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads every service in the window, reporting progress and closing the store', async () => {
    let closed = false;
    const seen: number[] = [];
    const report = await runDeps(base, {
      openStore: async () => {
        const s = await shopStore();
        return { ...s, close: async () => void (closed = true) };
      },
      progress: (traces) => seen.push(traces),
    });
    expect(report.totals).toMatchObject({ traces: 60, spans: 721, nodes: 8, edges: 8 });
    expect(seen.at(-1)).toBe(60);
    expect(closed).toBe(true);
  });

  it('--level operation builds service::operation nodes and keeps only callers, callees and entries', async () => {
    const report = await runDeps({ ...base, level: 'operation' }, services);
    const ids = report.nodes.map((n) => n.id);
    expect(ids).toContain('checkout::payments.Charge');
    expect(ids).toContain('payments::Charge');
    expect(ids).toContain('frontend::GET /checkout');
    expect(report.edges.find((e) => e.source === 'checkout::payments.Charge' && e.target === 'payments::Charge')).toMatchObject({ calls: 60, errors: 6 });
    // Internal-only operations with no calls and no edges are left out.
    for (const n of report.nodes) expect(n.calls > 0 || report.edges.some((e) => e.source === n.id || e.target === n.id)).toBe(true);
  });

  it('neighbourhood depth 0 keeps only the service; depth 2 reaches two hops', async () => {
    expect((await runDeps({ ...base, service: 'cart', depth: 0 }, services)).nodes.map((n) => n.id)).toEqual(['cart']);
    expect((await runDeps({ ...base, service: 'cart', depth: 2 }, services)).nodes.map((n) => n.id)).toEqual(['cart', 'checkout', 'frontend', 'redis-cart']);
  });

  it('unknown services are usage errors naming some known ones', async () => {
    await expect(runDeps({ ...base, service: 'nope' }, services)).rejects.toThrow(InvalidArgumentError);
    await expect(runDeps({ ...base, path: ['frontend', 'nope'] }, services)).rejects.toThrow(/unknown service "nope"/);
  });

  it('an empty window is a NoDataError (exit 3)', async () => {
    await expect(runDeps({ ...base, source: { kind: 'store', uri: 'memory:', window: { start: 0, end: 1000 } } }, services)).rejects.toThrow(NoDataError);
  });

  it('diffs two links files', async () => {
    const before = path.join(dir, 'before.json');
    const after = path.join(dir, 'after.json');
    await writeFile(before, JSON.stringify([{ parent: 'a', child: 'b', callCount: 100 }, { parent: 'a', child: 'c', callCount: 5 }]));
    await writeFile(after, JSON.stringify({ data: [{ parent: 'a', child: 'b', callCount: 400 }, { parent: 'b', child: 'd', callCount: 1 }] }));
    const report = await runDeps({ source: { kind: 'links', file: after }, level: 'service', baseline: { kind: 'links', file: before } }, services);
    expect(report.diff!.edges.map((e) => [e.change, `${e.source}>${e.target}`, e.reasons])).toEqual([
      ['new', 'b>d', []],
      ['vanished', 'a>c', []],
      ['changed', 'a>b', ['calls']],
    ]);
  });
});

describe('parseDepsOptions', () => {
  const now = 1_700_000_000_000_000;
  const raw = { store: 'memory:', level: 'service' as const, format: 'table' as const };

  it('defaults to the last hour ending now', () => {
    expect(parseDepsOptions(raw, now).source).toEqual({ kind: 'store', uri: 'memory:', window: { start: now - 3_600_000_000, end: now } });
  });

  it('accepts ISO, epoch and relative times', () => {
    const o = parseDepsOptions({ ...raw, start: '2023-11-14T22:00:00.000250Z', end: 'now-5m' }, now);
    expect(o.source).toMatchObject({ window: { start: now - 800_000_000 + 250, end: now - 300_000_000 } });
    expect(parseDepsOptions({ ...raw, start: '1700000000', end: '1700000600000' }, now).source).toMatchObject({ window: { start: now, end: now + 600_000_000 } });
  });

  it('derives the baseline: previous window by default, shifted, or explicit', () => {
    const w = { start: now - 3_600_000_000, end: now };
    expect(parseDepsOptions({ ...raw, diff: true }, now).baseline).toMatchObject({ window: { start: w.start - 3_600_000_001, end: w.start - 1 } });
    expect(parseDepsOptions({ ...raw, diff: true, baselineShift: '1d' }, now).baseline).toMatchObject({ window: { start: w.start - 86_400_000_000, end: w.end - 86_400_000_000 } });
    expect(parseDepsOptions({ ...raw, diff: true, baselineStart: 'now-3h', baselineEnd: 'now-2h' }, now).baseline).toMatchObject({ window: { start: now - 10_800_000_000, end: now - 7_200_000_000 } });
  });

  it.each([
    [{ since: '1h', start: 'now-2h' }, /--since and --start cannot be used together/],
    [{ start: 'now', end: 'now-1h' }, /empty time window/],
    [{ links: 'x.json', since: '1h' }, /--links reads a links file/],
    [{ links: 'x.json', level: 'operation' }, /--level operation needs traces/],
    [{ service: 'a', path: ['a', 'b'] }, /ask different questions/],
    [{ service: 'a', depth: '-1' }, /--depth: expected a non-negative integer/],
    [{ baselineShift: '1h' }, /need --diff/],
    [{ diff: true, format: 'dot' }, /--diff is shown as table or json/],
    [{ diff: true, baselineStart: 'now-1h' }, /go together/],
    [{ diff: true, links: 'x.json' }, /needs --baseline-links/],
    [{ since: '0s' }, /must be greater than 0/],
    [{ end: 'yesterday' }, /--end: invalid time "yesterday"/],
  ])('rejects %j', (extra, message) => {
    expect(() => parseDepsOptions({ ...raw, ...extra } as Parameters<typeof parseDepsOptions>[0], now)).toThrow(message);
  });
});

describe('shared option parsers', () => {
  it('parses durations in every unit, combined, and bare seconds', async () => {
    const { parseDuration, parseTimestamp, resolveTimeWindow } = await import('../../src/commands/shared-options.js');
    expect(parseDuration('1h30m')).toBe(5_400_000_000);
    expect(parseDuration('500ms')).toBe(500_000);
    expect(parseDuration('250us')).toBe(250);
    expect(parseDuration('2d')).toBe(172_800_000_000);
    expect(parseDuration('1w')).toBe(604_800_000_000);
    expect(parseDuration('90')).toBe(90_000_000);
    expect(() => parseDuration('1h-5m', '--since')).toThrow(/--since: invalid duration "1h-5m"/);
    const now = 1_700_000_000_123_456;
    expect(parseTimestamp('now', '--end', now)).toBe(now);
    expect(parseTimestamp('now+1s', '--end', now)).toBe(now + 1_000_000);
    expect(parseTimestamp('1700000000123456', '--end', now)).toBe(1_700_000_000_123_456);
    expect(parseTimestamp('1700000000123', '--end', now)).toBe(1_700_000_000_123_000);
    expect(parseTimestamp('2023-11-14T22:13:20.123456Z', '--end', now)).toBe(1_700_000_000_123_456);
    expect(parseTimestamp('2023-11-15T00:13:20+02:00', '--end', now)).toBe(1_700_000_000_000_000);
    expect(resolveTimeWindow({ since: '10m', end: '1700000000' }, now)).toEqual({ start: 1_699_999_400_000_000, end: 1_700_000_000_000_000 });
  });
});
