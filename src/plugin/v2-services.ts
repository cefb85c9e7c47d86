import type * as grpc from '@grpc/grpc-js';
import type { CallContext } from './calls.js';
import { emptyWriteResponse, readStreamCall, unaryCall, unaryReadCall } from './calls.js';
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

/** The v2 TraceReader, DependencyReader and Capabilities services and OTLP TraceService/Export. */
export function v2ServiceImplementations(ctx: CallContext): Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> {
  return {
    traceReader: {
      GetTraces: readStreamCall(ctx, 'v2.GetTraces', (req: GetTracesRequest) => ({ kind: 'v2.GetTraces', queries: req.query.map(protoToGetTraceQuery) })),
      GetServices: unaryReadCall(ctx, 'v2.GetServices', () => ({ kind: 'services' }), (services) => ({ services })),
      GetOperations: unaryReadCall(
        ctx,
        'v2.GetOperations',
        (req: { service: string; spanKind: string }) => ({ kind: 'operations', query: protoToOperationQuery(req) }),
        (operations) => ({ operations: operations.map(operationToProto) }),
      ),
      FindTraces: readStreamCall(ctx, 'v2.FindTraces', (req: FindTracesRequest) => ({ kind: 'v2.FindTraces', query: protoToTraceQueryV2(req.query) })),
      FindTraceIDs: unaryReadCall(
        ctx,
        'v2.FindTraceIDs',
        (req: FindTracesRequest) => ({ kind: 'traceIds', query: protoToTraceQueryV2(req.query) }),
        (found) => ({ traceIds: found.map(foundTraceIdToProto) }),
      ),
      FindTraceSummaries: readStreamCall(ctx, 'v2.FindTraceSummaries', (req: FindTracesRequest) => ({ kind: 'v2.FindTraceSummaries', query: protoToTraceQueryV2(req.query) })),
    },
    dependencyReader: {
      GetDependencies: unaryReadCall(
        ctx,
        'v2.GetDependencies',
        (req: { startTime: ProtoTimestamp | null; endTime: ProtoTimestamp | null }) => ({ kind: 'dependencies', ...protoToDependencyWindow(req) }),
        (links) => ({ dependencies: links.map(dependencyLinkToProto) }),
      ),
    },
    capabilities: {
      GetCapabilities: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { search: { withoutServiceName: true, sameSpanConjunction: true, filter: null } }),
    },
    traceService: {
      // The raw request goes to the ingest path (ingest.ts), decoded there.
      Export: unaryCall(ctx, 'otlp.Export', async (request: Buffer, _store, metadata) => {
        await ctx.ingest(metadata, { kind: 'otlp', archive: false, messages: [request] });
        return emptyWriteResponse();
      }),
    },
  };
}
