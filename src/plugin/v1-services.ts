import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import type { Span } from '../model/index.js';
import { InvalidArgumentError, NotSupportedError, traceIdToBytes, validateSpan } from '../model/index.js';
import type { ArchiveStore, TraceStore } from '../storage/types.js';
import type { CallContext } from './calls.js';
import { decoded, readStreamCall, unaryCall } from './calls.js';
import type { ProtoSpan, ProtoTimestamp, ProtoTraceQueryV1 } from './mapping.js';
import {
  dependencyLinkToProto,
  operationToProto,
  protoToDependencyWindow,
  protoToGetTraceQuery,
  protoToOperationQuery,
  protoToSpan,
  protoToTraceQueryV1,
  spanToProto,
} from './mapping.js';
import { toServiceError } from './status.js';
import type { ServiceKey } from './protos.js';

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

/** One span from a WriteSpanRequest, validated (ids, times, sizes). */
export function spanFromWriteRequest(request: WriteSpanRequest): Span {
  if (!request.span) throw new InvalidArgumentError('span is required');
  const span = protoToSpan(request.span);
  validateSpan(span);
  return span;
}

function archiveOf(store: TraceStore): ArchiveStore {
  if (!store.archive) throw new NotSupportedError('archive storage is not configured');
  return store.archive;
}

/** Handlers of every jaeger.storage.v1 service, keyed by service. */
export function v1ServiceImplementations(ctx: CallContext, options: V1Options): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  const writeOne = (write: (store: TraceStore, spans: Span[]) => Promise<void>) => async (req: WriteSpanRequest, store: TraceStore) => {
    const span = spanFromWriteRequest(req);
    await write(store, [span]);
    ctx.metrics.spansWritten++;
    return {};
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
      GetTrace: readStreamCall(ctx, 'v1.GetTrace', (req: GetTraceRequest) => ({ kind: 'v1.GetTrace', query: protoToGetTraceQuery(req), archive: false })),
      GetServices: unaryCall(ctx, 'v1.GetServices', async (_req: object, store) => ({ services: await store.getServices() })),
      GetOperations: unaryCall(ctx, 'v1.GetOperations', async (req: { service: string; spanKind: string }, store) => {
        const operations = await store.getOperations(protoToOperationQuery(req));
        return { operationNames: [...new Set(operations.map((o) => o.name))], operations: operations.map(operationToProto) };
      }),
      FindTraces: readStreamCall(ctx, 'v1.FindTraces', (req: FindTracesRequest) => ({ kind: 'v1.FindTraces', query: protoToTraceQueryV1(req.query) })),
      FindTraceIDs: unaryCall(ctx, 'v1.FindTraceIDs', async (req: FindTracesRequest, store) => {
        const found = await store.findTraceIds(protoToTraceQueryV1(req.query));
        return { traceIds: found.map((f) => traceIdToBytes(f.traceId)) };
      }),
    },
    archiveSpanWriter: {
      WriteArchiveSpan: unaryCall(ctx, 'v1.WriteArchiveSpan', writeOne((store, spans) => archiveOf(store).writeSpans(spans))),
    },
    archiveSpanReader: {
      GetArchiveTrace: readStreamCall(ctx, 'v1.GetArchiveTrace', (req: GetTraceRequest) => ({ kind: 'v1.GetTrace', query: protoToGetTraceQuery(req), archive: true })),
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

/** Spans written per store call at most, and store calls in flight per stream before reading pauses. */
const STREAM_BATCH_SPANS = 1000;
const STREAM_MAX_IN_FLIGHT = 4;

/**
 * WriteSpanStream: each message is persisted on arrival — messages that arrive together are written
 * in one store call as soon as the event loop turns, never held until the stream ends. The single
 * response (the client's acknowledgement) is sent only after every span of the stream is durable;
 * a malformed span ends the stream with INVALID_ARGUMENT (spans before it stay stored).
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
    let pending: Span[] = [];
    let flushScheduled = false;
    let ended = false;
    let responded = false;
    let failure: unknown;
    const inFlight = new Set<Promise<void>>();

    const respond = () => {
      if (responded || inFlight.size > 0 || !(ended || failure !== undefined)) return;
      responded = true;
      ctx.metrics.observe('v1.WriteSpanStream', (performance.now() - started) / 1000, failure !== undefined);
      if (failure !== undefined) {
        ctx.log.debug('stream refused', { method: 'v1.WriteSpanStream', error: String((failure as Error).message ?? failure).slice(0, 200) });
        callback(toServiceError(failure));
      } else {
        callback(null, {});
      }
    };
    const flush = () => {
      flushScheduled = false;
      if (pending.length === 0 || failure !== undefined) return;
      const batch = pending;
      pending = [];
      const write: Promise<void> = store.writeSpans(batch).then(
        () => {
          ctx.metrics.spansWritten += batch.length;
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      inFlight.add(write);
      if (inFlight.size >= STREAM_MAX_IN_FLIGHT) call.pause();
      void write.finally(() => {
        inFlight.delete(write);
        if (inFlight.size < STREAM_MAX_IN_FLIGHT && !ended) call.resume();
        respond();
      });
    };

    call.on('data', (request: WriteSpanRequest) => {
      if (failure !== undefined || responded) return;
      try {
        pending.push(spanFromWriteRequest(decoded(request)));
      } catch (err) {
        failure = err;
        pending = [];
        respond();
        return;
      }
      if (pending.length >= STREAM_BATCH_SPANS) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
    call.on('end', () => {
      ended = true;
      flush();
      respond();
    });
    // A cancelled or broken stream: what arrived is still written; nobody awaits the answer.
    const abandon = () => {
      ended = true;
      flush();
    };
    call.on('error', abandon);
    call.on('cancelled', abandon);
  };
}
