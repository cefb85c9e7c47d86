import type { DependencyLink, FoundTraceId, GetTraceQuery, Operation, OperationQuery, Span, Trace, TraceQuery } from '../model/index.js';
import { NotSupportedError, ResourceExhaustedError, summarizeTrace, TraceNotFoundError } from '../model/index.js';
import { traceTimeRange } from '../storage/trace-matching.js';
import type { FoundTraceParts, TraceStore } from '../storage/types.js';
import { estimateSpanBytes, traceSummaryToProto } from '../formats/proto-mapping.js';
import { ProtoWriter } from '../formats/proto-writer.js';
import { writeSpansResponseChunk, writeTracesData } from '../formats/span-messages.js';
import { serviceDefinition } from '../storage/grpc/protos.js';

/**
 * A streamed trace read, as a plain value (it crosses to a read worker by structured clone).
 * v1 messages are SpansResponseChunk, v2 messages TracesData.
 */
export type ReadJob =
  | { kind: 'v1.GetTrace'; query: GetTraceQuery; archive: boolean }
  | { kind: 'v1.FindTraces'; query: TraceQuery }
  | { kind: 'v2.GetTraces'; queries: GetTraceQuery[] }
  | { kind: 'v2.FindTraces'; query: TraceQuery }
  | { kind: 'v2.FindTraceSummaries'; query: TraceQuery };

export interface ReadLimits {
  /** Spans per message at most (Jaeger's spanBatchSize). */
  maxSpansPerMessage: number;
  /** Estimated bytes per message at most; a single larger span still travels alone. */
  maxBytesPerMessage: number;
  /** Spans returned per trace at most; the last one returned carries a warning. Undefined: all. */
  maxTraceSpans?: number;
  /** Trace ids one FindTraceIDs answer holds at most (it is one message); more is RESOURCE_EXHAUSTED. */
  maxTraceIds: number;
}

/** A unary read (one answer) as a plain value: it crosses to a read worker by structured clone. */
export type UnaryRead =
  | { kind: 'services' }
  | { kind: 'operations'; query: OperationQuery }
  | { kind: 'traceIds'; query: TraceQuery }
  | { kind: 'dependencies'; endTime: number; lookback: number };

/** The domain answer of each unary read. */
export interface UnaryAnswers {
  services: string[];
  operations: Operation[];
  traceIds: FoundTraceId[];
  dependencies: DependencyLink[];
}
export type UnaryAnswer<R extends UnaryRead> = UnaryAnswers[R['kind']];

/** Unary reads whose cost grows with the data (a search, a window scan): they take a read slot. */
export function isCostlyRead(read: UnaryRead): boolean {
  return read.kind === 'traceIds' || read.kind === 'dependencies';
}

/**
 * Answers a unary read from the store. FindTraceIDs walks the matching traces one per step
 * (`between` runs between two, and stops the search when it says so) and refuses, with
 * RESOURCE_EXHAUSTED, to collect more ids than one answer message holds, so neither a huge limit
 * nor a huge window grows memory past that. Services, operations and dependencies are one step.
 */
export async function answerRead<R extends UnaryRead>(store: TraceStore, read: R, limits: ReadLimits, between: Between): Promise<UnaryAnswer<R>> {
  if (await between()) throw new ReadStopped();
  return (await answerOf(store, read, limits, between)) as UnaryAnswer<R>;
}

async function answerOf(store: TraceStore, read: UnaryRead, limits: ReadLimits, between: Between): Promise<UnaryAnswers[keyof UnaryAnswers]> {
  switch (read.kind) {
    case 'services':
      return store.getServices();
    case 'operations':
      return store.getOperations(read.query);
    case 'dependencies':
      return store.getDependencies(read.endTime, read.lookback);
    case 'traceIds': {
      const found: FoundTraceId[] = [];
      for await (const trace of foundTraces(store, read.query, between)) {
        if (found.length >= limits.maxTraceIds) {
          throw new ResourceExhaustedError(`more than ${limits.maxTraceIds} traces match, more ids than one answer holds: narrow the query or set a lower limit`);
        }
        found.push(trace);
        if (await between()) throw new ReadStopped();
      }
      return found;
    }
  }
}

/** The traces findTraces yields as id and time range, each read part by part as the store keeps it. */
async function* foundTraces(store: TraceStore, query: TraceQuery, between: Between): AsyncGenerator<FoundTraceId> {
  for await (const { traceId, parts } of store.findTraceParts(query)) {
    const range = { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY };
    for await (const spans of parts) {
      const part = traceTimeRange(spans);
      range.start = Math.min(range.start, part.start);
      range.end = Math.max(range.end, part.end);
      if (await between()) throw new ReadStopped();
    }
    if (range.start <= range.end) yield { traceId, ...range };
  }
}

/** A read stopped because its caller has gone; nobody receives its outcome. */
export class ReadStopped extends Error {
  constructor() {
    super('read stopped: the call has gone');
  }
}

/** Part of one trace's spans; `first` marks the first part of a trace. */
export interface TracePart {
  first: boolean;
  spans: readonly Span[];
}

/** What a read job reads: one trace in stored parts (nothing when unknown), and searches. */
export interface ReadSource {
  traceParts(query: GetTraceQuery, archive: boolean): AsyncIterable<readonly Span[]> | Iterable<readonly Span[]>;
  findTraces(query: TraceQuery): AsyncIterable<Trace>;
  /** The traces findTraces yields, in its order, each in its stored parts (storage/types.ts). */
  findTraceParts(query: TraceQuery): AsyncIterable<FoundTraceParts>;
}

/** A store as a read source: a trace in its stored parts. */
export function readSourceOf(store: TraceStore): ReadSource {
  return {
    async *traceParts(query, archive) {
      const from = archive ? store.archive : store;
      if (!from) throw new NotSupportedError('archive storage is not configured');
      yield* from.getTraceParts(query);
    },
    findTraces: (query) => store.findTraces(query),
    findTraceParts: (query) => store.findTraceParts(query),
  };
}

/** A response message encoded for the wire, and how many spans it carries. */
export interface ReadMessage {
  bytes: Buffer;
  spans: number;
}

/**
 * Spans encoded in one uninterruptible step. Encoding costs about 3–5 µs of CPU a span (v1 and v2
 * alike, formats/span-messages.ts), so a step is well under a millisecond: the thread running reads
 * looks at cancellations, credits and its other calls between steps, and even with a quarter of a
 * loaded core (a nice-5 read worker against nice-0 threads) a step ends within a few ms.
 */
export const SPANS_PER_STEP = 64;

/** First capacity of a read's message buffer: a 64-span step of typical spans (~200 bytes each); it grows to the largest message. */
const MESSAGE_WRITER_BYTES = 16 * 1024;

/**
 * Awaited between two steps of a read's work (reading one stored part, encoding SPANS_PER_STEP
 * spans); resolves true when the read must stop (its call is gone).
 */
export type Between = () => Promise<boolean>;

/**
 * The encoded messages of a read job, produced lazily in steps: a message of up to
 * maxSpansPerMessage spans is encoded SPANS_PER_STEP spans at a time, each step appending to it
 * (protobuf appends the repeated fields of concatenated messages: v1 gets the same bytes as one
 * encoding, v2 one ResourceSpans per resource and step). `between` runs between any two steps and
 * stops the read when it says so; no more than one message and one stored part are held at a time.
 */
export async function* readMessages(source: ReadSource, job: ReadJob, limits: ReadLimits, between: Between): AsyncGenerator<ReadMessage> {
  if (job.kind === 'v2.FindTraceSummaries') {
    yield* summaryMessages(source, job.query, between);
    return;
  }
  const v2 = job.kind.startsWith('v2.');
  const write = v2 ? writeTracesData : writeSpansResponseChunk;
  const w = new ProtoWriter(MESSAGE_WRITER_BYTES);
  const pieces = messagePieces(capTraces(untilStopped(partsOf(source, job), between), limits.maxTraceSpans), {
    maxSpans: limits.maxSpansPerMessage,
    maxBytes: limits.maxBytesPerMessage,
    // Storage v2 messages never mix traces (each TracesData is one trace's spans).
    oneTracePerChunk: v2,
    spansPerPiece: SPANS_PER_STEP,
  });
  let inMessage = 0;
  for await (const piece of pieces) {
    if (piece.startsMessage && inMessage > 0) {
      yield { bytes: w.take(), spans: inMessage };
      inMessage = 0;
    }
    if (await between()) return;
    write(w, piece.spans);
    inMessage += piece.spans.length;
  }
  if (inMessage > 0) yield { bytes: w.take(), spans: inMessage };
}

/**
 * v2 FindTraceSummaries: one message per found trace, as Jaeger's query service yields them (each
 * small and final), one trace per step. A summary needs the whole trace (its orphan count).
 */
async function* summaryMessages(source: ReadSource, query: TraceQuery, between: Between): AsyncGenerator<ReadMessage> {
  const serialize = serviceDefinition('traceReader').FindTraceSummaries.responseSerialize;
  if (await between()) return;
  for await (const trace of source.findTraces(query)) {
    if (trace.spans.length > 0) yield { bytes: serialize({ summaries: [traceSummaryToProto(summarizeTrace(trace.spans))] }), spans: 0 };
    if (await between()) return;
  }
}

async function* partsOf(source: ReadSource, job: ReadJob): AsyncGenerator<TracePart> {
  switch (job.kind) {
    case 'v1.GetTrace':
      // Storage v1: an unknown trace is NOT_FOUND.
      if (!(yield* traceParts(source, job.query, job.archive))) throw new TraceNotFoundError(job.query.traceId);
      return;
    case 'v2.GetTraces':
      // Storage v2: an unknown id is skipped, not an error.
      for (const query of job.queries) yield* traceParts(source, query, false);
      return;
    case 'v2.FindTraceSummaries':
      return;
    case 'v1.FindTraces':
    case 'v2.FindTraces':
      // Found traces streamed in their stored parts, as GetTrace: a trace is held no more whole than the store keeps it.
      for await (const found of source.findTraceParts(job.query)) yield* markedParts(found.parts);
  }
}

/** The parts until `between()` says to stop, asked before each part is read. */
async function* untilStopped(parts: AsyncGenerator<TracePart>, between: Between): AsyncGenerator<TracePart> {
  while (!(await between())) {
    const next = await parts.next();
    if (next.done) return;
    yield next.value;
  }
  await parts.return(undefined);
}

/** One trace's parts, the first marked; returns whether the trace had any span. */
function traceParts(source: ReadSource, query: GetTraceQuery, archive: boolean): AsyncGenerator<TracePart, boolean> {
  return markedParts(source.traceParts(query, archive));
}

/** One trace's parts as read, the first marked; returns whether the trace had any span. */
async function* markedParts(parts: AsyncIterable<readonly Span[]> | Iterable<readonly Span[]>): AsyncGenerator<TracePart, boolean> {
  let first = true;
  for await (const spans of parts) {
    if (spans.length === 0) continue;
    yield { first, spans };
    first = false;
  }
  return !first;
}

/**
 * At most `max` spans of each trace; the last span kept gets a warning naming the cut. A part that
 * ends exactly at the cap is held back until the next part shows whether the trace goes on.
 */
export async function* capTraces(parts: AsyncIterable<TracePart>, max: number | undefined): AsyncGenerator<TracePart> {
  if (max === undefined) {
    yield* parts;
    return;
  }
  const warned = (part: TracePart): TracePart => {
    const spans = [...part.spans];
    const last = spans[spans.length - 1];
    spans[spans.length - 1] = { ...last, warnings: [...last.warnings, `trace truncated: only the first ${max} spans are returned (--max-trace-spans)`] };
    return { first: part.first, spans };
  };
  let kept = 0;
  let cut = false;
  let held: TracePart | undefined;
  for await (const part of parts) {
    if (part.first) {
      if (held) yield held;
      held = undefined;
      kept = 0;
      cut = false;
    }
    if (cut || part.spans.length === 0) continue;
    if (held) {
      cut = true;
      yield warned(held);
      held = undefined;
    } else if (kept + part.spans.length < max) {
      kept += part.spans.length;
      yield part;
    } else if (kept + part.spans.length === max) {
      kept = max;
      held = part;
    } else {
      cut = true;
      yield warned({ first: part.first, spans: part.spans.slice(0, max - kept) });
    }
  }
  if (held) yield held;
}

/** Spans encoded in one step: at most `spansPerPiece`, from one part; `startsMessage`: the message before it is complete. */
export interface MessagePiece {
  startsMessage: boolean;
  spans: Span[];
}

/**
 * Splits trace parts into messages of at most `maxSpans` spans and about `maxBytes` bytes, keeping
 * each trace's spans contiguous and in order, given as pieces of at most `spansPerPiece` spans: a
 * piece is encoded as soon as its part is read, so a read holds its decoded spans for one step,
 * not for a whole message. With `oneTracePerChunk` a message never holds spans of two traces;
 * otherwise consecutive small traces share messages.
 */
export async function* messagePieces(
  parts: AsyncIterable<TracePart> | Iterable<TracePart>,
  options: { maxSpans: number; maxBytes: number; oneTracePerChunk: boolean; spansPerPiece: number },
): AsyncGenerator<MessagePiece> {
  let inMessage = 0;
  let bytes = 0;
  let startsMessage = false;
  for await (const part of parts) {
    if (part.first && options.oneTracePerChunk && inMessage > 0) {
      startsMessage = true;
      inMessage = 0;
      bytes = 0;
    }
    let piece: Span[] = [];
    for (const span of part.spans) {
      const size = estimateSpanBytes(span);
      const full = inMessage > 0 && (inMessage >= options.maxSpans || bytes + size > options.maxBytes);
      if ((full || piece.length >= options.spansPerPiece) && piece.length > 0) {
        yield { startsMessage, spans: piece };
        startsMessage = false;
        piece = [];
      }
      if (full) {
        startsMessage = true;
        inMessage = 0;
        bytes = 0;
      }
      piece.push(span);
      inMessage++;
      bytes += size;
    }
    if (piece.length > 0) {
      yield { startsMessage, spans: piece };
      startsMessage = false;
    }
  }
}
