/**
 * Batching producer for SLS PutLogs, after the Go/Java SLS producers (sls.md §2.7, §5.6):
 * - logs are batched per target (logstore + topic): a batch is sent at 4096 logs, at ~3 MB of raw
 *   LogGroup, `lingerMs` after its first log, or at once when no request is out (so a lone writer
 *   waits one round trip while concurrent writers share requests);
 * - at most `maxInFlight` requests at once; memory is bounded: logs not yet acknowledged occupy at
 *   most `maxBufferBytes`, and `add` waits (FIFO) for room instead of growing or dropping;
 * - failed requests are retried with exponential backoff and full jitter while the error is
 *   transient (429, 5xx, 403 quota, timeouts, network) and `maxRetryElapsedMs` has not passed;
 *   400/401/404 fail at once. A retrying batch keeps its slot, so an outage does not hammer SLS;
 * - `add` resolves only when every log it handed over is acknowledged by SLS (the durability
 *   contract of SpanWriter for remote stores), and rejects when any of its batches finally fails.
 * The transport is injected (`send`), so the producer is tested without HTTP.
 */
import type { LogEntries } from './log-group.js';
import { logGroupFromEntries } from './log-group.js';

export interface ProducerTarget {
  logstore: string;
  topic?: string;
}

export interface ProducerOptions {
  /** Sends one LogGroup; resolves on acknowledgement, rejects with an error `isRetryable` can judge. */
  send(target: ProducerTarget, logGroup: Buffer, logCount: number): Promise<{ bytesSent: number }>;
  isRetryable(error: unknown): boolean;
  /** Turns a final failure into the error `add` rejects with. */
  toError?(error: unknown): Error;
  maxBatchLogs?: number;
  /** Raw (uncompressed) LogGroup bytes per request. */
  maxBatchBytes?: number;
  lingerMs?: number;
  maxInFlight?: number;
  maxBufferBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxRetryElapsedMs?: number;
  /** stderr lines (retries, give-ups); never includes credentials. */
  log?(line: string): void;
  random?(): number;
}

export interface ProducerStats {
  requests: number;
  /** Successful requests. */
  batchesSent: number;
  logsSent: number;
  rawBytesSent: number;
  bytesSent: number;
  retries: number;
  failedBatches: number;
  bufferedBytes: number;
  peakBufferedBytes: number;
  /** add() calls that had to wait for room. */
  waits: number;
}

interface Ticket {
  pending: number;
  failed: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Batch {
  target: ProducerTarget;
  /** Runs of LogGroup entries (subarrays of the LogEntries handed to add). */
  parts: Buffer[];
  count: number;
  rawBytes: number;
  memory: number;
  /** Each ticket once: an add() hands over its entries in one go. */
  tickets: Ticket[];
  timer?: NodeJS.Timeout;
}

const LOG_GROUP_OVERHEAD = 64;

export class Producer {
  readonly stats: ProducerStats = { requests: 0, batchesSent: 0, logsSent: 0, rawBytesSent: 0, bytesSent: 0, retries: 0, failedBatches: 0, bufferedBytes: 0, peakBufferedBytes: 0, waits: 0 };
  private readonly open = new Map<string, Batch>();
  private readonly sealed: Batch[] = [];
  private inFlight = 0;
  private readonly roomWaiters: { bytes: number; wake: () => void }[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  /** flush() calls in progress: new batches are sealed at once. */
  private flushing = 0;
  /** add() calls woken from the room queue that have not enqueued yet. */
  private admitted = 0;
  private readonly o: Required<Omit<ProducerOptions, 'log' | 'toError'>> & Pick<ProducerOptions, 'log' | 'toError'>;

  constructor(options: ProducerOptions) {
    this.o = {
      maxBatchLogs: 4096,
      maxBatchBytes: 3 * 1024 * 1024,
      lingerMs: 20,
      maxInFlight: 8,
      maxBufferBytes: 64 * 1024 * 1024,
      retryBaseMs: 100,
      retryMaxMs: 10_000,
      maxRetryElapsedMs: 120_000,
      random: Math.random,
      ...options,
    };
  }

  /** Queues encoded logs (see log-group.ts `LogEntries`); resolves when SLS has acknowledged all of them. */
  add(target: ProducerTarget, logs: LogEntries): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SLS producer is closed'));
    if (logs.ends.length === 0) return Promise.resolve();
    const bytes = logs.data.length;
    const fits = this.stats.bufferedBytes === 0 || this.stats.bufferedBytes + bytes <= this.o.maxBufferBytes;
    if (this.roomWaiters.length === 0 && fits) {
      this.reserve(bytes);
      return this.enqueue(target, logs);
    }
    this.stats.waits++;
    return new Promise<void>((wake) => this.roomWaiters.push({ bytes, wake })).then(() => {
      this.admitted--;
      return this.enqueue(target, logs);
    });
  }

  private enqueue(target: ProducerTarget, logs: LogEntries): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { pending: 0, failed: false, resolve, reject };
      const key = `${target.logstore}\u0000${target.topic ?? ''}`;
      const { data, ends } = logs;
      const { maxBatchLogs, maxBatchBytes } = this.o;
      for (let i = 0; i < ends.length; ) {
        const from = i === 0 ? 0 : ends[i - 1];
        let batch = this.open.get(key);
        if (batch && (batch.count >= maxBatchLogs || batch.rawBytes + (ends[i] - from) > maxBatchBytes)) {
          this.seal(key, batch);
          batch = undefined;
        }
        if (!batch) {
          batch = { target, parts: [], count: 0, rawBytes: LOG_GROUP_OVERHEAD, memory: 0, tickets: [] };
          this.open.set(key, batch);
        }
        // The longest run of entries from i that fits (at least one: a batch takes any first log).
        let j = i + 1;
        while (j < ends.length && batch.count + (j + 1 - i) <= maxBatchLogs && batch.rawBytes + (ends[j] - from) <= maxBatchBytes) j++;
        const part = data.subarray(from, ends[j - 1]);
        batch.parts.push(part);
        batch.count += j - i;
        batch.rawBytes += part.length;
        batch.memory += part.length;
        if (batch.tickets[batch.tickets.length - 1] !== ticket) {
          batch.tickets.push(ticket);
          ticket.pending++;
        }
        i = j;
      }
      const last = this.open.get(key);
      if (last) {
        // Idle: send at once (a lone writer waits one round trip, not the linger). Busy: the
        // batch grows while requests are out, and goes when one returns or the linger ends.
        const idle = this.inFlight === 0 && this.sealed.length === 0;
        if (last.count >= maxBatchLogs || this.flushing || idle) this.seal(key, last);
        else if (!last.timer) last.timer = setTimeout(() => this.open.get(key) === last && this.seal(key, last), this.o.lingerMs);
      }
      this.pump();
    });
  }

  /** Sends everything queued and waits until nothing is pending. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      for (const [key, batch] of [...this.open]) this.seal(key, batch);
      this.pump();
      if (this.isIdle()) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    } finally {
      this.flushing--;
    }
  }

  /** Flushes, then refuses new logs. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private isIdle(): boolean {
    return this.open.size === 0 && this.sealed.length === 0 && this.inFlight === 0 && this.roomWaiters.length === 0 && this.admitted === 0;
  }

  private reserve(bytes: number): void {
    this.stats.bufferedBytes += bytes;
    if (this.stats.bufferedBytes > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = this.stats.bufferedBytes;
  }

  private release(bytes: number): void {
    this.stats.bufferedBytes -= bytes;
    while (this.roomWaiters.length > 0) {
      const next = this.roomWaiters[0];
      if (this.stats.bufferedBytes !== 0 && this.stats.bufferedBytes + next.bytes > this.o.maxBufferBytes) break;
      this.roomWaiters.shift();
      this.admitted++;
      this.reserve(next.bytes);
      next.wake();
    }
  }

  private seal(key: string, batch: Batch): void {
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = undefined;
    this.open.delete(key);
    this.sealed.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.sealed.length > 0) {
      const batch = this.sealed.shift()!;
      this.inFlight++;
      void this.deliver(batch);
    }
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async deliver(batch: Batch): Promise<void> {
    const group = logGroupFromEntries(batch.parts, batch.target.topic ? { topic: batch.target.topic } : {});
    batch.parts = [];
    const startedAt = Date.now();
    let failure: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        this.stats.requests++;
        const { bytesSent } = await this.o.send(batch.target, group, batch.count);
        this.stats.batchesSent++;
        this.stats.logsSent += batch.count;
        this.stats.rawBytesSent += group.length;
        this.stats.bytesSent += bytesSent;
        failure = undefined;
        break;
      } catch (err) {
        failure = err;
        const elapsed = Date.now() - startedAt;
        if (!this.o.isRetryable(err) || elapsed >= this.o.maxRetryElapsedMs) break;
        const cap = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(attempt, 30));
        const delay = Math.min(this.o.maxRetryElapsedMs - elapsed, this.o.retryBaseMs + this.o.random() * (cap - this.o.retryBaseMs));
        this.stats.retries++;
        if (attempt === 0 || attempt % 10 === 9) {
          this.o.log?.(`sls: PutLogs to ${batch.target.logstore} failed (${describe(err)}); retrying (attempt ${attempt + 1})`);
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (failure !== undefined) {
      this.stats.failedBatches++;
      this.o.log?.(`sls: PutLogs to ${batch.target.logstore} gave up after ${Math.round((Date.now() - startedAt) / 1000)} s: ${describe(failure)}`);
    }
    const error = failure === undefined ? undefined : this.o.toError ? this.o.toError(failure) : failure instanceof Error ? failure : new Error(String(failure));
    for (const t of batch.tickets) {
      if (t.failed) continue;
      if (error) {
        t.failed = true;
        t.reject(error);
      } else if (--t.pending === 0) t.resolve();
    }
    this.inFlight--;
    this.release(batch.memory);
    if (this.inFlight === 0 && this.sealed.length === 0) for (const [key, open] of [...this.open]) this.seal(key, open);
    this.pump();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0].slice(0, 200) : String(err);
}
