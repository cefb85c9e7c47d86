/**
 * The emulator behaves like SLS towards the unmodified SDK: signature, Content-MD5 and time checks,
 * documented error bodies with their HTTP status, index CRUD, IndexConfigNotExist, [from, to)
 * windows, line/offset paging, and SQL with lower-cased columns.
 */
import http from 'node:http';
import Client from '@alicloud/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlsEmulator } from '../../support/sls-emulator/index.js';

let emulator: SlsEmulator;
let sdk: Client;
// sls.md §4.6 (a): the Host stays `<project>.127.0.0.1:PORT`, the connection goes to 127.0.0.1.
const agent = new http.Agent({ keepAlive: true, lookup: ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never });
const opts = { agent };
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  emulator = await new SlsEmulator().start();
  sdk = new Client({ accessKeyId: 'test-ak-id', accessKeySecret: 'test-ak-secret', endpoint: emulator.endpoint });
});
afterAll(async () => {
  agent.destroy();
  await emulator.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; name?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: { code?: string; name?: string; message: string }) => e,
  );
}

describe('SLS emulator with the unmodified SDK', () => {
  it('creates logstores and indexes, answering documented errors', async () => {
    await sdk.createLogStore('p1', 'ls1', { ttl: 7, shardCount: 2 }, opts);
    expect((await failure(sdk.createLogStore('p1', 'ls1', {}, opts))).code).toBe('LogStoreAlreadyExist');
    expect((await failure(sdk.getIndexConfig('p1', 'ls1', opts))).code).toBe('IndexConfigNotExist');
    await sdk.postLogStoreLogs('p1', 'ls1', { logs: [{ timestamp: now, content: { a: 'x' } }] }, opts);
    const noIndex = await failure(sdk.getLogs('p1', 'ls1', new Date((now - 5) * 1000), new Date((now + 5) * 1000), { query: '*' }, opts));
    expect([noIndex.code, noIndex.name]).toEqual(['IndexConfigNotExist', 'IndexConfigNotExistError']);
    await sdk.createIndex('p1', 'ls1', { line: { token: [' '] }, keys: { a: { type: 'text', token: [], caseSensitive: true } } }, opts);
    expect((await failure(sdk.createIndex('p1', 'ls1', { keys: {} }, opts))).code).toBe('IndexAlreadyExist');
    expect((await failure(sdk.getLogs('p1', 'missing', new Date(now * 1000), new Date((now + 5) * 1000), {}, opts))).code).toBe('LogStoreNotExist');
  });

  it('rejects a wrong secret with SignatureNotMatch and a log time outside SLS window with PostBodyInvalid', async () => {
    const wrong = new Client({ accessKeyId: 'test-ak-id', accessKeySecret: 'nope', endpoint: emulator.endpoint });
    expect((await failure(wrong.getLogStore('p1', 'ls1', opts))).code).toBe('SignatureNotMatch');
    const stranger = new Client({ accessKeyId: 'who', accessKeySecret: 'nope', endpoint: emulator.endpoint });
    expect((await failure(stranger.getLogStore('p1', 'ls1', opts))).code).toBe('InvalidAccessKeyId');
    const old = await failure(sdk.postLogStoreLogs('p1', 'ls1', { logs: [{ timestamp: now - 8 * 86_400, content: { a: 'x' } }] }, opts));
    expect([old.code, old.message]).toEqual(['PostBodyInvalid', 'post data time is out of range']);
  });

  it('answers 403 WriteQuotaExceed on demand, as the SDK names it', async () => {
    emulator.inject({ kind: 'quota', scope: 'write', count: 1 });
    const e = await failure(sdk.postLogStoreLogs('p1', 'ls1', { logs: [{ timestamp: now, content: { a: 'x' } }] }, opts));
    expect([e.name, e.message]).toEqual(['WriteQuotaExceedError', 'Project write quota exceed: inflow']);
  });

  it('queries [from, to) with paging, search and SQL', async () => {
    await sdk.createLogStore('p1', 'qq1', {}, opts);
    await sdk.createIndex('p1', 'qq1', { keys: { svc: { type: 'text', token: [], caseSensitive: true, doc_value: true }, n: { type: 'long', doc_value: true } } }, opts);
    const logs = Array.from({ length: 250 }, (_, i) => ({ timestamp: now - (i % 2), content: { svc: i % 5 === 0 ? 'a b' : 'c', n: String(i) } }));
    await sdk.postLogStoreLogs('p1', 'qq1', { logs }, opts);
    const window = [new Date((now - 1) * 1000), new Date((now + 1) * 1000)] as const;
    expect(await sdk.getLogs('p1', 'qq1', new Date(now * 1000), new Date((now + 1) * 1000), { query: '*', line: 100 }, opts)).toHaveLength(100);
    expect(await sdk.getLogs('p1', 'qq1', window[0], window[1], { query: '*', line: 100, offset: 200 }, opts)).toHaveLength(50);
    expect(await sdk.getLogs('p1', 'qq1', new Date((now - 1) * 1000), new Date(now * 1000), { query: '*', line: 100, offset: 100 }, opts)).toHaveLength(25);
    expect(await sdk.getLogs('p1', 'qq1', window[0], window[1], { query: 'svc: "a b" and n >= 200', line: 100 }, opts)).toHaveLength(10);
    expect(await sdk.getLogs('p1', 'qq1', window[0], window[1], { query: 'svc: "a b" | select "svc", count(1) as Total, max(n) as top from log group by "svc"' }, opts)).toEqual([
      { svc: 'a b', total: '50', top: '245' },
    ]);
    const bad = await failure(sdk.getLogs('p1', 'qq1', window[0], window[1], { query: 'svc: "unterminated' }, opts));
    expect(bad.code).toBe('InvalidQueryString');
    expect((await failure(sdk.getLogs('p1', 'qq1', window[1], window[1], {}, opts))).code).toBe('InvalidTimeRange');
  });
});
