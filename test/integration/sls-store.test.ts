/**
 * The sls:// store against the local SLS emulator through the real @alicloud/log SDK: credentials
 * handling, start-up diagnostics, fault tolerance of reads and writes, compression variants,
 * rows written by aliyun-log-jaeger, and dependencies from `<instance>-traces-deps`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { PermissionError, StorageUnavailableError } from '../../src/model/index.js';
import { openStore } from '../../src/storage/open-store.js';
import { spanIndexConfig } from '../../src/storage/sls/index-config.js';
import { openSlsStoreUri } from '../../src/storage/sls/open.js';
import type { SlsStore } from '../../src/storage/sls/sls-store.js';
import { SlsEmulator } from '../support/sls-emulator/index.js';
import { SHOP_WINDOW, shopTraces } from '../support/deps-workload.js';
import { DependencyLinkCounter } from '../../src/facts/dependency-links.js';

const SECRET = 'test-ak-secret';
const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET };
let emulator: SlsEmulator;
let n = 0;

beforeAll(async () => {
  emulator = await new SlsEmulator().start();
});
afterAll(() => emulator.stop());

function uri(instance: string, extra = ''): string {
  return `sls://proj/${instance}?endpoint=${encodeURIComponent(emulator.endpoint)}${extra}`;
}

/** A fresh instance with its logstore and index, opened through openStore. */
async function freshStore(extra = '', log: (l: string) => void = () => {}): Promise<{ store: SlsStore; instance: string }> {
  const instance = `it-${++n}`;
  emulator.createLogstore('proj', `${instance}-traces`, spanIndexConfig() as never);
  const store = (await openStore(uri(instance, extra), { env, log })) as SlsStore;
  return { store, instance };
}

const NOW_US = Date.now() * 1000;
function spans(count: number, service = 'svc', traceBase = 1): Span[] {
  return Array.from({ length: count }, (_, i) => ({
    traceId: (traceBase + Math.floor(i / 10)).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    operationName: `op-${i % 3}`,
    references: [],
    flags: 1,
    startTime: NOW_US - 60_000_000 + i,
    duration: 100 + i,
    tags: [{ key: 'i', type: 'int64', value: BigInt(i) }],
    logs: [],
    process: { serviceName: service, tags: [] },
    warnings: [],
  }));
}

describe('credentials and start-up', () => {
  it('reports an auth failure without the secret, as PermissionError', async () => {
    emulator.createLogstore('proj', 'auth-traces', spanIndexConfig() as never);
    const bad = { ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'WRONG-SECRET-VALUE' };
    const err = await openStore(uri('auth'), { env: bad, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as Error).message).toMatch(/SignatureNotMatch/);
    expect((err as Error).message).not.toContain('WRONG-SECRET-VALUE');
    expect(JSON.stringify(err)).not.toContain('WRONG-SECRET-VALUE');
  });

  it('says on stderr when the logstore or its index is missing, and reads point at sls init', async () => {
    const lines: string[] = [];
    const missing = await openSlsStoreUri(uri('nothing-here'), { env, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/logstore nothing-here-traces does not exist in project proj; run `jaeger-sls sls init --store sls:\/\/proj\/nothing-here/);
    await missing.close();

    emulator.createLogstore('proj', 'noindex-traces');
    lines.length = 0;
    const store = await openSlsStoreUri(uri('noindex'), { env, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/noindex-traces in project proj has no index; queries will fail until you run `jaeger-sls sls init/);
    const err = await store.getServices().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as Error).message).toMatch(/sls init/);
    await store.close();
  });
});

describe('faults', () => {
  // PutLogs has no idempotency key: a request that times out after SLS stored it is sent again, so
  // delivery is at-least-once. Errors answered by SLS (and dropped connections) never double.
  it('writes survive 429, 500, 403 WriteQuotaExceed, dropped connections and timeouts, losing nothing', async () => {
    const instance = `it-${++n}`;
    emulator.createLogstore('proj', `${instance}-traces`, spanIndexConfig() as never);
    const store = (await openSlsStoreUri(uri(instance, '&timeoutMs=1000'), { env, log: () => {}, producer: { retryBaseMs: 20, retryMaxMs: 200, maxBatchLogs: 500 } })) as SlsStore;
    for (const kind of ['http429', 'quota', 'http500', 'http503', 'drop'] as const) emulator.inject({ kind, scope: 'write', count: 2 });
    emulator.inject({ kind: 'slow', scope: 'write', count: 1, delayMs: 3000 });
    const written = spans(3000);
    await Promise.all([store.writeSpans(written.slice(0, 1000)), store.writeSpans(written.slice(1000, 2000)), store.writeSpans(written.slice(2000))]);
    const rows = emulator.logstore('proj', `${instance}-traces`)!.rows;
    expect(new Set(rows.map((r) => r.spanID)).size, 'every span stored').toBe(3000);
    expect(rows.length, 'duplicates only from requests that timed out after being stored').toBeLessThanOrEqual(3000 + 500 * emulator.stats.faultsInjected);
    expect(store.producerStats.retries).toBeGreaterThanOrEqual(11);
    emulator.clearFaults();
    await store.close();
  });

  it('reads repeat while progress is Incomplete and retry transient errors', async () => {
    const { store } = await freshStore();
    await store.writeSpans(spans(20, 'incomplete-svc'));
    const before = emulator.stats.getLogsRequests;
    emulator.inject({ kind: 'incomplete', scope: 'read', count: 3 });
    expect(await store.getServices()).toEqual(['incomplete-svc']);
    expect(emulator.stats.getLogsRequests - before).toBe(4);
    emulator.inject({ kind: 'http500', scope: 'read', count: 2 });
    const trace = await store.getTrace({ traceId: '00000000000000000000000000000001' });
    expect(trace.spans).toHaveLength(10);
    await store.close();
  });
});

describe('wire formats', () => {
  it.each(['lz4', 'deflate', 'none'])('compress=%s is accepted and decoded', async (compress) => {
    const { store } = await freshStore(`&compress=${compress}`);
    const before = emulator.stats.compressTypes[compress] ?? 0;
    await store.writeSpans(spans(50, `svc-${compress}`));
    expect((emulator.stats.compressTypes[compress] ?? 0) - before).toBe(1);
    expect(await store.getServices()).toEqual([`svc-${compress}`]);
    await store.close();
  });
});

describe('data written by others', () => {
  it('reads aliyun-log-jaeger rows (unpadded ids, "0" parent, stringified tags) through every read path', async () => {
    const { store, instance } = await freshStore();
    const t = Math.floor(Date.now() / 1000) - 30;
    const common = { __time__: String(t), name: 'legacy-op', kind: 'server', flags: '1', service: 'legacy', statusCode: 'UNSET', resource: '{"ProcessID":"p1"}', logs: '[]' };
    emulator.putRows('proj', `${instance}-traces`, [
      { ...common, traceID: 'abc', spanID: '1', parentSpanID: '0', start: String(t * 1e6), duration: '1000', end: String(t * 1e6 + 1000), attribute: '{"http.status_code":"200"}', links: '[]' },
      {
        ...common,
        traceID: 'abc',
        spanID: '2',
        parentSpanID: '1',
        service: 'legacy-db',
        start: String(t * 1e6 + 10),
        duration: '500',
        end: String(t * 1e6 + 510),
        attribute: '{}',
        links: '[{"TraceID":"abc","SpanID":"1","RefType":"CHILD_OF"}]',
      },
    ]);
    const traceId = '00000000000000000000000000000abc';
    const trace = await store.getTrace({ traceId });
    expect(trace.spans.map((s) => [s.spanId, s.references.map((r) => r.spanId)]).sort()).toEqual([
      ['0000000000000001', []],
      ['0000000000000002', ['0000000000000001']],
    ]);
    expect(await store.getServices()).toEqual(['legacy', 'legacy-db']);
    expect(await store.getOperations({ serviceName: 'legacy' })).toEqual([{ name: 'legacy-op', spanKind: 'server' }]);
    const found = await store.findTraceIds({ serviceName: 'legacy', tags: { 'http.status_code': '200' } });
    expect(found).toEqual([{ traceId, start: t * 1e6, end: t * 1e6 + 1000 }]);
    expect(await store.getDependencies(Date.now() * 1000, 3600e6)).toEqual([{ parent: 'legacy', child: 'legacy-db', callCount: 1 }]);
    await store.close();
  });

  it('takes dependencies from <instance>-traces-deps when the SLS Trace app keeps one', async () => {
    const { store, instance } = await freshStore();
    const deps = `${instance}-traces-deps`;
    const text = { type: 'text', token: [], doc_value: true };
    const long = { type: 'long', doc_value: true };
    emulator.createLogstore('proj', deps, { keys: { version: text, parent_service: text, child_service: text, n_status_succ: long, n_status_fail: long } } as never);
    const t = String(Math.floor(Date.now() / 1000) - 60);
    emulator.putRows('proj', deps, [
      { __time__: t, version: 'service', parent_service: 'web', child_service: 'api', n_status_succ: '7', n_status_fail: '1' },
      { __time__: t, version: 'service', parent_service: 'web', child_service: 'api', n_status_succ: '2', n_status_fail: '0' },
      { __time__: t, version: 'service', parent_service: 'None', child_service: 'web', n_status_succ: '5', n_status_fail: '0' },
      { __time__: t, version: 'service', parent_service: 'api', child_service: 'api', n_status_succ: '5', n_status_fail: '0' },
      { __time__: t, version: 'service_name', parent_service: 'web', child_service: 'db', n_status_succ: '5', n_status_fail: '0' },
    ]);
    expect(await store.getDependencies(Date.now() * 1000, 3600e6)).toEqual([{ parent: 'web', child: 'api', callCount: 10 }]);
    await store.close();
  });
});

describe('escaping end to end', () => {
  it('hostile service, operation and tag values find only their own traces over HTTP (property)', async () => {
    const hostile = fc.oneof(fc.constantFrom('x" or *', "' or 1=1 --", 'a\\', '\\"', '*', 'not x', 'x) or (y', '服务 "引号"', '%_', 'x|select 1'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(hostile, hostile, hostile), { minLength: 2, maxLength: 3, selector: (t) => t.join('\u0001') }), async (values) => {
        const { store } = await freshStore();
        try {
          const written = values.map(([svc, op, v], i) => ({ ...spans(1, svc, i + 1)[0], operationName: op, tags: [{ key: 'k', type: 'string' as const, value: v }] }));
          await store.writeSpans(written);
          for (const [i, [svc, op, v]] of values.entries()) {
            const expected = written.filter((s, j) => values[j][0] === svc && values[j][1] === op && values[j][2] === v).map((s) => s.traceId);
            expect((await store.findTraceIds({ serviceName: svc, operationName: op, tags: { k: v } })).map((f) => f.traceId)).toEqual(expected);
            expect((await store.getTrace({ traceId: written[i].traceId })).spans[0].process.serviceName).toBe(svc);
          }
          expect(await store.getServices()).toEqual([...new Set(values.map((w) => w[0]))].sort());
        } finally {
          await store.close();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('dependencies: the SLS join against the one call-pairing rule', () => {
  it('GetDependencies inside SLS equals facts/call-pairing.ts on the same spans', async () => {
    const { store } = await freshStore();
    // The shop workload moved into the last hour: references, client/server pairs, FOLLOWS_FROM,
    // a call cycle, virtual peers (no link in Jaeger's GetDependencies) and an orphan span.
    const shift = NOW_US - 900_000_000 - SHOP_WINDOW.start;
    const traces = shopTraces().map((t) => ({ spans: t.spans.map((s) => ({ ...s, startTime: s.startTime + shift })) }));
    const counter = new DependencyLinkCounter();
    for (const t of traces) {
      await store.writeSpans(t.spans);
      counter.addTrace(t);
    }
    const expected = counter.links();
    expect(expected.length).toBeGreaterThan(4);
    expect(await store.getDependencies(Date.now() * 1000, 3600e6)).toEqual(expected);
    await store.close();
  });
});
