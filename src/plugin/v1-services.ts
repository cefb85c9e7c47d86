import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import type { Span } from '../model/index.js';
import { InvalidArgumentError, NotSupportedError, traceIdToBytes, validateSpan } from '../model/index.js';
import type { ArchiveStore, TraceStore } from '../storage/types.js';
import type { CallContext } from './calls.js';
import { chunkTraces, decoded, MAX_SPANS_PER_CHUNK, serverStreamCall, unaryCall } from './calls.js';
import type { ProtoSpan, ProtoTimestamp, ProtoTraceQueryV1 } from '../formats/proto-mapping.js';
import {
  dependencyLinkToProto,
  operationToProto,
  protoToDependencyWindow,
  protoToGetTraceQuery,
  protoToOperationQuery,
  protoToSpan,
  protoToTraceQueryV1,
  spanToProto,
} from '../formats/proto-mapping.js';
import { toServiceError } from '../storage/grpc/status.js';
import type { ServiceKey } from '../storage/grpc/protos.js';

/** jaeger.storage.v1 request shapes (proto-loader objects). */
interface WriteSpanRequest {
  span: ProtoSpan | null;
}
interface GetTraceRequest {
  traceId: Uint8Array;
  startTime: ProtoTimestamp | null;
  endTime: ProtoTimestamp | null;
}
interface FindTracesRequest {
  query: ProtoTraceQueryV1 | null;
}
interface GetDependenciesRequest {
  startTime: ProtoTimestamp | null;
  endTime: ProtoTimestamp | null;
}

export interface V1Options {
  /** Whether PluginCapabilities advertises the streaming writer (Jaeger then writes over streams). */
  streamingSpanWriter: boolean;
  /** Whether the store keeps an archive (reported by PluginCapabilities). */
  hasArchive: boolean;
}

/** One span from a WriteSpanRequest, validated (ids, times, sizes); all-zero ids are invalid, as in OTLP. */
export function spanFromWriteRequest(request: WriteSpanRequest): Span {
  if (!request.span) throw new InvalidArgumentError('span is required');
  const span = protoToSpan(request.span);
  validateSpan(span);
  if (span.traceId === ZERO_TRACE_ID) throw new InvalidArgumentError(`span ${span.spanId}: trace id is all zero`);
  if (span.spanId === ZERO_SPAN_ID) throw new InvalidArgumentError('span id is all zero');
  return span;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function archiveOf(store: TraceStore): ArchiveStore {
  if (!store.archive) throw new NotSupportedError('archive storage is not configured');
  return store.archive;
}

/** Handlers of every jaeger.storage.v1 service, keyed by service. */
export function v1ServiceImplementations(ctx: CallContext, options: V1Options): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  const chunkOptions = { maxSpans: MAX_SPANS_PER_CHUNK, maxBytes: ctx.maxChunkBytes, oneTracePerChunk: false };

  const writeOne = (write: (store: TraceStore, spans: Span[]) => Promise<void>) => async (req: WriteSpanRequest, store: TraceStore) => {
    const span = spanFromWriteRequest(req);
    await write(store, [span]);
    ctx.metrics.spansWritten++;
    return {};
  };

  const getTrace = (read: (store: TraceStore) => Pick<ArchiveStore, 'getTrace'>) =>
    async (req: GetTraceRequest, store: TraceStore, send: (chunk: { spans: ProtoSpan[] }) => Promise<void>) => {
      const trace = await read(store).getTrace(protoToGetTraceQuery(req));
      for await (const spans of chunkTraces([trace], chunkOptions)) {
        await send({ spans: spans.map(spanToProto) });
        ctx.metrics.spansRead += spans.length;
      }
    };

  return {
    spanWriter: {
      WriteSpan: unaryCall(ctx, 'v1.WriteSpan', writeOne((store, spans) => store.writeSpans(spans))),
      // The store is shared by every client: a client's Close must not close it. Answered without a
      // tenant, like Capabilities: Jaeger calls it at shutdown, outside any request context.
      Close: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
    },
    streamingSpanWriter: { WriteSpanStream: writeSpanStream(ctx) },
    spanReader: {
      GetTrace: serverStreamCall(ctx, 'v1.GetTrace', getTrace((store) => store)),
      GetServices: unaryCall(ctx, 'v1.GetServices', async (_req: object, store) => ({ services: await store.getServices() })),
      GetOperations: unaryCall(ctx, 'v1.GetOperations', async (req: { service: string; spanKind: string }, store) => {
        const operations = await store.getOperations(protoToOperationQuery(req));
        return { operationNames: [...new Set(operations.map((o) => o.name))], operations: operations.map(operationToProto) };
      }),
      FindTraces: serverStreamCall(ctx, 'v1.FindTraces', async (req: FindTracesRequest, store, send: (chunk: { spans: ProtoSpan[] }) => Promise<void>) => {
        for await (const spans of chunkTraces(store.findTraces(protoToTraceQueryV1(req.query)), chunkOptions)) {
          await send({ spans: spans.map(spanToProto) });
          ctx.metrics.spansRead += spans.length;
        }
      }),
      FindTraceIDs: unaryCall(ctx, 'v1.FindTraceIDs', async (req: FindTracesRequest, store) => {
        const found = await store.findTraceIds(protoToTraceQueryV1(req.query));
        return { traceIds: found.map((f) => traceIdToBytes(f.traceId)) };
      }),
    },
    archiveSpanWriter: {
      WriteArchiveSpan: unaryCall(ctx, 'v1.WriteArchiveSpan', writeOne((store, spans) => archiveOf(store).writeSpans(spans))),
    },
    archiveSpanReader: {
      GetArchiveTrace: serverStreamCall(ctx, 'v1.GetArchiveTrace', getTrace(archiveOf)),
    },
    dependenciesReader: {
      GetDependencies: unaryCall(ctx, 'v1.GetDependencies', async (req: GetDependenciesRequest, store) => {
        const { endTime, lookback } = protoToDependencyWindow(req);
        return { dependencies: (await store.getDependencies(endTime, lookback)).map(dependencyLinkToProto) };
      }),
    },
    pluginCapabilities: {
      // Answered without a tenant: Jaeger asks once at start-up, outside any request context.
      Capabilities: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, {
          archiveSpanReader: options.hasArchive,
          archiveSpanWriter: options.hasArchive,
          streamingSpanWriter: options.streamingSpanWriter,
        }),
    },
  };
}

/**
 * Spans of one stream handed to the store and not yet durable before the stream stops reading:
 * bounds a stream's memory while the store's group commit merges its writes with everyone's.
 */
const STREAM_MAX_UNACKNOWLEDGED = 4000;

/**
 * WriteSpanStream: each message is handed to the store on arrival (the store's group commit
 * merges writes arriving together), never held until the stream ends. The single response (the
 * client's acknowledgement) is sent only after every span of the stream is durable; a malformed
 * span ends the stream with INVALID_ARGUMENT (spans before it stay stored).
 */
function writeSpanStream(ctx: CallContext): grpc.handleClientStreamingCall<WriteSpanRequest, object> {
  return (call, callback) => {
    const started = performance.now();
    let store: TraceStore;
    try {
      store = ctx.storeFor(call.metadata);
    } catch (err) {
      ctx.metrics.observe('v1.WriteSpanStream', 0, true);
      callback(toServiceError(err));
      return;
    }
    let unacknowledged = 0;
    let paused = false;
    let ended = false;
    let responded = false;
    let failure: unknown;

    const respond = () => {
      if (responded || unacknowledged > 0 || !(ended || failure !== undefined)) return;
      responded = true;
      ctx.metrics.observe('v1.WriteSpanStream', (performance.now() - started) / 1000, failure !== undefined);
      if (failure !== undefined) {
        ctx.log.debug('stream refused', { method: 'v1.WriteSpanStream', error: String((failure as Error).message ?? failure).slice(0, 200) });
        callback(toServiceError(failure));
      } else {
        callback(null, {});
      }
    };
    const written = () => {
      unacknowledged--;
      ctx.metrics.spansWritten++;
      if (paused && unacknowledged < STREAM_MAX_UNACKNOWLEDGED / 2) {
        paused = false;
        call.resume();
      }
      respond();
    };
    const refused = (err: unknown) => {
      unacknowledged--;
      failure ??= err;
      respond();
    };

    call.on('data', (request: WriteSpanRequest) => {
      if (failure !== undefined || responded) return;
      let span: Span;
      try {
        span = spanFromWriteRequest(decoded(request));
      } catch (err) {
        failure = err;
        respond();
        return;
      }
      unacknowledged++;
      store.writeSpans([span]).then(written, refused);
      if (unacknowledged >= STREAM_MAX_UNACKNOWLEDGED && !paused) {
        paused = true;
        call.pause();
      }
    });
    call.on('end', () => {
      ended = true;
      respond();
    });
    // A cancelled or broken stream: what arrived is still written; nobody awaits the answer.
    const abandon = () => {
      ended = true;
    };
    call.on('error', abandon);
    call.on('cancelled', abandon);
  };
}
