import { describe, expect, it } from 'vitest';
import { logEntries } from '../../../src/storage/sls/log-group.js';
import { Producer } from '../../../src/storage/sls/producer.js';
import type { ProducerOptions } from '../../../src/storage/sls/producer.js';
import { SlsError } from '../../../src/storage/sls/sls-client.js';

const log = (n: number, size = 100) => Buffer.alloc(size, n % 251);

interface Call {
  logs: number;
  bytes: number;
  settle(error?: unknown): void;
}

/** A transport whose requests stay pending until the test settles them. */
function manualTransport() {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send: ProducerOptions['send'] = (_target, group, logCount) =>
    new Promise((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push({
        logs: logCount,
        bytes: group.length,
        settle: (error) => {
          inFlight--;
          if (error) reject(error);
          else resolve({ bytesSent: group.length });
        },
      });
    });
  return { calls, send, maxInFlight: () => maxInFlight };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const retryable = (err: unknown) => err instanceof SlsError && err.retryable;

describe('Producer', () => {
  it('batches at 4096 logs and at the raw byte limit', async () => {
    const t = manualTransport();
    const p = new Producer({ send: t.send, isRetryable: retryable, lingerMs: 5 });
    const done = p.add({ logstore: 'ls' }, logEntries(Array.from({ length: 10_000 }, (_, i) => log(i, 20))));
    await until(() => t.calls.length === 3, '3 batches');
    expect(t.calls.map((c) => c.logs)).toEqual([4096, 4096, 1808]);
    t.calls.forEach((c) => c.settle());
    await done;

    const big = manualTransport();
    const q = new Producer({ send: big.send, isRetryable: retryable, lingerMs: 5, maxBatchBytes: 3 * 1024 * 1024 });
    const pending = q.add({ logstore: 'ls' }, logEntries(Array.from({ length: 40 }, (_, i) => log(i, 200_000))));
    await until(() => big.calls.length === 3, '3 size-limited batches');
    for (const c of big.calls) expect(c.bytes).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(big.calls.map((c) => c.logs)).toEqual([15, 15, 10]);
    big.calls.forEach((c) => c.settle());
    await pending;
  });

  it('sends at once when idle and batches what arrives while a request is out', async () => {
    const t = manualTransport();
    const p = new Producer({ send: t.send, isRetryable: retryable, lingerMs: 60_000 });
    const first = p.add({ logstore: 'ls' }, logEntries([log(1)]));
    await until(() => t.calls.length === 1, 'immediate send');
    const rest = Array.from({ length: 50 }, (_, i) => p.add({ logstore: 'ls' }, logEntries([log(i + 2)])));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.calls.length, 'nothing else goes while the first request is out').toBe(1);
    t.calls[0].settle();
    await first;
    await until(() => t.calls.length === 2, 'the accumulated batch');
    expect(t.calls[1].logs).toBe(50);
    t.calls[1].settle();
    await Promise.all(rest);
  });

  it('resolves add() only once SLS acknowledged every one of its logs', async () => {
    const t = manualTransport();
    const p = new Producer({ send: t.send, isRetryable: retryable, lingerMs: 1, maxBatchLogs: 2 });
    let resolved = false;
    const done = p.add({ logstore: 'ls' }, logEntries([log(1), log(2), log(3)])).then(() => (resolved = true));
    await until(() => t.calls.length === 2, 'two batches');
    t.calls[0].settle();
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    t.calls[1].settle();
    await done;
    expect(resolved).toBe(true);
  });

  it('keeps at most maxInFlight requests and applies back-pressure when the buffer is full', async () => {
    const t = manualTransport();
    const p = new Producer({ send: t.send, isRetryable: retryable, lingerMs: 1, maxBatchLogs: 10, maxInFlight: 3, maxBufferBytes: 10_000 });
    const first = p.add({ logstore: 'ls' }, logEntries(Array.from({ length: 100 }, (_, i) => log(i, 98)))); // 100 entries of 100 bytes (2 framing): fills the buffer
    let secondAdmitted = false;
    const second = p.add({ logstore: 'ls' }, logEntries([log(7)])).then(() => (secondAdmitted = true));
    await until(() => t.calls.length === 3, '3 in flight');
    await new Promise((r) => setTimeout(r, 20));
    expect(t.calls.length).toBe(3);
    expect(p.stats.bufferedBytes).toBeLessThanOrEqual(10_000);
    expect(p.stats.waits).toBe(1);
    for (let i = 0; i < 10; i++) {
      await until(() => t.calls.length > i, `call ${i}`);
      t.calls[i].settle();
    }
    await first;
    await until(() => t.calls.length === 11, 'second add sent');
    t.calls[10].settle();
    await second;
    expect(secondAdmitted).toBe(true);
    expect(t.maxInFlight()).toBe(3);
    expect(p.stats.peakBufferedBytes).toBeLessThanOrEqual(10_000);
  });

  it('retries 429, 5xx, WriteQuotaExceed and network errors with growing backoff, then succeeds', async () => {
    const errors = [
      new SlsError('throttled', 'TooManyRequests', 429),
      new SlsError('busy', 'InternalServerError', 500),
      new SlsError('quota', 'WriteQuotaExceed', 403),
      new SlsError('reset', 'ECONNRESET', undefined),
      new SlsError('timeout', 'RequestTimeoutError', undefined),
    ];
    const times: number[] = [];
    const p = new Producer({
      send: async () => {
        times.push(Date.now());
        const e = errors.shift();
        if (e) throw e;
        return { bytesSent: 1 };
      },
      isRetryable: retryable,
      lingerMs: 1,
      retryBaseMs: 10,
      retryMaxMs: 1000,
      random: () => 1,
    });
    await p.add({ logstore: 'ls' }, logEntries([log(1)]));
    expect(times.length).toBe(6);
    expect(p.stats.retries).toBe(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[4]).toBeGreaterThanOrEqual(100); // 10 ms × 2^4 with jitter at its cap
  });

  it('does not retry 400, 401 or 404 and rejects the writes with the mapped error', async () => {
    for (const err of [new SlsError('bad', 'PostBodyInvalid', 400), new SlsError('sig', 'SignatureNotMatch', 401), new SlsError('gone', 'LogStoreNotExist', 404)]) {
      let calls = 0;
      const p = new Producer({
        send: async () => {
          calls++;
          throw err;
        },
        isRetryable: retryable,
        toError: (e) => new Error(`mapped: ${(e as Error).message}`),
        lingerMs: 1,
      });
      await expect(p.add({ logstore: 'ls' }, logEntries([log(1)]))).rejects.toThrow(`mapped: ${err.message}`);
      expect(calls).toBe(1);
    }
  });

  it('gives up after maxRetryElapsedMs so writers see the failure', async () => {
    const p = new Producer({
      send: async () => {
        throw new SlsError('down', 'InternalServerError', 500);
      },
      isRetryable: retryable,
      lingerMs: 1,
      retryBaseMs: 5,
      maxRetryElapsedMs: 100,
    });
    await expect(p.add({ logstore: 'ls' }, logEntries([log(1)]))).rejects.toThrow('down');
    expect(p.stats.failedBatches).toBe(1);
  });

  it('close() flushes what is queued and refuses more', async () => {
    const sent: number[] = [];
    const p = new Producer({ send: async (_t, _g, n) => (sent.push(n), { bytesSent: 1 }), isRetryable: retryable, lingerMs: 60_000 });
    const pending = p.add({ logstore: 'ls' }, logEntries([log(1), log(2)]));
    await p.close();
    await pending;
    expect(sent).toEqual([2]);
    await expect(p.add({ logstore: 'ls' }, logEntries([log(3)]))).rejects.toThrow(/closed/);
  });
});
