import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { InvalidArgumentError, ResourceExhaustedError } from '../model/index.js';
import type { TraceStore } from '../storage/types.js';
import type { IngestRequest } from './ingest.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { ReadGate } from './read-gate.js';
import type { ReadJob, ReadLimits, UnaryAnswer, UnaryRead } from './read-stream.js';
import { answerRead, isCostlyRead, readMessages, readSourceOf } from './read-stream.js';
import { statusCodeFor, toServiceError } from '../storage/grpc/status.js';

/** What every handler needs: the store of the calling tenant, counters, a logger, stream limits. */
export interface CallContext {
  /** The store the call's tenant may see; throws PermissionError when tenancy refuses the call. */
  storeFor(metadata: grpc.Metadata): TraceStore;
  /** The call's tenant ("" without tenancy); throws PermissionError when tenancy refuses the call. */
  tenantFor(metadata: grpc.Metadata): string;
  /** How streamed trace reads run: their concurrency gate, limits and where their work runs. */
  readonly reads: TraceReads;
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

/** A response message already encoded (by a read worker): written to the wire as is. */
export class EncodedMessage {
  constructor(readonly bytes: Buffer) {}
}

/**
 * The answer to a write (OTLP ExportTraceServiceResponse without partial_success, v1
 * WriteSpanResponse): a message with no field set, whose encoding is zero bytes — sent as is
 * rather than encoded from an object on the serving thread for every call.
 */
export function emptyWriteResponse(): EncodedMessage {
  return new EncodedMessage(Buffer.alloc(0));
}

/** Hands one message to the client; waits while the client is slow; throws once it has gone. */
export type SendMessage = (message: object | EncodedMessage, spans: number) => Promise<void>;

/** Where the work of streamed reads runs: in this thread, or in read workers (read-workers.ts). */
export interface ReadRunner {
  /**
   * Produces the job's messages for `tenant` and sends each; resolves when done or, once `abandoned`
   * resolved (the call was cancelled), as soon as the work has stopped — with when it stopped
   * (epoch ms, performance.timeOrigin + now) when that was earlier than this thread learns.
   */
  run(job: ReadJob, tenant: string, store: TraceStore, send: SendMessage, abandoned: Promise<void>): Promise<number | void>;
  /** Answers a unary read for `tenant`; once `abandoned` resolved, stops at its next step. */
  answer<R extends UnaryRead>(read: R, tenant: string, store: TraceStore, abandoned: Promise<void>): Promise<UnaryAnswer<R>>;
}

export interface TraceReads {
  readonly gate: ReadGate;
  readonly limits: ReadLimits;
  readonly runner: ReadRunner;
}

/**
 * Runs reads on the serving thread, one step (a stored part read, or SPANS_PER_STEP spans encoded)
 * per event-loop turn, so other calls interleave and a cancelled read stops at its next step.
 */
export function inProcessReads(metrics: ServerMetrics, limits: ReadLimits): ReadRunner {
  const stepping = (abandoned: Promise<void>) => {
    let gone = false;
    void abandoned.then(() => (gone = true));
    return async () => {
      await nextTurn();
      return gone;
    };
  };
  return {
    async run(job, _tenant, store, send, abandoned) {
      for await (const m of readMessages(readSourceOf(store), job, limits, stepping(abandoned))) {
        metrics.readSpansProduced += m.spans;
        await send(new EncodedMessage(m.bytes), m.spans);
      }
    },
    async answer(read, _tenant, store, abandoned) {
      if (read.kind !== 'traceIds') return answerRead(store, read, limits, stepping(abandoned));
      // Remote stores (SLS, grpc://) find ids by their own query, cheaper than reading whole traces.
      const found = await store.findTraceIds(read.query);
      if (found.length > limits.maxTraceIds) throw new ResourceExhaustedError(`${found.length} traces match, more ids than one answer holds (${limits.maxTraceIds}): narrow the query or set a lower limit`);
      return found as UnaryAnswer<typeof read>;
    },
  };
}
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
      responseSerialize: (message: unknown) => (message instanceof EncodedMessage ? message.bytes : method.responseSerialize(message)),
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

/** Now as epoch ms with sub-ms resolution, comparable across threads. */
const epochMs = () => performance.timeOrigin + performance.now();

/**
 * A unary read (GetServices, GetOperations, FindTraceIDs, GetDependencies): run by the context's
 * read runner (a read worker for SQLite), the costly ones (isCostlyRead) after the read gate
 * admitted them; `toResponse` maps the domain answer to the method's response.
 */
export function unaryReadCall<Req, R extends UnaryRead, Res>(
  ctx: CallContext,
  method: string,
  toRead: (request: Req) => R,
  toResponse: (answer: UnaryAnswer<R>) => Res,
): grpc.handleUnaryCall<Req | MalformedRequest, Res> {
  return (call, callback) => {
    const started = performance.now();
    const abandoned = new Promise<void>((resolve) => call.once('cancelled', () => resolve()));
    (async () => {
      const read = toRead(decoded(call.request));
      const tenant = ctx.tenantFor(call.metadata);
      const store = ctx.storeFor(call.metadata);
      const release = isCostlyRead(read) ? await ctx.reads.gate.acquire(abandoned) : () => undefined;
      try {
        return toResponse(await ctx.reads.runner.answer(read, tenant, store, abandoned));
      } finally {
        release();
      }
    })().then(
      (response) => {
        finishCall(ctx, method, started);
        callback(null, response);
      },
      (err: unknown) => {
        if (statusCodeFor(err) === grpc.status.RESOURCE_EXHAUSTED) ctx.metrics.readsRejected++;
        finishCall(ctx, method, started, err);
        callback(toServiceError(err));
      },
    );
  };
}

/**
 * A streamed trace read (GetTrace, FindTraces, GetTraces): admitted by the read gate (waiting or
 * RESOURCE_EXHAUSTED), run by the context's runner with flow control, stopped when the client
 * cancels or its deadline passes; the time from cancellation to stopped work is recorded.
 */
export function readStreamCall<Req>(ctx: CallContext, method: string, toJob: (request: Req) => ReadJob): grpc.handleServerStreamingCall<Req | MalformedRequest, unknown> {
  return (call) => {
    const started = performance.now();
    /** When the call was cancelled, epoch ms (performance.timeOrigin + now). */
    let cancelledAt: number | undefined;
    const abandoned = new Promise<void>((resolve) =>
      call.once('cancelled', () => {
        cancelledAt = epochMs();
        resolve();
      }),
    );
    // Resolves once the message has left grpc-js's buffer for the HTTP/2 stream (its flow-control
    // window): a read runs at most a message or two ahead of what the client has taken.
    const send: SendMessage = async (message, spans) => {
      if (cancelledAt !== undefined) throw new CallCancelled('client cancelled');
      await Promise.race([new Promise<void>((resolve) => call.write(message, () => resolve())), abandoned, once(call, 'close')]);
      if (cancelledAt !== undefined) throw new CallCancelled('client cancelled');
      ctx.metrics.spansRead += spans;
    };
    const { gate, runner } = ctx.reads;
    (async () => {
      const job = toJob(decoded(call.request));
      const tenant = ctx.tenantFor(call.metadata);
      const store = ctx.storeFor(call.metadata);
      const release = await gate.acquire(abandoned);
      try {
        return await runner.run(job, tenant, store, send, abandoned);
      } finally {
        release();
      }
    })().then(
      (stoppedAt) => {
        if (cancelledAt !== undefined) return stopped(stoppedAt ?? undefined);
        finishCall(ctx, method, started);
        call.end();
      },
      (err: unknown) => {
        if (cancelledAt !== undefined) return stopped();
        if (statusCodeFor(err) === grpc.status.RESOURCE_EXHAUSTED) ctx.metrics.readsRejected++;
        finishCall(ctx, method, started, err);
        call.emit('error', toServiceError(err));
      },
    );
    const stopped = (stoppedAt = epochMs()) => {
      ctx.metrics.readCancelled(Math.max(0, stoppedAt - cancelledAt!) / 1000);
      finishCall(ctx, method, started);
    };
  };
}
