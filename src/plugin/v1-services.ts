import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { traceIdToBytes } from '../model/index.js';
import type { TraceStore } from '../storage/types.js';
import type { CallContext } from './calls.js';
import { emptyWriteResponse, readStreamCall, unaryCall, unaryReadCall } from './calls.js';
import type { ProtoTimestamp, ProtoTraceQueryV1 } from '../formats/proto-mapping.js';
import {
  dependencyLinkToProto,
  operationToProto,
  protoToDependencyWindow,
  protoToGetTraceQuery,
  protoToOperationQuery,
  protoToTraceQueryV1,
} from '../formats/proto-mapping.js';
import { toServiceError } from '../storage/grpc/status.js';
import type { ServiceKey } from '../storage/grpc/protos.js';

/** jaeger.storage.v1 request shapes (proto-loader objects); writes arrive as raw bytes (ingest.ts). */
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

/** Handlers of every jaeger.storage.v1 service, keyed by service. */
export function v1ServiceImplementations(ctx: CallContext, options: V1Options): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  const writeOne = (method: string, archive: boolean) =>
    unaryCall(ctx, method, async (request: Buffer, _store: TraceStore, metadata: grpc.Metadata) => {
      await ctx.ingest(metadata, { kind: 'v1', archive, messages: [request] });
      return emptyWriteResponse();
    });

  return {
    spanWriter: {
      WriteSpan: writeOne('v1.WriteSpan', false),
      // The store is shared by every client: a client's Close must not close it. Answered without a
      // tenant, like Capabilities: Jaeger calls it at shutdown, outside any request context.
      Close: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
    },
    streamingSpanWriter: { WriteSpanStream: writeSpanStream(ctx) },
    spanReader: {
      GetTrace: readStreamCall(ctx, 'v1.GetTrace', (req: GetTraceRequest) => ({ kind: 'v1.GetTrace', query: protoToGetTraceQuery(req), archive: false })),
      GetServices: unaryReadCall(ctx, 'v1.GetServices', () => ({ kind: 'services' }), (services) => ({ services })),
      GetOperations: unaryReadCall(
        ctx,
        'v1.GetOperations',
        (req: { service: string; spanKind: string }) => ({ kind: 'operations', query: protoToOperationQuery(req) }),
        (operations) => ({ operationNames: [...new Set(operations.map((o) => o.name))], operations: operations.map(operationToProto) }),
      ),
      FindTraces: readStreamCall(ctx, 'v1.FindTraces', (req: FindTracesRequest) => ({ kind: 'v1.FindTraces', query: protoToTraceQueryV1(req.query) })),
      FindTraceIDs: unaryReadCall(
        ctx,
        'v1.FindTraceIDs',
        (req: FindTracesRequest) => ({ kind: 'traceIds', query: protoToTraceQueryV1(req.query) }),
        (found) => ({ traceIds: found.map((f) => traceIdToBytes(f.traceId)) }),
      ),
    },
    archiveSpanWriter: {
      WriteArchiveSpan: writeOne('v1.WriteArchiveSpan', true),
    },
    archiveSpanReader: {
      GetArchiveTrace: readStreamCall(ctx, 'v1.GetArchiveTrace', (req: GetTraceRequest) => ({ kind: 'v1.GetTrace', query: protoToGetTraceQuery(req), archive: true })),
    },
    dependenciesReader: {
      GetDependencies: unaryReadCall(
        ctx,
        'v1.GetDependencies',
        (req: GetDependenciesRequest) => ({ kind: 'dependencies', ...protoToDependencyWindow(req) }),
        (links) => ({ dependencies: links.map(dependencyLinkToProto) }),
      ),
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
 * Messages of one stream handed over and not yet durable before the stream stops reading: bounds a
 * stream's memory (a message is one span, at most the message size limit).
 */
const STREAM_MAX_UNACKNOWLEDGED = 4000;

/**
 * A stream's messages are held and handed to the ingest path together, once this many arrived, this
 * many bytes, the stream ended, or HANDOVER_DELAY_MS after the first one held — whichever comes
 * first. Each hand-over becomes its own part of a commit, and a commit's fixed cost (its
 * transaction, a WAL frame per page it touched, the thread crossing both ways) is worth about
 * 5 µs per span at 100 spans (measured: CPU µs per span of writeSpans at 100 vs 2,000 spans per
 * call); handed over per event-loop turn, a stream of 100 messages went in about six parts.
 */
const HANDOVER_MESSAGES = 1000;
const HANDOVER_BYTES = 1024 * 1024;
/**
 * Jaeger's stream writer waits for no per-span answer (a stream's one answer comes when it is
 * closed, and its end hands over at once), so holding spans this long costs the writer nothing; a
 * read sees them at most this much later, below what a person notices. At 5 ms a 100-message
 * stream still went over in about three parts at load 18 on 2 cores (its client descheduled midway).
 */
const HANDOVER_DELAY_MS = 20;

/**
 * WriteSpanStream: the messages that arrive are handed to the ingest path in groups (HANDOVER_*),
 * never held until the stream ends. The single response (the client's acknowledgement) is sent only
 * after every span of the stream is durable; a malformed span ends the stream with INVALID_ARGUMENT
 * (spans before it stay stored).
 */
function writeSpanStream(ctx: CallContext): grpc.handleClientStreamingCall<Buffer, object> {
  return (call, callback) => {
    const started = performance.now();
    try {
      ctx.storeFor(call.metadata);
    } catch (err) {
      ctx.metrics.observe('v1.WriteSpanStream', 0, true);
      callback(toServiceError(err));
      return;
    }
    let arrived: Buffer[] = [];
    let arrivedBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let unacknowledged = 0;
    let paused = false;
    let ended = false;
    let responded = false;
    let failure: unknown;

    const respond = () => {
      if (responded || unacknowledged > 0 || arrived.length > 0 || !(ended || failure !== undefined)) return;
      responded = true;
      ctx.metrics.observe('v1.WriteSpanStream', (performance.now() - started) / 1000, failure !== undefined);
      if (failure !== undefined) {
        ctx.log.debug('stream refused', { method: 'v1.WriteSpanStream', error: String((failure as Error).message ?? failure).slice(0, 200) });
        callback(toServiceError(failure));
      } else {
        callback(null, emptyWriteResponse());
      }
    };
    const handOver = () => {
      clearTimeout(timer);
      timer = undefined;
      const messages = arrived;
      arrived = [];
      arrivedBytes = 0;
      if (messages.length === 0) return;
      // After a refusal the rest of the stream is dropped, never stored.
      if (failure !== undefined) return settled(messages.length);
      ctx.ingest(call.metadata, { kind: 'v1', archive: false, messages }).then(
        () => settled(messages.length),
        (err: unknown) => {
          failure ??= err;
          settled(messages.length);
        },
      );
    };
    const settled = (count: number) => {
      unacknowledged -= count;
      if (paused && unacknowledged < STREAM_MAX_UNACKNOWLEDGED / 2 && failure === undefined) {
        paused = false;
        call.resume();
      }
      respond();
    };

    call.on('data', (message: Buffer) => {
      if (failure !== undefined || responded) return;
      if (arrived.length === 0) timer = setTimeout(handOver, HANDOVER_DELAY_MS);
      arrived.push(message);
      arrivedBytes += message.byteLength;
      if (arrived.length >= HANDOVER_MESSAGES || arrivedBytes >= HANDOVER_BYTES) handOver();
      if (++unacknowledged >= STREAM_MAX_UNACKNOWLEDGED && !paused) {
        paused = true;
        call.pause();
      }
    });
    call.on('end', () => {
      ended = true;
      handOver();
      respond();
    });
    // A cancelled or broken stream: what arrived is still handed over; nobody awaits the answer.
    const abandon = () => {
      ended = true;
      handOver();
    };
    call.on('error', abandon);
    call.on('cancelled', abandon);
  };
}
