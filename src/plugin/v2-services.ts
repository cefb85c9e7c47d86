import type * as grpc from '@grpc/grpc-js';
import { summarizeTrace } from '../model/index.js';
import type { CallContext } from './calls.js';
import { readStreamCall, serverStreamCall, unaryCall } from './calls.js';
import type { ProtoTimestamp, ProtoTraceQueryV2, ProtoTraceSummary } from '../formats/proto-mapping.js';
import {
  dependencyLinkToProto,
  foundTraceIdToProto,
  operationToProto,
  protoToDependencyWindow,
  protoToGetTraceQuery,
  protoToOperationQuery,
  protoToTraceQueryV2,
  traceSummaryToProto,
} from '../formats/proto-mapping.js';
import type { ServiceKey } from '../storage/grpc/protos.js';

interface GetTracesRequest {
  query: { traceId: Uint8Array; startTime: ProtoTimestamp | null; endTime: ProtoTimestamp | null }[];
}
interface FindTracesRequest {
  query: ProtoTraceQueryV2 | null;
}

/** The v2 TraceReader, DependencyReader and Capabilities services and OTLP TraceService/Export. */
export function v2ServiceImplementations(ctx: CallContext): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  return {
    traceReader: {
      GetTraces: readStreamCall(ctx, 'v2.GetTraces', (req: GetTracesRequest) => ({ kind: 'v2.GetTraces', queries: req.query.map(protoToGetTraceQuery) })),
      GetServices: unaryCall(ctx, 'v2.GetServices', async (_req: object, store) => ({ services: await store.getServices() })),
      GetOperations: unaryCall(ctx, 'v2.GetOperations', async (req: { service: string; spanKind: string }, store) => ({
        operations: (await store.getOperations(protoToOperationQuery(req))).map(operationToProto),
      })),
      FindTraces: readStreamCall(ctx, 'v2.FindTraces', (req: FindTracesRequest) => ({ kind: 'v2.FindTraces', query: protoToTraceQueryV2(req.query) })),
      FindTraceIDs: unaryCall(ctx, 'v2.FindTraceIDs', async (req: FindTracesRequest, store) => ({
        traceIds: (await store.findTraceIds(protoToTraceQueryV2(req.query))).map(foundTraceIdToProto),
      })),
      FindTraceSummaries: serverStreamCall(ctx, 'v2.FindTraceSummaries', async (req: FindTracesRequest, store, send: (data: { summaries: ProtoTraceSummary[] }) => Promise<void>) => {
        // One message per trace, as Jaeger's query service yields them: each is small and final.
        for await (const trace of store.findTraces(protoToTraceQueryV2(req.query))) {
          if (trace.spans.length > 0) await send({ summaries: [traceSummaryToProto(summarizeTrace(trace.spans))] });
        }
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
