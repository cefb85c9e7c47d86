import type { Span } from '../model/index.js';

/** Most spans merged into one store write. */
export const MAX_COALESCED_SPANS = 10_000;

interface PendingWrite {
  spans: readonly Span[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit for concurrent writers: writes arriving in the same event-loop turn, or while a store
 * write is running, queue; then everything queued goes to the store in one call. Each caller's promise settles when its
 * own spans are durable. If a merged write fails, its parts are retried one by one so each caller
 * gets its own outcome (a bad batch never fails a neighbour).
 */
export interface CoalescedWriter {
  (spans: readonly Span[]): Promise<void>;
  /** Resolves once every write handed over so far has been settled. */
  idle(): Promise<void>;
}

export function coalesceWrites(write: (spans: readonly Span[]) => Promise<void>, maxSpans = MAX_COALESCED_SPANS): CoalescedWriter {
  const queue: PendingWrite[] = [];
  let running = false;
  let drained: Promise<void> = Promise.resolve();

  const settleEach = async (parts: PendingWrite[]) => {
    for (const p of parts) {
      try {
        await write(p.spans);
        p.resolve();
      } catch (err) {
        p.reject(err);
      }
    }
  };

  const drain = async () => {
    while (queue.length > 0) {
      const parts: PendingWrite[] = [];
      let count = 0;
      while (queue.length > 0 && (parts.length === 0 || count + queue[0].spans.length <= maxSpans)) {
        const p = queue.shift()!;
        parts.push(p);
        count += p.spans.length;
      }
      if (parts.length === 1) {
        await settleEach(parts);
        continue;
      }
      try {
        await write(parts.flatMap((p) => p.spans));
        for (const p of parts) p.resolve();
      } catch {
        await settleEach(parts);
      }
    }
    running = false;
  };

  const writer = (spans: readonly Span[]) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ spans, resolve, reject });
      if (!running) {
        // NOTE: start on the next turn of the event loop, so that writes arriving in this turn
        // share the commit even when the store writes synchronously (better-sqlite3).
        running = true;
        drained = new Promise<void>((done) => setImmediate(() => void drain().then(done)));
      }
    });
  return Object.assign(writer, { idle: () => drained });
}

/** The writes unmerged, for a store that batches itself; idle() as coalesceWrites'. */
export function trackWrites(write: (spans: readonly Span[]) => Promise<void>): CoalescedWriter {
  let running = 0;
  const waiters: (() => void)[] = [];
  const settled = () => {
    if (--running === 0) for (const w of waiters.splice(0)) w();
  };
  const writer = (spans: readonly Span[]) => {
    running++;
    let result: Promise<void>;
    try {
      result = write(spans);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(settled, settled);
    return result;
  };
  return Object.assign(writer, { idle: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))) });
}
