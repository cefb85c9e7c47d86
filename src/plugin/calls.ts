import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import type { Span, Trace } from '../model/index.js';
import { InvalidArgumentError } from '../model/index.js';
import type { TraceStore } from '../storage/types.js';
import type { IngestRequest } from './ingest.js';
import type { Logger } from './log.js';
import { estimateSpanBytes } from '../formats/proto-mapping.js';
import type { ServerMetrics } from './metrics.js';
import { statusCodeFor, toServiceError } from '../storage/grpc/status.js';

/** What every handler needs: the store of the calling tenant, counters, a logger, stream limits. */
export interface CallContext {
  /** The store the call's tenant may see; throws PermissionError when tenancy refuses the call. */
  storeFor(metadata: grpc.Metadata): TraceStore;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  /** Upper bound of one streamed message, bytes (estimated); well under the client's 4 MiB limit. */
  readonly maxChunkBytes: number;
  /**
   * Stores the spans of raw write messages for the caller's tenant (ingest.ts); resolves once they
   * are durable, rejects with why the request was refused (spans of earlier messages stay stored).
   */
  ingest(metadata: grpc.Metadata, request: Omit<IngestRequest, 'tenant'>): Promise<void>;
}

/** Jaeger's spanBatchSize: spans per streamed chunk. */
export const MAX_SPANS_PER_CHUNK = 1000;

/** A request body that did not decode; the handler answers INVALID_ARGUMENT instead of grpc-js's INTERNAL. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

/** The decoded request, or InvalidArgumentError when the bytes were not a valid message. */
export function decoded<T>(request: T | MalformedRequest): T {
  if (request instanceof MalformedRequest) throw new InvalidArgumentError(`malformed request: ${request.reason}`);
  if (request === null || typeof request !== 'object') throw new InvalidArgumentError('malformed request');
  return request;
}

/**
 * Wraps each method's request decoder so undecodable bytes reach the handler as MalformedRequest.
 * `decoders` replaces the decoder of some methods (by path) with a faster one of the same output.
 */
export function withSafeDecoding(definition: grpc.ServiceDefinition, decoders: Record<string, (bytes: Buffer) => unknown> = {}): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = decoders[method.path] ?? method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (err) {
          return new MalformedRequest(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

function finishCall(ctx: CallContext, method: string, started: number, err?: unknown): void {
  ctx.metrics.observe(method, (performance.now() - started) / 1000, err !== undefined);
  if (err === undefined) return;
  const code = statusCodeFor(err);
  const message = err instanceof Error ? err.message : String(err);
  // INTERNAL (13) is our fault: log loudly. Client errors are routine: debug only.
  if (code === 13) ctx.log.error('request failed', { method, error: message.slice(0, 500) });
  else ctx.log.debug('request refused', { method, code, error: message.slice(0, 200) });
}

/** A unary handler: decode → tenant store → `handle` → response; errors mapped by toServiceError. */
export function unaryCall<Req, Res>(
  ctx: CallContext,
  method: string,
  handle: (request: Req, store: TraceStore, metadata: grpc.Metadata) => Promise<Res>,
): grpc.handleUnaryCall<Req | MalformedRequest, Res> {
  return (call, callback) => {
    const started = performance.now();
    (async () => handle(decoded(call.request), ctx.storeFor(call.metadata), call.metadata))().then(
      (response) => {
        finishCall(ctx, method, started);
        callback(null, response);
      },
      (err: unknown) => {
        finishCall(ctx, method, started, err);
        callback(toServiceError(err));
      },
    );
  };
}

class CallCancelled extends Error {}

/**
 * A server-streaming handler. `send` respects flow control (waits for 'drain') and throws once the
 * client has gone away, so producers stop early.
 */
export function serverStreamCall<Req, Res>(
  ctx: CallContext,
  method: string,
  handle: (request: Req, store: TraceStore, send: (message: Res) => Promise<void>) => Promise<void>,
): grpc.handleServerStreamingCall<Req | MalformedRequest, Res> {
  return (call) => {
    const started = performance.now();
    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    const send = async (message: Res): Promise<void> => {
      if (cancelled) throw new CallCancelled('client cancelled');
      if (!call.write(message)) {
        await Promise.race([once(call, 'drain'), once(call, 'cancelled'), once(call, 'close')]);
        if (cancelled) throw new CallCancelled('client cancelled');
      }
    };
    (async () => handle(decoded(call.request), ctx.storeFor(call.metadata), send))().then(
      () => {
        finishCall(ctx, method, started);
        if (!cancelled) call.end();
      },
      (err: unknown) => {
        if (err instanceof CallCancelled || cancelled) return finishCall(ctx, method, started);
        finishCall(ctx, method, started, err);
        call.emit('error', toServiceError(err));
      },
    );
  };
}

/**
 * Splits traces into stream chunks of at most `maxSpans` spans and about `maxBytes` bytes, keeping
 * each trace's spans contiguous and in order. With `oneTracePerChunk` (storage v2) a chunk never
 * holds spans of two traces; otherwise consecutive small traces share chunks (storage v1).
 * A single span larger than `maxBytes` still travels alone.
 */
export async function* chunkTraces(
  traces: AsyncIterable<Trace> | Iterable<Trace>,
  options: { maxSpans: number; maxBytes: number; oneTracePerChunk: boolean },
): AsyncGenerator<Span[]> {
  let chunk: Span[] = [];
  let bytes = 0;
  for await (const trace of traces) {
    if (options.oneTracePerChunk && chunk.length > 0) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    for (const span of trace.spans) {
      const size = estimateSpanBytes(span);
      if (chunk.length > 0 && (chunk.length >= options.maxSpans || bytes + size > options.maxBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(span);
      bytes += size;
    }
  }
  if (chunk.length > 0) yield chunk;
}
