import * as grpc from '@grpc/grpc-js';
import { StorageUnavailableError } from '../model/index.js';
import type { Store, TraceStore } from '../storage/types.js';
import type { CallContext } from './calls.js';
import { inProcessReads, MAX_SPANS_PER_CHUNK, withSafeDecoding } from './calls.js';
import type { ReadRunner } from './calls.js';
import { ReadGate } from './read-gate.js';
import type { ReadLimits } from './read-stream.js';
import { DEFAULT_MAX_CONCURRENT_READS } from '../config/serve-config.js';
import { HealthService } from './health.js';
import type { Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { SERVICE_NAMES, serviceDefinition, type ServiceKey } from '../storage/grpc/protos.js';
import type { TenancyOptions } from './tenancy.js';
import { tenantFromMetadata } from './tenancy.js';
import { v1ServiceImplementations } from './v1-services.js';
import { v2ServiceImplementations } from './v2-services.js';
import { type Ingest, ingestInProcess } from './ingest.js';

export interface TlsFiles {
  /** PEM server certificate chain and key. */
  cert: Buffer;
  key: Buffer;
  /** PEM CA bundle: when given, clients must present a certificate it signed (mutual TLS). */
  ca?: Buffer;
}

export interface ServerOptions {
  store: Store;
  /** Where write requests go; default: decoded and stored on this thread, into `store`. */
  ingest?: Ingest;
  /** Interface to bind, e.g. "127.0.0.1", "0.0.0.0", "::1". */
  host: string;
  /** Port to bind; 0 = any free port. */
  port: number;
  /** Sidecar mode: try ports in this inclusive range instead of `port`. */
  portRange?: { min: number; max: number };
  tls?: TlsFiles;
  tenancy?: TenancyOptions;
  /** Largest message received or sent, bytes. */
  maxMessageSize: number;
  /** Advertise the streaming span writer in PluginCapabilities. */
  streamingSpanWriter: boolean;
  log: Logger;
  metrics?: ServerMetrics;
  /** Streamed trace reads: how many run at once, the span cap per trace, where they run (default: this thread). */
  reads?: { maxConcurrent: number; maxTraceSpans?: number; runner?: ReadRunner };
  /** hashicorp go-plugin sidecar: health "plugin" and plugin.GRPCController, which calls this on Shutdown. */
  goPlugin?: { onShutdownRequest(): void };
}

export interface RunningServer {
  /** host:port actually bound. */
  readonly address: string;
  readonly port: number;
  readonly metrics: ServerMetrics;
  /**
   * Stops accepting calls, lets running calls finish for up to `graceMs`, then cancels the rest.
   * Does not close the store: its owner does, and the store's close() commits the writes handed
   * over (cancelled streams included).
   * Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** Health names Jaeger's remote-storage and v2 handler register, plus "" (readiness). */
const HEALTH_NAMES = [
  '',
  SERVICE_NAMES.spanReader,
  SERVICE_NAMES.spanWriter,
  SERVICE_NAMES.pluginCapabilities,
  SERVICE_NAMES.dependenciesReader,
  SERVICE_NAMES.streamingSpanWriter,
  SERVICE_NAMES.archiveSpanReader,
  SERVICE_NAMES.archiveSpanWriter,
  SERVICE_NAMES.traceReader,
  SERVICE_NAMES.dependencyReader,
  SERVICE_NAMES.capabilities,
  SERVICE_NAMES.traceService,
  'jaeger.storage.v2.TraceWriter',
];

/** Write requests reach their handlers as raw bytes: the ingest path (ingest.ts) decodes them, off this thread when a write worker runs. */
const rawBytes = (bytes: Buffer) => bytes;
export const WRITE_DECODERS = {
  '/jaeger.storage.v1.SpanWriterPlugin/WriteSpan': rawBytes,
  '/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream': rawBytes,
  '/jaeger.storage.v1.ArchiveSpanWriterPlugin/WriteArchiveSpan': rawBytes,
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export': rawBytes,
};

/** Chunks stay far below gRPC's default 4 MiB receive limit that Jaeger's clients keep. */
const MAX_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Reads waiting for a slot, per slot, and how long one may wait. A waiting read holds only its
 * request (bytes), so the queue can be long; the wait is bounded so a read nobody can serve soon
 * fails fast with RESOURCE_EXHAUSTED instead of hanging until Jaeger's own timeout.
 */
const READS_WAITING_PER_SLOT = 8;
const READ_MAX_WAIT_MS = 10_000;

/**
 * Bytes one found trace id takes in a FindTraceIDs answer, at most: v2's FoundTraceID is the id
 * (18) and two Timestamps (≤ 19 each) with its own framing (≤ 3), v1's only the id.
 */
const FOUND_TRACE_ID_BYTES = 64;

/**
 * Limits of each read answer: streamed messages of Jaeger's batch size and half the message limit
 * in bytes (at most 2 MiB); as many FindTraceIDs ids as one message of the limit holds.
 */
export function readLimitsFor(maxMessageSize: number, maxTraceSpans: number | undefined): ReadLimits {
  return {
    maxSpansPerMessage: MAX_SPANS_PER_CHUNK,
    maxBytesPerMessage: Math.min(MAX_CHUNK_BYTES, Math.floor(maxMessageSize / 2)),
    maxTraceIds: Math.floor(maxMessageSize / FOUND_TRACE_ID_BYTES),
    ...(maxTraceSpans !== undefined ? { maxTraceSpans } : {}),
  };
}

/**
 * Starts one gRPC server serving, on one port: jaeger.storage.v1 (all services), jaeger.storage.v2
 * TraceReader/DependencyReader/Capabilities, OTLP TraceService/Export, grpc.health.v1 and, in
 * sidecar mode, go-plugin's GRPCController.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { store, log, tenancy } = options;
  const metrics = options.metrics ?? new ServerMetrics();
  let closing = false;
  const tenantFor = (metadata: grpc.Metadata): string => (tenancy ? tenantFromMetadata(metadata, tenancy) : '');
  const storeFor = (metadata: grpc.Metadata): TraceStore => {
    if (closing) throw new StorageUnavailableError('server is shutting down');
    return tenancy ? store.forTenant(tenantFor(metadata)) : store;
  };
  const limits = readLimitsFor(options.maxMessageSize, options.reads?.maxTraceSpans);
  const maxConcurrent = options.reads?.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_READS;
  const gate = new ReadGate(maxConcurrent, maxConcurrent * READS_WAITING_PER_SLOT, READ_MAX_WAIT_MS);
  metrics.readGauges = gate;
  const reads = { gate, limits, runner: options.reads?.runner ?? inProcessReads(metrics, limits) };
  const ingest = options.ingest ?? ingestInProcess(store);
  const ctx: CallContext = {
    storeFor,
    tenantFor,
    reads,
    metrics,
    log,
    maxChunkBytes: limits.maxBytesPerMessage,
    // Not refused while closing: calls already running (streams) finish their writes within the grace period.
    async ingest(metadata, request) {
      metrics.writeStarted();
      try {
        const outcome = await ingest.write({ ...request, tenant: tenantFor(metadata) });
        metrics.spansWritten += outcome.written;
        if (outcome.error !== undefined) throw outcome.error;
      } finally {
        metrics.writeEnded();
      }
    },
  };

  const health = new HealthService(options.goPlugin ? [...HEALTH_NAMES, 'plugin'] : HEALTH_NAMES);
  const implementations: Partial<Record<ServiceKey, grpc.UntypedServiceImplementation>> = {
    ...v1ServiceImplementations(ctx, { streamingSpanWriter: options.streamingSpanWriter, hasArchive: Boolean(store.archive) }),
    ...v2ServiceImplementations(ctx),
    health: health.implementation(),
  };
  if (options.goPlugin) {
    const { onShutdownRequest } = options.goPlugin;
    implementations.grpcController = {
      Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        callback(null, {});
        setImmediate(onShutdownRequest);
      },
    };
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageSize,
    'grpc.max_send_message_length': options.maxMessageSize,
  });
  for (const [key, implementation] of Object.entries(implementations) as [ServiceKey, grpc.UntypedServiceImplementation][]) {
    server.addService(withSafeDecoding(serviceDefinition(key), WRITE_DECODERS), implementation);
  }

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(options.tls.ca ?? null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], Boolean(options.tls.ca))
    : grpc.ServerCredentials.createInsecure();
  const port = await bind(server, options.host, options.portRange ? candidatePorts(options.portRange) : [options.port], credentials);
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    address,
    port,
    metrics,
    close(graceMs = 8000) {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        health.stop();
        const force = setTimeout(() => {
          log.warn('calls still running at shutdown deadline; cancelling them', { graceMs });
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
  };
}

function candidatePorts(range: { min: number; max: number }): number[] {
  const span = range.max - range.min + 1;
  const first = Math.floor(Math.random() * span);
  const ports: number[] = [];
  for (let i = 0; i < Math.min(span, 50); i++) ports.push(range.min + ((first + i) % span));
  return ports;
}

async function bind(server: grpc.Server, host: string, ports: readonly number[], credentials: grpc.ServerCredentials): Promise<number> {
  let lastError: Error | undefined;
  const target = (port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  for (const port of ports) {
    try {
      return await new Promise<number>((resolve, reject) =>
        server.bindAsync(target(port), credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
      );
    } catch (err) {
      lastError = err as Error;
    }
  }
  throw new StorageUnavailableError(`cannot listen on ${target(ports[ports.length - 1] ?? 0)}: ${bindFailure(lastError)}`);
}

/** grpc-js wraps the socket error in "No address added … errors: [listen EADDRINUSE: …]": the cause in words. */
function bindFailure(err: Error | undefined): string {
  const text = err?.message ?? 'no port to try';
  if (/EADDRINUSE/.test(text)) return 'address already in use (another process listens there; choose another with --listen)';
  if (/EACCES/.test(text)) return 'permission denied (ports below 1024 need privileges)';
  if (/EADDRNOTAVAIL|ENOTFOUND/.test(text)) return 'address not available on this machine';
  return text;
}
