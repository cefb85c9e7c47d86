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
import { decodeWriteSpanRequestSpan } from './wire-decoder.js';

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
  return { write: (request) => ingestInto(store, request), close: async () => {} };
}

/** Decodes the messages and writes their spans into the tenant's store (or archive) in one call. */
export async function ingestInto(store: Store, request: IngestRequest): Promise<IngestOutcome> {
  let writer: SpanWriter;
  try {
    writer = storeWriter(store, request);
  } catch (error) {
    return { written: 0, error };
  }
  const { spans, error } = decodeSpans(request);
  if (spans.length === 0) return error === undefined ? { written: 0 } : { written: 0, error };
  try {
    await writer.writeSpans(spans);
  } catch (writeError) {
    return { written: 0, error: writeError };
  }
  return error === undefined ? { written: spans.length } : { written: spans.length, error };
}

function storeWriter(store: Store, request: IngestRequest): SpanWriter {
  const view = request.tenant === '' ? store : store.forTenant(request.tenant);
  if (!request.archive) return view;
  if (!view.archive) throw new NotSupportedError('archive storage is not configured');
  return view.archive;
}

/**
 * The spans of the messages up to the first malformed one (v1: each message is one span, checked
 * here; OTLP: not validated here, as the store's writeSpans validates every span and stores none of a
 * batch with a malformed one — the SpanWriter contract — so checking twice would only cost).
 */
function decodeSpans(request: IngestRequest): { spans: Span[]; error?: unknown } {
  const spans: Span[] = [];
  for (const message of request.messages) {
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    try {
      if (request.kind === 'otlp') {
        for (const span of malformedAsInvalid(spansFromExportRequest, bytes)) spans.push(span);
      } else {
        spans.push(spanFromWriteRequest(bytes));
      }
    } catch (error) {
      return { spans, error };
    }
  }
  return { spans };
}

/** The span of an encoded WriteSpanRequest, validated (ids, times, sizes); all-zero ids are invalid, as in OTLP. */
export function spanFromWriteRequest(bytes: Buffer): Span {
  const span = malformedAsInvalid(decodeWriteSpanRequestSpan, bytes);
  if (!span) throw new InvalidArgumentError('span is required');
  validateSpan(span);
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
