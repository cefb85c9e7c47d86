import type { Span } from '../model/index.js';
import {
  InvalidArgumentError,
  JaegerSlsError,
  NotSupportedError,
  PermissionError,
  StorageUnavailableError,
  TraceNotFoundError,
  validateSpan,
} from '../model/index.js';
import type { SpanWriter, Store } from '../storage/types.js';
import { spansFromExportRequest } from './otlp-wire-decoder.js';
import { WriteSpanRequestDecoder } from './wire-decoder.js';
import { WireStrings } from './wire-reader.js';

/**
 * The write path from wire bytes to a durable commit, as one request: the gRPC handlers hand over
 * the raw request messages (never decoded on the serving thread when a write worker runs) and
 * answer the client once the outcome arrives — after the commit, so an acknowledged span survives
 * a kill -9.
 */
export interface IngestRequest {
  /** `otlp`: ExportTraceServiceRequest messages; `v1`: jaeger.storage.v1 WriteSpanRequest messages. */
  kind: 'otlp' | 'v1';
  /** The caller's tenant ("" without tenancy). */
  tenant: string;
  /** To the archive store (v1 WriteArchiveSpan). */
  archive: boolean;
  /** The encoded messages, in arrival order. */
  messages: Uint8Array[];
}

export interface IngestOutcome {
  /** Spans stored durably. */
  written: number;
  /** Why the request was refused from some message on; the spans of the messages before it are stored. */
  error?: unknown;
}

export interface Ingest {
  write(request: IngestRequest): Promise<IngestOutcome>;
  /** Commits what was handed over and stops; the store itself stays open (its owner closes it). */
  close(): Promise<void>;
}

/** Decodes and stores on the calling thread, into `store`. */
export function ingestInProcess(store: Store): Ingest {
  const queue = new IngestQueue(store);
  return { write: (request) => queue.write(request), close: () => queue.idle() };
}

/**
 * Request bytes decoded and not yet committed, at most; further requests wait as bytes. Decoded and
 * encoded spans take about 30 times their wire size at the peak of a commit (measured: one 3.2 MiB
 * span with 10^5 tags raises serve's peak RSS by about 100 MB), so this caps the write path's
 * transient memory near 250 MB however many clients write at once, while two requests of the default
 * 4 MiB message limit — or about 50,000 spans of usual size, five full group commits — still
 * overlap, one decoded while the other commits. A single larger request (a raised
 * --max-message-size) runs alone.
 */
export const MAX_DECODED_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * Runs requests through ingestInto with at most `maxBytes` of request bytes decoded and not yet
 * committed at once (MAX_DECODED_REQUEST_BYTES); the rest wait in arrival order.
 */
export class IngestQueue {
  private readonly waiting: { request: IngestRequest; bytes: number; resolve(outcome: IngestOutcome): void }[] = [];
  private runningBytes = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** Strings decoded before, shared by the requests this queue decodes (one queue per decoding thread). */
  private readonly strings = new WireStrings();

  constructor(
    private readonly store: Store,
    private readonly maxBytes = MAX_DECODED_REQUEST_BYTES,
  ) {}

  write(request: IngestRequest): Promise<IngestOutcome> {
    let bytes = 0;
    for (const m of request.messages) bytes += m.byteLength;
    return new Promise((resolve) => {
      this.waiting.push({ request, bytes, resolve });
      this.pump();
    });
  }

  /** Resolves once every request handed over has its outcome. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (this.running > 0 && this.runningBytes + next.bytes > this.maxBytes) return;
      this.waiting.shift();
      this.running++;
      this.runningBytes += next.bytes;
      void ingestInto(this.store, next.request, this.strings).then((outcome) => {
        this.running--;
        this.runningBytes -= next.bytes;
        next.resolve(outcome);
        this.pump();
        if (this.running === 0 && this.waiting.length === 0) for (const done of this.idleWaiters.splice(0)) done();
      });
    }
  }
}

/**
 * Decodes the messages and writes their spans into the tenant's store (or archive) in one call.
 * `strings`: the calling thread's WireStrings, when it decodes many requests.
 */
export async function ingestInto(store: Store, request: IngestRequest, strings?: WireStrings): Promise<IngestOutcome> {
  let writer: SpanWriter;
  try {
    writer = storeWriter(store, request);
  } catch (error) {
    return { written: 0, error };
  }
  const { spans, error } = decodeSpans(request, strings);
  if (spans.length === 0) return error === undefined ? { written: 0 } : { written: 0, error };
  try {
    await writer.writeSpans(spans);
  } catch (writeError) {
    if (request.kind === 'v1' && writeError instanceof InvalidArgumentError) return storeUpToInvalid(writer, spans, writeError);
    return { written: 0, error: writeError };
  }
  return error === undefined ? { written: spans.length } : { written: spans.length, error };
}

/**
 * A v1 request the store refused as a whole for a malformed span: its spans before the first one
 * validateSpan refuses are stored and the request fails with that span's error, as if each message
 * had been stored on its own (Jaeger's stream writer stores span by span). The store validates every
 * batch anyway, so the spans are checked here only in this rare case, not twice on every write.
 */
async function storeUpToInvalid(writer: SpanWriter, spans: readonly Span[], storeError: InvalidArgumentError): Promise<IngestOutcome> {
  let invalid: unknown;
  const valid = spans.findIndex((span) => {
    try {
      validateSpan(span);
      return false;
    } catch (err) {
      invalid = err;
      return true;
    }
  });
  if (valid < 0) return { written: 0, error: storeError };
  if (valid === 0) return { written: 0, error: invalid };
  try {
    await writer.writeSpans(spans.slice(0, valid));
  } catch (writeError) {
    return { written: 0, error: writeError };
  }
  return { written: valid, error: invalid };
}

function storeWriter(store: Store, request: IngestRequest): SpanWriter {
  const view = request.tenant === '' ? store : store.forTenant(request.tenant);
  if (!request.archive) return view;
  if (!view.archive) throw new NotSupportedError('archive storage is not configured');
  return view.archive;
}

/**
 * The spans of the messages up to the first malformed one. Not validated here: the store's
 * writeSpans validates every span and stores none of a batch with a malformed one (the SpanWriter
 * contract), so checking twice would only cost; v1 requests the store refuses are split at their
 * first invalid span by storeUpToInvalid.
 */
function decodeSpans(request: IngestRequest, strings: WireStrings | undefined): { spans: Span[]; error?: unknown } {
  const spans: Span[] = [];
  // Messages handed over from another thread are views into one buffer: one Buffer over it serves them all.
  let whole: Buffer | undefined;
  const v1 = new WriteSpanRequestDecoder(strings);
  for (const message of request.messages) {
    try {
      if (request.kind === 'otlp') {
        const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
        for (const span of malformedAsInvalid((b) => spansFromExportRequest(b, 'Export', strings), bytes)) spans.push(span);
      } else if (Buffer.isBuffer(message)) {
        spans.push(spanFromWriteRequest(v1, message, 0, message.length));
      } else {
        if (whole?.buffer !== message.buffer) whole = Buffer.from(message.buffer);
        spans.push(spanFromWriteRequest(v1, whole, message.byteOffset, message.byteOffset + message.byteLength));
      }
    } catch (error) {
      return { spans, error };
    }
  }
  return { spans };
}

/**
 * The span of the WriteSpanRequest at bytes [start, end) of `buf`; all-zero ids are invalid, as in
 * OTLP (the rest is validateSpan's, in the store).
 */
function spanFromWriteRequest(decoder: WriteSpanRequestDecoder, buf: Buffer, start: number, end: number): Span {
  const span = malformedAsInvalid((b) => decoder.span(b, start, end), buf);
  if (!span) throw new InvalidArgumentError('span is required');
  if (span.traceId === ZERO_TRACE_ID) throw new InvalidArgumentError(`span ${span.spanId}: trace id is all zero`);
  if (span.spanId === ZERO_SPAN_ID) throw new InvalidArgumentError('span id is all zero');
  return span;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Decodes; "invalid protobuf" errors become InvalidArgumentError, the decoder's own typed errors pass. */
function malformedAsInvalid<T>(decode: (bytes: Buffer) => T, bytes: Buffer): T {
  try {
    return decode(bytes);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`malformed request: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---- outcomes across a thread boundary ------------------------------------------------------------

/** An error as it crosses to another thread: its class by name, its message, PermissionError's flag. */
export interface ErrorData {
  name: string;
  message: string;
  unauthenticated?: boolean;
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof PermissionError) return { name: 'PermissionError', message: error.message, unauthenticated: error.unauthenticated };
  if (error instanceof InvalidArgumentError) return { name: 'InvalidArgumentError', message: error.message };
  if (error instanceof JaegerSlsError) return { name: error.name, message: error.message };
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

/** The typed error again (so status.ts maps it to the same gRPC code); unknown kinds as plain Error (INTERNAL). */
export function errorFromData(data: ErrorData): Error {
  switch (data.name) {
    case 'InvalidArgumentError':
      return new InvalidArgumentError(data.message);
    case 'NotSupportedError':
      return new NotSupportedError(data.message);
    case 'StorageUnavailableError':
      return new StorageUnavailableError(data.message);
    case 'PermissionError':
      return new PermissionError(data.message, data.unauthenticated);
    case 'TraceNotFoundError':
      return new TraceNotFoundError();
    default:
      return new Error(data.message);
  }
}
