import type { DependencyLink, FoundTraceId, GetTraceQuery, Operation, OperationQuery, Span, Trace, TraceQuery } from '../model/index.js';
import type { ArchiveStore, FoundTraceParts, Store, TraceStore } from './types.js';
import type { DependencySpans } from '../facts/dependency-spans.js';

/**
 * Most spans merged into one backend write. A commit holds its spans in memory until it is
 * acknowledged, so this bounds a group's memory (about 10 MB of decoded spans) and the wait of the
 * last caller in it, while a group still spreads a transaction's fixed cost over thousands of spans.
 */
export const MAX_GROUP_SPANS = 10_000;

/**
 * Group commit as a decorator of the storage contract: writeSpans calls made in the same
 * event-loop turn, or while the backend is writing an earlier group, are merged into one backend
 * writeSpans call of at most `maxSpans` spans (a single larger call goes alone). Each caller's
 * promise settles when its own spans are durable. When a merged write fails, its parts are retried
 * one by one, so each caller gets its own outcome and a malformed batch never fails a neighbour.
 * Reads pass through. close() commits everything handed over, then closes the backend.
 *
 * For backends whose writes cost per call (a transaction, a request); not for a backend that
 * batches concurrent calls itself, where merging would only keep spans alive longer.
 */
export function withGroupCommit(store: Store, maxSpans = MAX_GROUP_SPANS): Store {
  return new GroupCommitStore(store, maxSpans);
}

interface PendingWrite {
  spans: readonly Span[];
  resolve(): void;
  reject(err: unknown): void;
}

/** One backend writer's queue. */
class GroupCommitter {
  private readonly queue: PendingWrite[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly write: (spans: readonly Span[]) => Promise<void>,
    private readonly maxSpans: number,
  ) {}

  writeSpans(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ spans, resolve, reject });
      // Started on the next turn, so the writes arriving in this one share the group even when the
      // backend writes synchronously.
      this.draining ??= new Promise<void>((done) => setImmediate(() => void this.drain().then(done)));
    });
  }

  /** Resolves once every write handed over so far has settled. */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      let count = this.queue[0].spans.length;
      let n = 1;
      while (n < this.queue.length && count + this.queue[n].spans.length <= this.maxSpans) count += this.queue[n++].spans.length;
      const group = this.queue.splice(0, n);
      if (group.length === 1) {
        await this.settle(group[0]);
        continue;
      }
      const merged: Span[] = new Array<Span>(count);
      let i = 0;
      for (const part of group) for (const span of part.spans) merged[i++] = span;
      try {
        await this.write(merged);
        for (const part of group) part.resolve();
      } catch {
        for (const part of group) await this.settle(part);
      }
    }
    this.draining = undefined;
  }

  private async settle(part: PendingWrite): Promise<void> {
    try {
      await this.write(part.spans);
      part.resolve();
    } catch (err) {
      part.reject(err);
    }
  }
}

/** One tenant's view: writes (primary and archive) through group commits, reads straight through. */
class GroupCommitView implements TraceStore {
  readonly archive?: ArchiveStore;
  private readonly writer: GroupCommitter;

  constructor(
    private readonly inner: TraceStore,
    committers: GroupCommitter[],
    maxSpans: number,
  ) {
    this.writer = new GroupCommitter((spans) => inner.writeSpans(spans), maxSpans);
    committers.push(this.writer);
    const archive = inner.archive;
    if (archive) {
      const archiveWriter = new GroupCommitter((spans) => archive.writeSpans(spans), maxSpans);
      committers.push(archiveWriter);
      this.archive = {
        writeSpans: (spans) => archiveWriter.writeSpans(spans),
        getTrace: (q) => archive.getTrace(q),
        getTraceParts: (q) => archive.getTraceParts(q),
      };
    }
  }

  writeSpans(spans: readonly Span[]): Promise<void> {
    return this.writer.writeSpans(spans);
  }
  getTrace(query: GetTraceQuery): Promise<Trace> {
    return this.inner.getTrace(query);
  }
  getTraceParts(query: GetTraceQuery): AsyncIterable<Span[]> {
    return this.inner.getTraceParts(query);
  }
  getServices(): Promise<string[]> {
    return this.inner.getServices();
  }
  getOperations(query: OperationQuery): Promise<Operation[]> {
    return this.inner.getOperations(query);
  }
  findTraces(query: TraceQuery): AsyncIterable<Trace> {
    return this.inner.findTraces(query);
  }
  findTraceIds(query: TraceQuery): Promise<FoundTraceId[]> {
    return this.inner.findTraceIds(query);
  }
  findTraceParts(query: TraceQuery): AsyncIterable<FoundTraceParts> {
    return this.inner.findTraceParts(query);
  }
  forEachDependencySpans(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
    return this.inner.forEachDependencySpans(window, visit);
  }
  getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    return this.inner.getDependencies(endTime, lookback);
  }
}

class GroupCommitStore extends GroupCommitView implements Store {
  private readonly views = new Map<string, TraceStore>();
  readonly purge?: () => Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly maxSpans: number,
    private readonly committers: GroupCommitter[] = [],
  ) {
    super(store, committers, maxSpans);
    this.views.set('', this);
    const purge = store.purge;
    if (purge) this.purge = async () => (await this.idle(), purge.call(store));
  }

  forTenant(tenant: string): TraceStore {
    let view = this.views.get(tenant);
    if (!view) this.views.set(tenant, (view = new GroupCommitView(this.store.forTenant(tenant), this.committers, this.maxSpans)));
    return view;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.store.close();
  }

  /** Waits until no write handed over is still queued or being committed. */
  private async idle(): Promise<void> {
    await Promise.all(this.committers.map((c) => c.idle()));
  }
}
