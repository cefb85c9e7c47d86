import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { ConfigError, InvalidArgumentError, NotSupportedError, StorageUnavailableError, TraceNotFoundError } from '../../src/model/index.js';
import { openStore } from '../../src/storage/open-store.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/storage/sqlite/schema.js';
import { openSqliteStore, parseSqliteUri } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/types.js';
import { simpleTraces } from '../../src/workload/simple-traces.js';
import { compareTraces } from '../support/jaeger-fixtures.js';
import { collect } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-sqlite-'));
let fileCount = 0;
const freshPath = () => path.join(dir, `t${++fileCount}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});
async function open(file: string, options?: Parameters<typeof openSqliteStore>[1]): Promise<Store> {
  const store = await openSqliteStore(file, options);
  opened.push(store);
  return store;
}

const T0 = 1_700_000_000_000_000;

function span(traceId: string, spanId: string, extra: Partial<Span> = {}): Span {
  return {
    traceId,
    spanId,
    operationName: 'op',
    references: [],
    flags: 0,
    startTime: T0,
    duration: 1000,
    tags: [],
    logs: [],
    process: { serviceName: 'svc', tags: [] },
    warnings: [],
    ...extra,
  };
}
/** The search-index mark, chunk rows and postings rows of a database file. */
function indexState(file: string): { indexedUpto: number; chunks: number; postings: number } {
  const db = new Database(file, { readonly: true });
  try {
    const get = (sql: string) => db.prepare(sql).pluck().get() as number;
    return { indexedUpto: get('SELECT indexed_upto FROM index_state'), chunks: get('SELECT count(*) FROM chunks'), postings: get('SELECT count(*) FROM postings') };
  } finally {
    db.close();
  }
}
const tid = (n: number) => n.toString(16).padStart(32, '0');
const sid = (n: number) => n.toString(16).padStart(16, '0');

describe('sqlite store', () => {
  it('applies migrations once and reopens an up-to-date file without changes', async () => {
    const file = freshPath();
    await (await open(file)).close();
    const db = new Database(file);
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(migrate(db)).toEqual([]);
      expect(migrate(db)).toEqual([]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    await (await open(file)).close();
  });

  it('refuses a file written by a newer schema', async () => {
    const file = freshPath();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openSqliteStore(file)).rejects.toThrow(ConfigError);
    await expect(openSqliteStore(file)).rejects.toThrow(/newer than this jaeger-sls supports/);
  });

  it('keeps data across close and reopen, typed values exactly', async () => {
    const file = freshPath();
    const written = span(tid(0xabc), sid(1), {
      operationName: 'ünïcode \u{1f600} "quoted" \\ \n',
      flags: 3,
      references: [
        { refType: 'FOLLOWS_FROM', traceId: tid(0xdef), spanId: sid(9) },
        { refType: 'CHILD_OF', traceId: tid(0xabc), spanId: sid(2) },
      ],
      tags: [
        { key: 'i64max', type: 'int64', value: 9223372036854775807n },
        { key: 'i64min', type: 'int64', value: -9223372036854775808n },
        { key: 'f', type: 'float64', value: 0.1 },
        { key: 'nan', type: 'float64', value: Number.NaN },
        { key: 'inf', type: 'float64', value: Number.NEGATIVE_INFINITY },
        { key: 'negzero', type: 'float64', value: -0 },
        { key: 'b', type: 'bool', value: false },
        { key: 'bin', type: 'binary', value: new Uint8Array([0, 255, 1, 128]) },
        { key: 'lone', type: 'string', value: 'x\ud800y' },
      ],
      logs: [{ timestamp: T0 + 5, fields: [{ key: 'event', type: 'string', value: 'retry' }] }],
      process: { serviceName: 'svc-a', tags: [{ key: 'pid', type: 'int64', value: 42n }] },
      warnings: ['w1', 'w2'],
    });
    const store = await open(file);
    await store.writeSpans([written, span(tid(0xabc), sid(1)), span(tid(0xabc), sid(2), { process: { serviceName: 'svc-b', tags: [] } })]);
    await store.close();

    const reopened = await open(file);
    const trace = await reopened.getTrace({ traceId: tid(0xabc) });
    expect(trace.spans).toHaveLength(3);
    const first = trace.spans.find((s) => s.operationName === written.operationName)!;
    expect(first).toEqual(written);
    expect(Object.is(first.tags.find((t) => t.key === 'negzero')!.value, -0)).toBe(true);
    expect(first.references).toEqual(written.references);
    expect(await reopened.getServices()).toEqual(['svc', 'svc-a', 'svc-b']);
    expect(await collect(reopened.findTraces({ serviceName: 'svc-a', tags: { i64min: '-9223372036854775808', bin: '00ff0180' } }))).toHaveLength(1);
    expect(await collect(reopened.findTraces({ serviceName: 'svc-a', tags: { i64min: '-9223372036854775807' } }))).toHaveLength(0);
  });

  it('survives kill -9 right after writeSpans resolved', async () => {
    const file = freshPath();
    const script = path.join(dir, 'writer.mts');
    const storeModule = path.resolve(fileURLToPath(new URL('../../src/storage/sqlite/sqlite-store.ts', import.meta.url)));
    writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(storeModule)};
       const store = await openSqliteStore(${JSON.stringify(file)});
       for (let i = 1; i <= 20; i++) {
         const spans = Array.from({ length: 50 }, (_, j) => ({ traceId: i.toString(16).padStart(32, '0'), spanId: (j + 1).toString(16).padStart(16, '0'),
           operationName: 'op', references: [], flags: 0, startTime: ${T0} + j, duration: 5, tags: [], logs: [],
           process: { serviceName: 'killed', tags: [] }, warnings: [] }));
         await store.writeSpans(spans);
         process.stdout.write('acked ' + i + '\\n');
       }
       setInterval(() => {}, 1000);
      `,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('acked 20\n')) {
          child.kill('SIGKILL');
          resolve(20);
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code ?? signal}): ${out}`));
      });
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    // The killed writer left its chunks' search entries unwritten (they wait in memory) ...
    expect(indexState(file)).toEqual({ indexedUpto: 0, chunks: 20, postings: 0 });
    const store = await open(file);
    for (let i = 1; i <= acked; i++) expect((await store.getTrace({ traceId: tid(i) })).spans).toHaveLength(50);
    expect(await store.getServices()).toEqual(['killed']);
    // ... and opening the file indexes them from the stored chunks.
    expect((await store.findTraceIds({ serviceName: 'killed' })).map((f) => f.traceId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => tid(i + 1)));
    expect(indexState(file)).toMatchObject({ indexedUpto: 20, chunks: 20 });
  });

  it('finds spans whose postings are not written yet, from this and other connections, and after a purge elsewhere', async () => {
    const file = freshPath();
    const writer = await open(file);
    const reader = await open(file, { readOnly: true });
    const tagged = (n: number, service: string) => span(tid(n), sid(1), { process: { serviceName: service, tags: [] }, tags: [{ key: 'k', type: 'string', value: `v${n % 2}` }] });
    const ids = async (store: Store, q: Parameters<Store['findTraceIds']>[0]) => (await store.findTraceIds(q)).map((f) => f.traceId).sort();
    await writer.writeSpans([tagged(1, 'a'), tagged(2, 'b')]);
    await writer.writeSpans([tagged(3, 'a')]);
    expect(indexState(file)).toEqual({ indexedUpto: 0, chunks: 3, postings: 0 });
    for (const store of [writer, reader]) {
      expect(await ids(store, { serviceName: 'a' })).toEqual([tid(1), tid(3)]);
      expect(await ids(store, { tags: { k: 'v1' } })).toEqual([tid(1), tid(3)]);
      expect(await ids(store, { serviceName: 'b', tags: { k: 'v0' } })).toEqual([tid(2)]);
    }
    await writer.close();
    opened.splice(opened.indexOf(writer), 1);
    expect(indexState(file)).toMatchObject({ indexedUpto: 3, chunks: 3 });
    expect(await ids(reader, { serviceName: 'a' })).toEqual([tid(1), tid(3)]);

    const other = await open(file);
    await other.writeSpans([tagged(5, 'a')]);
    expect(await ids(reader, { serviceName: 'a' })).toEqual([tid(1), tid(3), tid(5)]);
    await other.purge!();
    await other.writeSpans([tagged(7, 'c')]);
    expect(await ids(reader, { serviceName: 'a' })).toEqual([]);
    expect(await ids(reader, { serviceName: 'c' })).toEqual([tid(7)]);
  });

  it('rejects an unwritable path with a one-line ConfigError naming it', async () => {
    const missingDir = path.join(dir, 'no-such-dir', 'x.db');
    await expect(openSqliteStore(missingDir)).rejects.toThrow(ConfigError);
    const error = (await openSqliteStore(missingDir).then(
      () => new Error('opened'),
      (e: Error) => e,
    )) as Error;
    expect(error.message).toContain(missingDir);
    expect(error.message).not.toContain('\n');
    const aDirectory = path.join(dir, 'a-directory');
    mkdirSync(aDirectory);
    await expect(openSqliteStore(aDirectory)).rejects.toThrow(new RegExp(`cannot open sqlite store "${aDirectory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    await expect(openStore(`sqlite:${aDirectory}`)).rejects.toBeInstanceOf(ConfigError);
  });

  it('rejects a 10 MB tag value with InvalidArgumentError and stores nothing of the batch', async () => {
    const store = await open(freshPath());
    await store.writeSpans([span(tid(1), sid(1))]);
    const huge = span(tid(2), sid(2), { tags: [{ key: 'payload', type: 'string', value: 'x'.repeat(10 * 1024 * 1024) }] });
    await expect(store.writeSpans([span(tid(2), sid(1), { process: { serviceName: 'other', tags: [] } }), huge])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.getTrace({ traceId: tid(2) })).rejects.toBeInstanceOf(TraceNotFoundError);
    expect(await store.getServices()).toEqual(['svc']);
    expect((await store.getTrace({ traceId: tid(1) })).spans).toHaveLength(1);
  });

  it('checks every span id of a batch, the spans after a valid one included', async () => {
    const store = await open(freshPath());
    for (const bad of [tid(0xab).toUpperCase(), tid(0xab).slice(1), undefined as unknown as string]) {
      const write = store.writeSpans([span(tid(0xab), sid(1)), span(tid(0xab), sid(2)), span(bad, sid(3))]);
      await expect(write).rejects.toThrow(/invalid trace id/);
    }
    await expect(store.writeSpans([span(tid(0xab), sid(1)), span(tid(0xab), 'xyz')])).rejects.toThrow(/invalid span id/);
    await expect(store.getTrace({ traceId: tid(0xab) })).rejects.toBeInstanceOf(TraceNotFoundError);
  });

  it('stores the valid batches of a group written in one turn and rejects only the invalid one, whole', async () => {
    const store = await open(freshPath());
    const results = await Promise.allSettled([
      store.writeSpans([span(tid(0xc1), sid(1))]),
      store.writeSpans([span(tid(0xc2), sid(1)), span(tid(0xc2), 'not-hex')]),
      store.archive!.writeSpans([span(tid(0xc3), sid(1)), span(tid(0xc3), sid(2), { duration: -1 })]),
      store.writeSpans([span(tid(0xc4), sid(1))]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidArgumentError);
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/invalid duration -1/);
    for (const stored of [tid(0xc1), tid(0xc4)]) expect((await store.getTrace({ traceId: stored })).spans).toHaveLength(1);
    await expect(store.getTrace({ traceId: tid(0xc2) })).rejects.toBeInstanceOf(TraceNotFoundError);
    await expect(store.archive!.getTrace({ traceId: tid(0xc3) })).rejects.toBeInstanceOf(TraceNotFoundError);
  });

  it('rolls back a batch the database refuses midway, caches included', async () => {
    const file = freshPath();
    const store = await open(file);
    const db = new Database(file);
    db.exec(`CREATE TRIGGER inject_failure BEFORE INSERT ON chunks WHEN NEW.body LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    db.close();
    const tenant = store.forTenant('t1');
    const batch = [span(tid(1), sid(1), { process: { serviceName: 'first', tags: [] } }), span(tid(2), sid(1), { operationName: 'boom' })];
    await expect(tenant.writeSpans(batch)).rejects.toThrow(StorageUnavailableError);
    await expect(tenant.writeSpans(batch)).rejects.toThrow(/injected failure/);
    expect(await tenant.getServices()).toEqual([]);
    await expect(tenant.getTrace({ traceId: tid(1) })).rejects.toBeInstanceOf(TraceNotFoundError);
    await tenant.writeSpans([batch[0]]);
    expect(await tenant.getServices()).toEqual(['first']);
    expect(await tenant.getOperations({ serviceName: 'first' })).toEqual([{ name: 'op', spanKind: '' }]);
    expect(await store.getServices()).toEqual([]);
    // Grouped with healthy concurrent writes, only the failing caller sees the error.
    const results = await Promise.allSettled([
      tenant.writeSpans([span(tid(3), sid(1))]),
      tenant.writeSpans([span(tid(4), sid(1), { operationName: 'boom' })]),
      tenant.writeSpans([span(tid(5), sid(1))]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await tenant.findTraceIds({ serviceName: 'svc' })).map((f) => f.traceId).sort()).toEqual([tid(3), tid(5)]);
  });

  it('groups concurrent writes and acknowledges each caller after its commit', async () => {
    const file = freshPath();
    const store = await open(file);
    const writes = Array.from({ length: 200 }, (_, i) => store.writeSpans([span(tid(0x1000 + i), sid(1), { startTime: T0 + i })]));
    const invalid = expect(store.writeSpans([span('not-a-trace-id', sid(1))])).rejects.toBeInstanceOf(InvalidArgumentError);
    await Promise.all(writes);
    await invalid;
    expect(await store.findTraceIds({ serviceName: 'svc' })).toHaveLength(200);
    const pending = store.writeSpans([span(tid(0x2000), sid(1))]);
    await store.close();
    await pending;
    const reopened = await open(file);
    expect((await reopened.getTrace({ traceId: tid(0x2000) })).spans).toHaveLength(1);
  });

  it('opens read-only without migrating, and refuses writes', async () => {
    const file = freshPath();
    const writer = await open(file);
    await writer.writeSpans([span(tid(7), sid(1))]);
    const reader = await open(file, { readOnly: true });
    compareTraces({ spans: [span(tid(7), sid(1))] }, await reader.getTrace({ traceId: tid(7) }));
    await expect(reader.writeSpans([span(tid(8), sid(1))])).rejects.toBeInstanceOf(NotSupportedError);
    await expect(openSqliteStore(path.join(dir, 'absent.db'), { readOnly: true })).rejects.toBeInstanceOf(ConfigError);
    const empty = freshPath();
    new Database(empty).close();
    await expect(openSqliteStore(empty, { readOnly: true })).rejects.toThrow(/not a jaeger-sls database/);
    expect(schemaVersion(new Database(empty, { readonly: true }))).toBe(0);
  });

  it('streams findTraces newest first and allows writes while a search is open', async () => {
    const store = await open(freshPath());
    const traces = [...simpleTraces({ seed: 3, traces: 300, spansPerTrace: 4, services: 3, startTime: T0, intervalUs: 1000 })];
    await store.writeSpans(traces.flatMap((t) => t.spans));
    const seen: string[] = [];
    for await (const trace of store.findTraces({ serviceName: 'service-0' })) {
      seen.push(trace.spans[0].traceId);
      if (seen.length === 2) await store.writeSpans([span(tid(0xfeed), sid(1))]);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual(traces.slice(-5).reverse().map((t) => t.spans[0].traceId));
    expect((await store.getTrace({ traceId: tid(0xfeed) })).spans).toHaveLength(1);
    const all = await collect(store.findTraces({ serviceName: 'service-0' }));
    expect(all).toHaveLength(300);
    const starts = all.map((t) => Math.min(...t.spans.map((s) => s.startTime)));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('answers a service-less tag search and a search without index keys', async () => {
    const store = await open(freshPath());
    await store.writeSpans([
      span(tid(1), sid(1), { tags: [{ key: 'rfc0013.cross.service', type: 'string', value: 'yes' }], process: { serviceName: 'a', tags: [] } }),
      span(tid(2), sid(1), { process: { serviceName: 'b', tags: [{ key: 'rfc0013.cross.service', type: 'string', value: 'yes' }] } }),
      span(tid(3), sid(1), { startTime: T0 - 10_000_000 }),
    ]);
    const ids = async (q: Parameters<Store['findTraceIds']>[0]) => (await store.findTraceIds(q)).map((f) => f.traceId).sort();
    expect(await ids({ tags: { 'rfc0013.cross.service': 'yes' } })).toEqual([tid(1), tid(2)]);
    expect(await ids({ startTimeMin: T0 - 1, startTimeMax: T0 + 1 })).toEqual([tid(1), tid(2)]);
    expect(await ids({ durationMin: 1000, durationMax: 1000 })).toEqual([tid(1), tid(2), tid(3)]);
    expect(await ids({ startTimeMin: T0 + 1, startTimeMax: T0 })).toEqual([]);
  });

  it('returns each trace of a time window once and whole, however many chunks it was stored in', async () => {
    const file = freshPath();
    const store = await open(file);
    const SEC = 1_000_000;
    // A: three batches (three chunks) 10 s apart. B: 600 spans in one batch (two chunks).
    for (let i = 0; i < 3; i++) await store.writeSpans([span(tid(0xa), sid(i + 1), { startTime: T0 + i * 10 * SEC })]);
    await store.writeSpans(Array.from({ length: 600 }, (_, i) => span(tid(0xb), sid(i + 1), { startTime: T0 + i })));
    // C: one chunk spanning the window with no span inside it. D: inside. E: another tenant.
    await store.writeSpans([
      span(tid(0xc), sid(1), { startTime: T0 - 100 * SEC }),
      span(tid(0xc), sid(2), { startTime: T0 + 100 * SEC }),
      span(tid(0xd), sid(1), { startTime: T0 + 5 * SEC }),
    ]);
    await store.forTenant('other').writeSpans([span(tid(0xe), sid(1), { startTime: T0 })]);

    const window = async (startTimeMin: number, startTimeMax: number) =>
      (await collect(store.findTraces({ startTimeMin, startTimeMax }))).map((t) => `${t.spans[0].traceId.slice(-1)}:${t.spans.length}`).sort();
    expect(await window(T0 - 1, T0 + 30 * SEC)).toEqual(['a:3', 'b:600', 'd:1']);
    expect(await window(T0 + 15 * SEC, T0 + 25 * SEC)).toEqual(['a:3']);
    expect(await window(T0 + 50 * SEC, T0 + 99 * SEC)).toEqual([]);
    expect(await window(T0 + 100 * SEC, T0 + 100 * SEC)).toEqual(['c:2']);
    expect((await store.getDependencies(T0 + 30 * SEC, 31 * SEC)).length).toBe(0);
    expect((await collect(store.forTenant('other').findTraces({ startTimeMin: T0 - 1, startTimeMax: T0 + 1 }))).map((t) => t.spans.length)).toEqual([1]);
    // A limit keeps the newest-first path: A's third batch (T0 + 20 s) is the newest chunk; A comes whole.
    const newest = await collect(store.findTraces({ startTimeMin: T0 - 1, startTimeMax: T0 + 30 * SEC, limit: 2 }));
    expect(newest.map((t) => `${t.spans[0].traceId.slice(-1)}:${t.spans.length}`)).toEqual(['a:3', 'd:1']);
    // Every chunk of a trace stored in several chunks is marked shared, the first one included.
    const check = new Database(file, { readonly: true });
    try {
      const marks = check.prepare('SELECT substr(hex(trace_id), -1) AS trace, group_concat(shared) AS shared FROM chunks GROUP BY trace_id, tenant ORDER BY 1').all();
      expect(marks).toEqual([
        { trace: 'A', shared: '1,1,1' },
        { trace: 'B', shared: '1,1' },
        { trace: 'C', shared: '0' },
        { trace: 'D', shared: '0' },
        { trace: 'E', shared: '0' },
      ]);
    } finally {
      check.close();
    }
  });

  it('marks exactly the chunks of traces stored in several chunks, in a request of many chunks and across tenants', async () => {
    const file = freshPath();
    const store = await open(file);
    // Earlier requests: traces 3, 70 and 140 in the default tenant, trace 5 in another tenant only.
    await store.writeSpans([span(tid(3), sid(1)), span(tid(70), sid(1))]);
    await store.writeSpans([span(tid(140), sid(1))]);
    await store.forTenant('other').writeSpans([span(tid(5), sid(1))]);
    // One request of 150 traces (150 chunks), trace 9 twice
    // with 600 spans between (two chunks of one request), then a request repeating trace 70 again.
    await store.writeSpans([
      ...Array.from({ length: 150 }, (_, i) => span(tid(i + 1), sid(2))),
      ...Array.from({ length: 600 }, (_, i) => span(tid(9), sid(i + 10))),
    ]);
    await store.writeSpans([span(tid(70), sid(3))]);
    const check = new Database(file, { readonly: true });
    try {
      const wrong = check
        .prepare(
          `SELECT hex(trace_id) AS trace, tenant, shared FROM chunks AS c
           WHERE shared <> ((SELECT count(*) FROM chunks AS o WHERE o.trace_id = c.trace_id AND o.tenant = c.tenant) > 1)`,
        )
        .all();
      expect(wrong).toEqual([]);
      const sharedTraces = check.prepare('SELECT DISTINCT tenant, substr(hex(trace_id), -2) AS trace FROM chunks WHERE shared = 1 ORDER BY 1, 2').all();
      // tid(n) ends in n's hex digits: 3 → 03, 9 → 09, 70 → 46, 140 → 8C; tenant 1 ("other") has none.
      expect(sharedTraces).toEqual([
        { tenant: 0, trace: '03' },
        { tenant: 0, trace: '09' },
        { tenant: 0, trace: '46' },
        { tenant: 0, trace: '8C' },
      ]);
    } finally {
      check.close();
    }
    expect((await store.getTrace({ traceId: tid(9) })).spans).toHaveLength(601);
    expect((await store.getTrace({ traceId: tid(70) })).spans).toHaveLength(3);
    expect((await store.forTenant('other').getTrace({ traceId: tid(5) })).spans).toHaveLength(1);
  });

  it('migrates a schema 1 file, marking the traces stored in several chunks', async () => {
    const file = freshPath();
    const store = await open(file);
    await store.writeSpans([span(tid(1), sid(1))]);
    await store.writeSpans([span(tid(1), sid(2), { startTime: T0 + 1 })]);
    await store.writeSpans([span(tid(2), sid(1))]);
    await store.close();
    const db = new Database(file);
    db.exec('DROP TABLE dependency_summaries; DROP INDEX chunks_shared; DROP TABLE index_state; ALTER TABLE chunks DROP COLUMN shared');
    db.pragma('user_version = 1');
    db.close();

    const reopened = await open(file);
    expect(await collect(reopened.findTraces({ startTimeMin: T0, startTimeMax: T0 + 1 }))).toHaveLength(2);
    expect((await reopened.findTraceIds({ startTimeMin: T0, startTimeMax: T0 + 1 })).map((f) => f.traceId).sort()).toEqual([tid(1), tid(2)]);
    expect((await reopened.getTrace({ traceId: tid(1) })).spans).toHaveLength(2);
    await reopened.close();
    const check = new Database(file, { readonly: true });
    try {
      expect(schemaVersion(check)).toBe(SCHEMA_VERSION);
      const rows = check.prepare('SELECT hex(trace_id) AS trace, shared FROM chunks ORDER BY id').all();
      expect(rows).toEqual([
        { trace: tid(1).toUpperCase(), shared: 1 },
        { trace: tid(1).toUpperCase(), shared: 1 },
        { trace: tid(2).toUpperCase(), shared: 0 },
      ]);
    } finally {
      check.close();
    }
  });

  it('reports a closed store as unavailable', async () => {
    const store = await openSqliteStore(freshPath());
    await store.close();
    await store.close();
    await expect(store.getServices()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('parses sqlite URIs', async () => {
    expect(parseSqliteUri('sqlite:')).toEqual({ path: 'jaeger-sls.db', synchronous: 'normal' });
    expect(parseSqliteUri('sqlite:data/x.db?synchronous=full')).toEqual({ path: 'data/x.db', synchronous: 'full' });
    expect(parseSqliteUri('sqlite:///abs/x.db')).toEqual({ path: '/abs/x.db', synchronous: 'normal' });
    expect(() => parseSqliteUri('sqlite:x.db?cache=big')).toThrow(ConfigError);
    const memory = await openStore('sqlite::memory:');
    opened.push(memory);
    await memory.writeSpans([span(tid(5), sid(1))]);
    expect(await memory.getServices()).toEqual(['svc']);
    const file = freshPath();
    const viaUri = await openStore(`sqlite:${file}`);
    opened.push(viaUri);
    await viaUri.writeSpans([span(tid(6), sid(1))]);
    expect((await viaUri.getTrace({ traceId: tid(6) })).spans).toHaveLength(1);
  });
});
