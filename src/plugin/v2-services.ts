import type * as grpc from '@grpc/grpc-js';
import type { Trace } from '../model/index.js';
import { NotSupportedError, TraceNotFoundError } from '../model/index.js';
import type { OtlpResourceSpans } from '../formats/otlp.js';
import { otlpFromSpans } from '../formats/otlp.js';
import type { TraceStore } from '../storage/types.js';
import type { CallContext } from './calls.js';
import { chunkTraces, MAX_SPANS_PER_CHUNK, serverStreamCall, unaryCall } from './calls.js';
import type { ProtoTimestamp, ProtoTraceQueryV2 } from '../formats/proto-mapping.js';
import {
  dependencyLinkToProto,
  foundTraceIdToProto,
  operationToProto,
  protoToDependencyWindow,
  protoToGetTraceQuery,
  protoToOperationQuery,
  protoToTraceQueryV2,
} from '../formats/proto-mapping.js';
import type { ServiceKey } from '../storage/grpc/protos.js';

interface GetTracesRequest {
  query: { traceId: Uint8Array; startTime: ProtoTimestamp | null; endTime: ProtoTimestamp | null }[];
}
interface FindTracesRequest {
  query: ProtoTraceQueryV2 | null;
}
interface TracesData {
  resourceSpans: OtlpResourceSpans[];
}

/** The v2 TraceReader, DependencyReader and Capabilities services and OTLP TraceService/Export. */
export function v2ServiceImplementations(ctx: CallContext): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  // NOTE: storage v2 chunks never mix traces; a large trace spans consecutive chunks.
  const chunkOptions = { maxSpans: MAX_SPANS_PER_CHUNK, maxBytes: ctx.maxChunkBytes, oneTracePerChunk: true };
  const streamTraces = async (traces: AsyncIterable<Trace> | Iterable<Trace>, send: (data: TracesData) => Promise<void>) => {
    for await (const spans of chunkTraces(traces, chunkOptions)) {
      await send({ resourceSpans: otlpFromSpans(spans) });
      ctx.metrics.spansRead += spans.length;
    }
  };

  return {
    traceReader: {
      GetTraces: serverStreamCall(ctx, 'v2.GetTraces', async (req: GetTracesRequest, store, send: (data: TracesData) => Promise<void>) => {
        const queries = req.query.map(protoToGetTraceQuery);
        await streamTraces(foundTraces(store, queries), send);
      }),
      GetServices: unaryCall(ctx, 'v2.GetServices', async (_req: object, store) => ({ services: await store.getServices() })),
      GetOperations: unaryCall(ctx, 'v2.GetOperations', async (req: { service: string; spanKind: string }, store) => ({
        operations: (await store.getOperations(protoToOperationQuery(req))).map(operationToProto),
      })),
      FindTraces: serverStreamCall(ctx, 'v2.FindTraces', async (req: FindTracesRequest, store, send: (data: TracesData) => Promise<void>) => {
        await streamTraces(store.findTraces(protoToTraceQueryV2(req.query)), send);
      }),
      FindTraceIDs: unaryCall(ctx, 'v2.FindTraceIDs', async (req: FindTracesRequest, store) => ({
        traceIds: (await store.findTraceIds(protoToTraceQueryV2(req.query))).map(foundTraceIdToProto),
      })),
      FindTraceSummaries: serverStreamCall(ctx, 'v2.FindTraceSummaries', async () => {
        throw new NotSupportedError('FindTraceSummaries is not implemented; use FindTraces');
      }),
    },
    dependencyReader: {
      GetDependencies: unaryCall(ctx, 'v2.GetDependencies', async (req: { startTime: ProtoTimestamp | null; endTime: ProtoTimestamp | null }, store) => {
        const { endTime, lookback } = protoToDependencyWindow(req);
        return { dependencies: (await store.getDependencies(endTime, lookback)).map(dependencyLinkToProto) };
      }),
    },
    capabilities: {
      GetCapabilities: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { search: { withoutServiceName: true, sameSpanConjunction: true, filter: null } }),
    },
    traceService: {
      // The raw request goes to the ingest path (ingest.ts), decoded there.
      Export: unaryCall(ctx, 'otlp.Export', async (request: Buffer, _store, metadata) => {
        await ctx.ingest(metadata, { kind: 'otlp', archive: false, messages: [request] });
        return { partialSuccess: null };
      }),
    },
  };
}

/** The requested traces that exist, in request order; unknown ids are skipped (v2: not an error). */
async function* foundTraces(store: TraceStore, queries: ReturnType<typeof protoToGetTraceQuery>[]): AsyncGenerator<Trace> {
  for (const query of queries) {
    try {
      yield await store.getTrace(query);
    } catch (err) {
      if (!(err instanceof TraceNotFoundError)) throw err;
    }
  }
}
