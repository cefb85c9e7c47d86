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

/** A trace a search found: its id and its spans in parts as stored, read when iterated. */
export interface FoundTraceParts {
  traceId: string;
  parts: AsyncIterable<Span[]> | Iterable<Span[]>;
}

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
   * The spans getTrace would return, in parts as stored (each bounded by the backend; a whole trace
   * where the backend keeps no smaller unit, storage/whole-trace-reads.ts), read lazily, so a caller
   * streams a trace in bounded parts and stopping the iteration stops the reading. Yields nothing
   * when no span has this id.
   */
  getTraceParts(query: GetTraceQuery): AsyncIterable<Span[]>;
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
   * The traces findTraces would yield, in its order, each as its id and its spans in parts as
   * getTraceParts gives them, found and read lazily, so a caller streams every found trace in
   * bounded parts: a backend that matches stored parts holds no trace whole; one that keeps nothing
   * finer than whole traces gives each trace findTraces yields as one part
   * (storage/whole-trace-reads.ts). Read a trace's parts before asking for the next trace.
   */
  findTraceParts(query: TraceQuery): AsyncIterable<FoundTraceParts>;
  /**
   * Calls `visit` with the dependency facts (facts/dependency-spans.ts) of every trace findTraces
   * yields for the same time window: read where the backend keeps them beside the spans, else
   * derived from findTraces (storage/whole-trace-reads.ts). `visit` runs synchronously, once per
   * trace, and must not keep its argument (it is reused).
   */
  forEachDependencySpans(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void>;
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
  /** As SpanReader.getTraceParts, of the archive. */
  getTraceParts(query: GetTraceQuery): AsyncIterable<Span[]>;
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
