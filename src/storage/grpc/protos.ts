import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/ at the package root, from both src/storage/grpc (tsx) and dist/storage/grpc (node). */
export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

/**
 * The one set of proto-loader options: camelCase fields, int64/fixed64 as decimal strings,
 * enums as numbers, every field present (defaults), the set member of a oneof named in `value`.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const PROTO_FILES = [
  'jaeger/storage/v1/storage.proto',
  'jaeger/storage/v2/trace_storage.proto',
  'jaeger/storage/v2/dependency_storage.proto',
  'jaeger/storage/v2/capabilities.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'grpc/health/v1/health.proto',
  'plugin/grpc_controller.proto',
];

/** Fully qualified service names, as registered and as checked by health probes. */
export const SERVICE_NAMES = {
  spanWriter: 'jaeger.storage.v1.SpanWriterPlugin',
  streamingSpanWriter: 'jaeger.storage.v1.StreamingSpanWriterPlugin',
  spanReader: 'jaeger.storage.v1.SpanReaderPlugin',
  archiveSpanWriter: 'jaeger.storage.v1.ArchiveSpanWriterPlugin',
  archiveSpanReader: 'jaeger.storage.v1.ArchiveSpanReaderPlugin',
  dependenciesReader: 'jaeger.storage.v1.DependenciesReaderPlugin',
  pluginCapabilities: 'jaeger.storage.v1.PluginCapabilities',
  traceReader: 'jaeger.storage.v2.TraceReader',
  dependencyReader: 'jaeger.storage.v2.DependencyReader',
  capabilities: 'jaeger.storage.v2.Capabilities',
  traceService: 'opentelemetry.proto.collector.trace.v1.TraceService',
  health: 'grpc.health.v1.Health',
  grpcController: 'plugin.GRPCController',
} as const;

export type ServiceKey = keyof typeof SERVICE_NAMES;

/**
 * Parsed when this module is first imported: only `serve` (plugin/) and `grpc://` stores import it
 * (open-store.ts imports each backend when its URI is opened), so other commands never pay for it.
 * A constant, never written after loading.
 */
const PACKAGE_DEFINITION = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);

/** The parsed package definition of every proto jaeger-sls speaks. */
export function packageDefinition(): protoLoader.PackageDefinition {
  return PACKAGE_DEFINITION;
}

/** The service definition of one service, for `server.addService` or `makeGenericClientConstructor`. */
export function serviceDefinition(key: ServiceKey): grpc.ServiceDefinition {
  const def = packageDefinition()[SERVICE_NAMES[key]];
  if (!def || 'format' in def) throw new Error(`proto service ${SERVICE_NAMES[key]} is not loaded`);
  return def as unknown as grpc.ServiceDefinition;
}

/** A client constructor for one service. */
export function clientConstructor(key: ServiceKey): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(serviceDefinition(key), SERVICE_NAMES[key]);
}
