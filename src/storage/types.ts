import type {
  DependencyLink,
  FoundTraceId,
  GetTraceQuery,
  Operation,
  OperationQuery,
  Span,
  Trace,
  TraceQuery,
} from '../model/index.js';
import type { DependencySpans } from '../facts/dependency-spans.js';

/**
 * The storage contract, in Jaeger's vocabulary (spanstore.Reader/Writer, dependencystore.Reader).
 * Times are integer µs since the Unix epoch; durations integer µs; bounds inclusive.
 */

export interface SpanWriter {
  /**
   * Stores the spans. Resolves only once they are durable (for the embedded store: committed to
   * the WAL; for remote stores: acknowledged by the backend). Rejects with InvalidArgumentError
   * for a malformed span, in which case none of the batch is stored.
   */
  writeSpans(spans: readonly Span[]): Promise<void>;
}

export interface SpanReader {
  /**
   * Every stored span of the trace, duplicate span ids included, in no guaranteed order.
   * Rejects with TraceNotFoundError when no span has this id (within the hinted range, if given).
   */
  getTrace(query: GetTraceQuery): Promise<Trace>;
  /**
   * Optional: the spans getTrace would return, in parts as stored (each bounded by the backend),
   * read lazily, so a caller streams a trace of any size and stopping the iteration stops the
   * reading. Yields nothing when no span has this id.
   */
  getTraceParts?(query: GetTraceQuery): AsyncIterable<Span[]>;
  /** Every service with stored spans, sorted; [] when empty. */
  getServices(): Promise<string[]>;
  /** Distinct (name, kind) pairs of the service, sorted by name then kind; [] for an unknown service. */
  getOperations(query: OperationQuery): Promise<Operation[]>;
  /**
   * Complete traces (including spans outside the window) in which at least one span satisfies every
   * condition of the query; newest first when `limit` cuts the result. Yields nothing when no trace
   * matches. Streams: callers may stop early.
   */
  findTraces(query: TraceQuery): AsyncIterable<Trace>;
  /** The ids findTraces would return, with the time range each trace covers. */
  findTraceIds(query: TraceQuery): Promise<FoundTraceId[]>;
  /**
   * Optional, with getTraceParts: the ids of the traces findTraces would yield, in its order,
   * found lazily without holding a trace whole (each matched part by part), so a caller streams
   * every found trace by getTraceParts in bounded memory.
   */
  findTraceIdsLazily?(query: TraceQuery): AsyncIterable<string>;
  /**
   * Optional: calls `visit` with the dependency facts (facts/dependency-spans.ts) of every trace
   * findTraces yields for the same time window, for stores that keep them beside the spans; readers
   * without it get the same from findTraces (storage/dependency-spans-source.ts). `visit` runs
   * synchronously, once per trace, and must not keep its argument (it is reused).
   */
  forEachDependencySpans?(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void>;
}

export interface DependencyReader {
  /** Service links from traces with a span starting in [endTime − lookback, endTime] (µs). */
  getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]>;
}

/** Archived traces, kept apart from the primary data and from its retention. */
export interface ArchiveStore {
  writeSpans(spans: readonly Span[]): Promise<void>;
  /** Rejects with TraceNotFoundError when the trace was never archived. */
  getTrace(query: GetTraceQuery): Promise<Trace>;
  /** Optional: as SpanReader.getTraceParts, of the archive. */
  getTraceParts?(query: GetTraceQuery): AsyncIterable<Span[]>;
}

/** One tenant's view of a store. */
export interface TraceStore extends SpanWriter, SpanReader, DependencyReader {
  /** Absent when the backend keeps no archive. */
  readonly archive?: ArchiveStore;
}

export interface Store extends TraceStore {
  /** The view of one tenant; the store itself is the default tenant "". */
  forTenant(tenant: string): TraceStore;
  /** Deletes every span of every tenant (tests and `PURGE`); optional. */
  purge?(): Promise<void>;
  /** Flushes pending writes and releases resources; idempotent. */
  close(): Promise<void>;
}
