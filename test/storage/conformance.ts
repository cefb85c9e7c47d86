/**
 * Storage conformance suite: Jaeger's v1 storage integration suite (v1.64 `integration.go`, see
 * ../shared/data/jaeger-integration/README.md §4) replayed against a `Store`, plus the parts of our
 * contract Jaeger's gRPC suite cannot see (FindTraceIds, dependencies from written spans, tenancy,
 * purge, limit keeping the newest traces).
 *
 * Usage, in a `*.test.ts` file:
 *   describeStorageConformance('sqlite', async () => openMyStore(), { skip: ['ArchiveTrace'] });
 *
 * `createStore` is called once per test (and once per FindTraces fixture set); the suite purges the
 * store first when it has `purge`, and closes it afterwards. Skip patterns match as substrings of
 * Go-style test names: "GetServices", "GetOperations", "GetTrace", "GetTrace/NotFound_error",
 * "GetLargeSpans", "FindTraces/<Caption_with_underscores>", "FindTraceIds/<Caption>",
 * "ArchiveTrace", "GetDependencies", "Tenancy", "Purge", "Limit".
 * The shared fixtures run when ../shared/data is present (a visible note otherwise); our own
 * fixtures in test/fixtures/jaeger-v1 always run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Span, Trace } from '../../src/model/index.js';
import { TraceNotFoundError } from '../../src/model/index.js';
import { traceTimeRange } from '../../src/storage/trace-matching.js';
import type { Store, TraceStore } from '../../src/storage/types.js';
import type { FixtureSet } from '../support/jaeger-fixtures.js';
import { compareTraceLists, compareTraces, ownJaegerFixtures, sharedJaegerFixtures, spanCount } from '../support/jaeger-fixtures.js';

export interface StorageConformanceOptions {
  /** Test-name substrings to skip (Jaeger's SkipList convention). */
  skip?: string[];
  /** How long reads are retried until they match, for eventually consistent backends (ms). Default 10 s. */
  pollTimeoutMs?: number;
  /** Run on test/fixtures/jaeger-v1 only, as when ../shared/data is absent. */
  ownFixturesOnly?: boolean;
}

const SECOND_US = 1_000_000;

export function describeStorageConformance(
  name: string,
  createStore: () => Promise<Store>,
  options: StorageConformanceOptions = {},
): void {
  const skip = options.skip ?? [];
  const skipped = (testName: string) => skip.some((pattern) => testName.includes(pattern));
  const test = (testName: string, fn: () => Promise<void>) => it.skipIf(skipped(testName))(testName, fn);
  const pollTimeoutMs = options.pollTimeoutMs ?? 10_000;
  const eventually = <T>(read: () => Promise<T>, check: (value: T) => void) => poll(read, check, pollTimeoutMs);

  const now = new Date();
  const shared = options.ownFixturesOnly ? undefined : sharedJaegerFixtures(now);
  const own = ownJaegerFixtures(now);
  const main = shared ?? own;
  const fixtureSets = shared ? [shared, own] : [own];
  if (!shared) console.warn(`storage conformance (${name}): skipping Jaeger's shared fixtures; running on test/fixtures/jaeger-v1 only`);

  describe(`storage conformance: ${name}`, () => {
    let opened: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const store = await createStore();
      opened.push(store);
      await store.purge?.();
      return store;
    };
    afterEach(async () => {
      const toClose = opened;
      opened = [];
      for (const s of toClose) await s.close();
    });

    const exampleTrace = () => main.trace('example_trace');

    test('GetServices', async () => {
      const store = await fresh();
      await writeOneByOne(store, exampleTrace().spans);
      await eventually(
        () => store.getServices(),
        (services) => expect([...services].sort()).toEqual(['example-service-1', 'example-service-2', 'example-service-3']),
      );
    });

    test('GetOperations', async () => {
      const store = await fresh();
      await writeOneByOne(store, exampleTrace().spans);
      await eventually(
        () => store.getOperations({ serviceName: 'example-service-1', spanKind: '' }),
        (ops) =>
          expect(sortOps(ops)).toEqual([
            { name: 'example-operation-1', spanKind: '' },
            { name: 'example-operation-3', spanKind: 'server' },
            { name: 'example-operation-4', spanKind: 'client' },
          ]),
      );
      expect(await store.getOperations({ serviceName: 'example-service-1' })).toHaveLength(3);
      expect(sortOps(await store.getOperations({ serviceName: 'example-service-1', spanKind: 'server' }))).toEqual([
        { name: 'example-operation-3', spanKind: 'server' },
      ]);
      expect(sortOps(await store.getOperations({ serviceName: 'example-service-1', spanKind: 'client' }))).toEqual([
        { name: 'example-operation-4', spanKind: 'client' },
      ]);
      expect(await store.getOperations({ serviceName: 'no-such-service' })).toEqual([]);
    });

    test('GetTrace', async () => {
      const store = await fresh();
      const expected = exampleTrace();
      await writeOneByOne(store, expected.spans);
      const traceId = expected.spans[0].traceId;
      const actual = await eventually(
        () => store.getTrace({ traceId }),
        (trace) => expect(trace.spans).toHaveLength(expected.spans.length),
      );
      compareTraces(expected, actual);
    });

    test('GetTrace/NotFound_error', async () => {
      const store = await fresh();
      await store.writeSpans(exampleTrace().spans);
      const missing = '00000000000000000000000000000001';
      await expect(store.getTrace({ traceId: missing })).rejects.toBeInstanceOf(TraceNotFoundError);
      await expect(store.getTrace({ traceId: missing })).rejects.toThrow(/^trace not found$/);
    });

    test('GetLargeSpans', async () => {
      const store = await fresh();
      const original = exampleTrace().spans[0];
      const copies: Span[] = [];
      for (let i = 0; i < 10_008; i++) {
        copies.push({
          ...original,
          spanId: i % 100 === 0 ? original.spanId : i.toString(16).padStart(16, '0'),
          startTime: original.startTime + (i + 1) * SECOND_US,
        });
      }
      for (let i = 0; i < copies.length; i += 1000) await store.writeSpans(copies.slice(i, i + 1000));
      const trace = await eventually(
        () => store.getTrace({ traceId: original.traceId }),
        (t) => expect(t.spans.length).toBeGreaterThanOrEqual(10_008),
      );
      expect(trace.spans.length).toBeGreaterThan(10_000);
      const ids = new Set(trace.spans.map((s) => s.spanId));
      expect(ids.size, 'duplicate span ids must be kept').toBeLessThan(trace.spans.length);
      expect(trace.spans.filter((s) => s.spanId === original.spanId).length).toBe(102);
    });

    for (const set of fixtureSets) describeFindTraces(set);

    function describeFindTraces(set: FixtureSet): void {
      describe(`fixtures ${set.name}`, () => {
        let store: Store;
        const cases = set.queries();
        const traces = new Map<string, Trace>();
        beforeAll(async () => {
          store = await createStore();
          await store.purge?.();
          for (const fixture of set.searchTraces()) {
            const trace = set.trace(fixture);
            traces.set(fixture, trace);
            await store.writeSpans(trace.spans);
          }
        });
        afterAll(async () => {
          await store?.close();
        });

        for (const c of cases) {
          test(`FindTraces/${c.testName}`, async () => {
            const expected = c.expectedFixtures.map((f) => traces.get(f)!);
            const actual = await eventually(
              () => collect(store.findTraces(c.query)),
              (found) => {
                expect(found.length, 'number of traces').toBe(expected.length);
                expect(spanCount(found), 'number of spans').toBe(spanCount(expected));
              },
            );
            compareTraceLists(expected, actual);
          });

          test(`FindTraceIds/${c.testName}`, async () => {
            const expected = c.expectedFixtures
              .map((f) => traces.get(f)!)
              .map((t) => ({ traceId: t.spans[0].traceId, ...traceTimeRange(t.spans) }))
              .sort((a, b) => cmp(a.traceId, b.traceId));
            await eventually(
              () => store.findTraceIds(c.query),
              (found) => expect([...found].sort((a, b) => cmp(a.traceId, b.traceId))).toEqual(expected),
            );
            // Found traces streamed in their parts (findTraceParts) are the same traces.
            const lazily: string[] = [];
            for await (const found of store.findTraceParts(c.query)) lazily.push(found.traceId);
            expect(lazily.sort(cmp)).toEqual(expected.map((e) => e.traceId));
          });
        }
      });
    }

    test('Limit', async () => {
      // Five traces of one service a minute apart; limit 2 keeps the two newest (complete).
      const store = await fresh();
      const base = exampleTrace().spans[0];
      const written: Trace[] = [];
      for (let t = 0; t < 5; t++) {
        const traceId = (0xa000 + t).toString(16).padStart(32, '0');
        const spans = [1, 2].map(
          (n): Span => ({ ...base, traceId, spanId: n.toString(16).padStart(16, '0'), startTime: base.startTime + t * 60 * SECOND_US + n }),
        );
        written.push({ spans });
        await store.writeSpans(spans);
      }
      const query = { serviceName: base.process.serviceName, limit: 2 };
      const found = await eventually(
        () => collect(store.findTraces(query)),
        (list) => expect(list).toHaveLength(2),
      );
      compareTraceLists(written.slice(3), found);
      const ids = await store.findTraceIds(query);
      expect(ids.map((i) => i.traceId).sort()).toEqual(written.slice(3).map((t) => t.spans[0].traceId));
      // findTraceParts: the same traces in the same order, each trace's parts its spans.
      const inParts: Trace[] = [];
      for await (const f of store.findTraceParts(query)) {
        const spans: Span[] = [];
        for await (const part of f.parts) spans.push(...part);
        expect(spans.every((s) => s.traceId === f.traceId)).toBe(true);
        inParts.push({ spans });
      }
      expect(inParts.map((t) => t.spans[0].traceId)).toEqual(found.map((t) => t.spans[0].traceId));
      compareTraceLists(written.slice(3), inParts);
      expect(await collect(store.findTraces({ ...query, limit: 0 }))).toHaveLength(5);
      expect(await collect(store.findTraces({ serviceName: 'no-such-service' }))).toEqual([]);
    });

    test('ArchiveTrace', async () => {
      const store = await fresh();
      if (!store.archive) return void console.warn(`storage conformance (${name}): no archive store, ArchiveTrace not applicable`);
      const startTime = Math.floor((now.getTime() - 15 * 86_400_000) * 1000);
      const span: Span = {
        traceId: '000000000000000b0000000000000016',
        spanId: '0000000000000037',
        operationName: 'archive_span',
        references: [],
        flags: 0,
        startTime,
        duration: 0,
        tags: [],
        logs: [],
        process: { serviceName: 'archived_service', tags: [] },
        warnings: [],
      };
      await store.archive.writeSpans([span]);
      const archived = await eventually(
        () => store.archive!.getTrace({ traceId: span.traceId }),
        (t) => expect(t.spans).toHaveLength(1),
      );
      compareTraces({ spans: [span] }, archived);
      await expect(store.getTrace({ traceId: span.traceId }), 'archive is kept apart from primary data').rejects.toBeInstanceOf(TraceNotFoundError);
      await expect(store.archive.getTrace({ traceId: '00000000000000000000000000000001' })).rejects.toBeInstanceOf(TraceNotFoundError);
    });

    test('GetDependencies', async () => {
      // frontend → api (CHILD_OF), api → db (CHILD_OF, twice), api → queue (FOLLOWS_FROM),
      // plus a same-service child (no link) and an old trace outside the lookback.
      const store = await fresh();
      const nowUs = now.getTime() * 1000;
      const traceId = 'd0000000000000000000000000000001';
      const mk = (spanId: string, service: string, parent?: string, refType: 'CHILD_OF' | 'FOLLOWS_FROM' = 'CHILD_OF', at = nowUs - 60 * SECOND_US, id = traceId): Span => ({
        traceId: id,
        spanId,
        operationName: `${service}-op`,
        references: parent ? [{ refType, traceId: id, spanId: parent }] : [],
        flags: 0,
        startTime: at,
        duration: 1000,
        tags: [],
        logs: [],
        process: { serviceName: service, tags: [] },
        warnings: [],
      });
      await store.writeSpans([
        mk('0000000000000001', 'frontend'),
        mk('0000000000000002', 'api', '0000000000000001'),
        mk('0000000000000003', 'api', '0000000000000002'),
        mk('0000000000000004', 'db', '0000000000000002'),
        mk('0000000000000005', 'db', '0000000000000003'),
        mk('0000000000000006', 'queue', '0000000000000003', 'FOLLOWS_FROM'),
      ]);
      const old = nowUs - 3600 * SECOND_US;
      const oldId = 'd0000000000000000000000000000002';
      await store.writeSpans([mk('0000000000000001', 'legacy', undefined, 'CHILD_OF', old, oldId), mk('0000000000000002', 'frontend', '0000000000000001', 'CHILD_OF', old, oldId)]);
      const strip = (links: { parent: string; child: string; callCount: number }[]) =>
        links.map(({ parent, child, callCount }) => ({ parent, child, callCount })).sort((a, b) => cmp(a.parent + '\0' + a.child, b.parent + '\0' + b.child));
      await eventually(
        () => store.getDependencies(nowUs, 5 * 60 * SECOND_US),
        (links) =>
          expect(strip(links)).toEqual([
            { parent: 'api', child: 'db', callCount: 2 },
            { parent: 'api', child: 'queue', callCount: 1 },
            { parent: 'frontend', child: 'api', callCount: 1 },
          ]),
      );
      expect(strip(await store.getDependencies(nowUs, 2 * 3600 * SECOND_US))).toContainEqual({ parent: 'legacy', child: 'frontend', callCount: 1 });
      expect(await store.getDependencies(nowUs - 10 * 86_400 * SECOND_US, 60 * SECOND_US)).toEqual([]);
    });

    test('Tenancy', async () => {
      const store = await fresh();
      const trace = exampleTrace();
      const traceId = trace.spans[0].traceId;
      const tenantA = store.forTenant('tenant-a');
      const tenantB = store.forTenant('tenant-b');
      await tenantA.writeSpans(trace.spans);
      const other = trace.spans.map((s) => ({ ...s, process: { ...s.process, serviceName: `b-${s.process.serviceName}` } }));
      await tenantB.writeSpans(other.slice(0, 2));
      await eventually(
        () => tenantA.getServices(),
        (services) => expect(services).toEqual(['example-service-1', 'example-service-2', 'example-service-3']),
      );
      compareTraces(trace, await tenantA.getTrace({ traceId }));
      expect(await tenantB.getServices()).toEqual(['b-example-service-1', 'b-example-service-2']);
      expect((await tenantB.getTrace({ traceId })).spans).toHaveLength(2);
      expect(await store.getServices(), 'default tenant sees nothing').toEqual([]);
      await expect(store.getTrace({ traceId })).rejects.toBeInstanceOf(TraceNotFoundError);
      expect(await store.forTenant('tenant-c').getOperations({ serviceName: 'example-service-1' })).toEqual([]);
      expect(await collect(tenantB.findTraces({ serviceName: 'example-service-1' }))).toEqual([]);
      expect(await collect(tenantA.findTraces({ serviceName: 'example-service-1' }))).toHaveLength(1);
      if (store.forTenant('tenant-a').archive) {
        await tenantA.archive!.writeSpans(trace.spans.slice(0, 1));
        await expect(tenantB.archive!.getTrace({ traceId })).rejects.toBeInstanceOf(TraceNotFoundError);
        expect((await tenantA.archive!.getTrace({ traceId })).spans).toHaveLength(1);
      }
    });

    test('Purge', async () => {
      const store = await fresh();
      if (!store.purge) return void console.warn(`storage conformance (${name}): no purge, Purge not applicable`);
      const trace = exampleTrace();
      await store.writeSpans(trace.spans);
      await store.forTenant('tenant-a').writeSpans(trace.spans);
      await store.purge();
      expect(await store.getServices()).toEqual([]);
      expect(await store.forTenant('tenant-a').getServices()).toEqual([]);
      await expect(store.getTrace({ traceId: trace.spans[0].traceId })).rejects.toBeInstanceOf(TraceNotFoundError);
      await store.writeSpans(trace.spans);
      expect((await store.getTrace({ traceId: trace.spans[0].traceId })).spans).toHaveLength(5);
    });
  });
}

async function writeOneByOne(store: TraceStore, spans: readonly Span[]): Promise<void> {
  for (const s of spans) await store.writeSpans([s]);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Reads until `check` passes or the deadline passes (then rethrows the last failure). */
async function poll<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    let value: T;
    try {
      value = await read();
      check(value);
      return value;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function sortOps<T extends { name: string; spanKind: string }>(ops: readonly T[]): T[] {
  return [...ops].sort((a, b) => cmp(a.name, b.name) || cmp(a.spanKind, b.spanKind));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
