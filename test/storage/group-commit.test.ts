import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { InvalidArgumentError } from '../../src/model/index.js';
import { withGroupCommit } from '../../src/storage/group-commit.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/types.js';

const TRACE = '0123456789abcdef0123456789abcdef';

function span(n: number, spanId = (n + 1).toString(16).padStart(16, '0')): Span {
  return {
    traceId: TRACE,
    spanId,
    operationName: `op-${n}`,
    references: [],
    flags: 1,
    startTime: 1_700_000_000_000_000 + n,
    duration: 10,
    tags: [],
    logs: [],
    process: { serviceName: 'svc', tags: [] },
    warnings: [],
  };
}

/** A memory store whose writeSpans records each call's span ids and can be held open by a gate. */
function recordingStore(): { store: Store; calls: string[][]; hold(): () => void } {
  const store = createMemoryStore();
  const calls: string[][] = [];
  let gate: Promise<void> | undefined;
  const write = store.writeSpans.bind(store);
  store.writeSpans = async (spans) => {
    calls.push(spans.map((s) => s.operationName));
    if (gate) await gate;
    return write(spans);
  };
  return {
    store,
    calls,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

const ops = (spans: readonly Span[]) => spans.map((s) => s.operationName).sort();

describe('storage/group-commit', () => {
  it('merges the writes of one event-loop turn, and those queued behind a running commit, into single backend writes', async () => {
    const { store, calls, hold } = recordingStore();
    const grouped = withGroupCommit(store);
    const release = hold();
    const acknowledged: number[] = [];
    const write = (n: number) => grouped.writeSpans([span(n)]).then(() => acknowledged.push(n));
    const firstTurn = [write(0), write(1)];
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['op-0', 'op-1']]);
    const queued = [write(2), write(3)];
    await new Promise((r) => setTimeout(r, 5));
    expect(calls, 'nothing more is written while the first commit runs').toEqual([['op-0', 'op-1']]);
    expect(acknowledged, 'nobody is acknowledged before the backend write finishes').toEqual([]);
    release();
    await Promise.all([...firstTurn, ...queued]);
    expect(calls).toEqual([['op-0', 'op-1'], ['op-2', 'op-3']]);
    expect(acknowledged).toEqual([0, 1, 2, 3]);
    expect(ops((await grouped.getTrace({ traceId: TRACE })).spans)).toEqual(['op-0', 'op-1', 'op-2', 'op-3']);
  });

  it('gives each caller its own outcome when a merged write fails: the malformed batch alone is refused', async () => {
    const { store, calls } = recordingStore();
    const grouped = withGroupCommit(store);
    const good = grouped.writeSpans([span(0)]);
    const bad = grouped.writeSpans([span(1, 'not-a-span-id')]);
    const alsoGood = grouped.writeSpans([span(2)]);
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow(InvalidArgumentError);
    await expect(alsoGood).resolves.toBeUndefined();
    expect(calls).toEqual([['op-0', 'op-1', 'op-2'], ['op-0'], ['op-1'], ['op-2']]);
    expect(ops((await grouped.getTrace({ traceId: TRACE })).spans)).toEqual(['op-0', 'op-2']);
  });

  it('caps a merged write at maxSpans; a single larger write goes alone', async () => {
    const { store, calls } = recordingStore();
    const grouped = withGroupCommit(store, 5);
    const three = (n: number) => [span(n), span(n + 1), span(n + 2)];
    await Promise.all([grouped.writeSpans([span(0)]), grouped.writeSpans(three(1)), grouped.writeSpans(three(4)), grouped.writeSpans([...three(7), ...three(10)])]);
    expect(calls.map((c) => c.length)).toEqual([4, 3, 6]);
  });

  it('keeps tenants apart and merges each tenant\'s writes separately', async () => {
    const { store, calls } = recordingStore();
    const grouped = withGroupCommit(store);
    expect(grouped.forTenant('a')).toBe(grouped.forTenant('a'));
    await Promise.all([grouped.forTenant('a').writeSpans([span(0)]), grouped.forTenant('a').writeSpans([span(1)]), grouped.forTenant('b').writeSpans([span(2)])]);
    expect(ops((await grouped.forTenant('a').getTrace({ traceId: TRACE })).spans)).toEqual(['op-0', 'op-1']);
    expect(ops((await grouped.forTenant('b').getTrace({ traceId: TRACE })).spans)).toEqual(['op-2']);
    await expect(grouped.getTrace({ traceId: TRACE })).rejects.toThrow();
    // The recording wraps only the default tenant's writer; the others' writes go to their own views.
    expect(calls).toEqual([]);
  });

  describe('on a SQLite file', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('close() commits every write handed over before closing the backend', async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-group-commit-'));
      const file = path.join(dir, 'g.db');
      const grouped = withGroupCommit(await openSqliteStore(file));
      const writes = Array.from({ length: 50 }, (_, n) => grouped.writeSpans([span(n)]));
      const archived = grouped.archive!.writeSpans([span(99)]);
      await grouped.close();
      await Promise.all([...writes, archived]);
      const reopened = await openSqliteStore(file, { readOnly: true });
      try {
        expect((await reopened.getTrace({ traceId: TRACE })).spans).toHaveLength(50);
        expect(ops((await reopened.archive!.getTrace({ traceId: TRACE })).spans)).toEqual(['op-99']);
      } finally {
        await reopened.close();
      }
    });

    it('passes the backend\'s streamed reads (getTraceParts) through, for the store, tenants and the archive', async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-group-commit-'));
      const store = await openSqliteStore(path.join(dir, 'p.db'));
      try {
        // Three writes awaited one by one: three stored chunks, read back as three parts.
        for (const n of [0, 1, 2]) await store.writeSpans([span(n)]);
        for (const n of [3, 4]) await store.archive!.writeSpans([span(n)]);
        await store.forTenant('t').writeSpans([span(5)]);
        const parts = async (from: { getTraceParts?: (q: { traceId: string }) => AsyncIterable<Span[]> } | undefined) => {
          const out: string[][] = [];
          for await (const part of from!.getTraceParts!({ traceId: TRACE })) out.push(ops(part));
          return out;
        };
        expect(await parts(store)).toEqual([['op-0'], ['op-1'], ['op-2']]);
        expect(await parts(store.archive)).toEqual([['op-3'], ['op-4']]);
        expect(await parts(store.forTenant('t'))).toEqual([['op-5']]);
      } finally {
        await store.close();
      }
    });
  });
});
