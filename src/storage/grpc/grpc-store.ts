// Over 400 lines: one remote-storage client for two API generations; each read's v2 → v1 fallback needs both in view.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type {
  DependencyLink,
  FoundTraceId,
  GetTraceQuery,
  Operation,
  OperationQuery,
  Span,
  Trace,
  TraceQuery,
} from '../../model/index.js';
import { ConfigError, NotSupportedError, TraceNotFoundError, validateSpan, withoutDerivableOtel } from '../../model/index.js';
import type { OtlpResourceSpans } from '../../formats/otlp.js';
import { otlpFromSpans, spansFromOtlp } from '../../formats/otlp.js';
import { traceTimeRange } from '../trace-matching.js';
import type { ArchiveStore, Store, TraceStore } from '../types.js';
import { wholeTraceParts, WholeTraceReads } from '../whole-trace-reads.js';
import type { ProtoDependencyLink, ProtoSpan, ProtoTimestamp } from '../../formats/proto-mapping.js';
import {
  dependencyWindowToProto,
  getTraceQueryToProto,
  protoToDependencyLink,
  protoToFoundTraceId,
  protoToSpan,
  spanToProto,
  traceQueryToProtoV1,
  traceQueryToProtoV2,
} from '../../formats/proto-mapping.js';
import { clientConstructor, type ServiceKey } from './protos.js';
import { fromServiceError } from './status.js';

/**
 * `grpc://HOST:PORT[?options]`: a Store backed by any Jaeger remote storage server (jaeger-sls serve,
 * jaeger-remote-storage, or another backend speaking the same APIs). Reads prefer storage v2
 * (TraceReader, DependencyReader) and fall back to storage v1 when the server answers UNIMPLEMENTED;
 * writes use v1 WriteSpanStream or WriteSpan (exact Jaeger model), else OTLP Export.
 *
 * Options: `api=auto|v1|v2`, `tls=1`, `ca=FILE`, `cert=FILE`, `key=FILE` (client certificate),
 * `server-name=NAME`, `tenant=NAME`, `tenant-header=x-tenant`, `timeout=SECONDS` (unary calls, 30),
 * `max-message-size=BYTES` (receive limit, 64 MiB).
 */
export async function openRemoteStore(uri: string): Promise<Store> {
  const options = parseRemoteUri(uri);
  const connection = new Connection(options);
  try {
    await connection.probe();
  } catch (err) {
    connection.close();
    throw err;
  }
  const root = new RemoteTraceStore(connection, options.tenant);
  return Object.assign(root, {
    forTenant: (tenant: string): TraceStore => new RemoteTraceStore(connection, tenant),
    close: async () => connection.close(),
  });
}

export interface RemoteStoreOptions {
  target: string;
  api: 'auto' | 'v1' | 'v2';
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  tenant?: string;
  tenantHeader: string;
  timeoutMs: number;
}

export function parseRemoteUri(uri: string): RemoteStoreOptions {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(`invalid store URI "${uri}": expected grpc://HOST:PORT[?options]`);
  }
  if (!url.hostname || !url.port) throw new ConfigError(`invalid store URI "${uri}": expected grpc://HOST:PORT (the port is required)`);
  const known = ['api', 'tls', 'ca', 'cert', 'key', 'server-name', 'tenant', 'tenant-header', 'timeout', 'max-message-size'];
  for (const key of url.searchParams.keys()) {
    if (!known.includes(key)) throw new ConfigError(`store URI "${url.origin}": unknown option "${key}" (known: ${known.join(', ')})`);
  }
  const q = (key: string) => url.searchParams.get(key) ?? undefined;
  const api = q('api') ?? 'auto';
  if (api !== 'auto' && api !== 'v1' && api !== 'v2') throw new ConfigError(`store URI option api=${api}: expected auto, v1 or v2`);
  const read = (key: string) => {
    const path = q(key);
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`store URI option ${key}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if (Boolean(cert) !== Boolean(key)) throw new ConfigError('store URI options cert and key must be given together');
  const tls = ['1', 'true', 'yes'].includes(q('tls') ?? '') || Boolean(ca || cert);
  const timeout = Number(q('timeout') ?? 30);
  const maxMessageSize = Number(q('max-message-size') ?? 64 * 1024 * 1024);
  if (!(timeout > 0)) throw new ConfigError(`store URI option timeout=${q('timeout')}: expected seconds > 0`);
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < 1024) throw new ConfigError(`store URI option max-message-size=${q('max-message-size')}: expected bytes ≥ 1024`);
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': maxMessageSize,
    'grpc.max_send_message_length': maxMessageSize,
  };
  const serverName = q('server-name');
  if (serverName) channelOptions['grpc.ssl_target_name_override'] = serverName;
  const tenant = q('tenant');
  return {
    target: `${url.hostname}:${url.port}`,
    api,
    credentials: tls ? grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null) : grpc.credentials.createInsecure(),
    channelOptions,
    ...(tenant ? { tenant } : {}),
    tenantHeader: (q('tenant-header') ?? 'x-tenant').toLowerCase(),
    timeoutMs: timeout * 1000,
  };
}

/** Spans per WriteSpanStream (one store call may send many streams). */
const STREAM_SPANS = 10_000;

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** Clients of one server, the API generation it answered to, and its capabilities. */
class Connection {
  private readonly clients = new Map<ServiceKey, AnyClient>();
  /** Set once a v2 read answered UNIMPLEMENTED (or api=v1). */
  v1Reads: boolean;
  /** How writes travel; settled by probe(). */
  writeMode: 'stream' | 'unary' | 'otlp' = 'unary';
  hasArchive = false;

  constructor(readonly options: RemoteStoreOptions) {
    this.v1Reads = options.api === 'v1';
  }

  client(key: ServiceKey): AnyClient {
    let c = this.clients.get(key);
    if (!c) {
      const Ctor = clientConstructor(key);
      c = new Ctor(this.options.target, this.options.credentials, this.options.channelOptions) as unknown as AnyClient;
      this.clients.set(key, c);
    }
    return c;
  }

  /** Asks PluginCapabilities (v1) to settle writes and archive; a v2-only server writes with OTLP. */
  async probe(): Promise<void> {
    try {
      const caps = await this.unary<{ archiveSpanReader: boolean; archiveSpanWriter: boolean; streamingSpanWriter: boolean }>(
        'pluginCapabilities', 'Capabilities', {}, undefined, 'Capabilities',
      );
      this.hasArchive = caps.archiveSpanReader && caps.archiveSpanWriter;
      this.writeMode = caps.streamingSpanWriter ? 'stream' : 'unary';
    } catch (err) {
      if (!(err instanceof NotSupportedError)) throw err;
      this.writeMode = this.options.api === 'v1' ? 'unary' : 'otlp';
    }
    if (this.options.api === 'v2') this.writeMode = 'otlp';
  }

  metadata(tenant: string | undefined): grpc.Metadata {
    const md = new grpc.Metadata();
    if (tenant) md.set(this.options.tenantHeader, tenant);
    return md;
  }

  unary<Res>(key: ServiceKey, method: string, request: object, tenant: string | undefined, what: string): Promise<Res> {
    const deadline = Date.now() + this.options.timeoutMs;
    return new Promise<Res>((resolve, reject) => {
      this.client(key)[method](request, this.metadata(tenant), { deadline }, (err: grpc.ServiceError | null, res: Res) =>
        err ? reject(fromServiceError(err, `${this.options.target} ${what}`)) : resolve(res),
      );
    });
  }

  async *serverStream<Res>(key: ServiceKey, method: string, request: object, tenant: string | undefined, what: string): AsyncGenerator<Res> {
    const call = this.client(key)[method](request, this.metadata(tenant)) as grpc.ClientReadableStream<Res>;
    try {
      for await (const message of call) yield message as Res;
    } catch (err) {
      throw fromServiceError(err, `${this.options.target} ${what}`);
    } finally {
      call.cancel();
    }
  }

  /** One client stream carrying `spans`, resolved when the server acknowledges them all. */
  writeStream(spans: readonly Span[], tenant: string | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call = this.client('streamingSpanWriter').WriteSpanStream(this.metadata(tenant), (err: grpc.ServiceError | null) =>
        err ? reject(fromServiceError(err, `${this.options.target} WriteSpanStream`)) : resolve(),
      ) as grpc.ClientWritableStream<{ span: ProtoSpan }>;
      let i = 0;
      const pump = () => {
        while (i < spans.length) {
          if (!call.write({ span: spanToProto(spans[i++]) })) return void call.once('drain', pump);
        }
        call.end();
      };
      pump();
    });
  }

  /** Runs a v2 read; on UNIMPLEMENTED (in api=auto) switches this connection to v1 and runs `v1`. */
  async read<T>(v2: () => Promise<T>, v1: () => Promise<T>): Promise<T> {
    if (this.v1Reads) return v1();
    try {
      return await v2();
    } catch (err) {
      if (!(err instanceof NotSupportedError) || this.options.api === 'v2') throw err;
      this.v1Reads = true;
      return v1();
    }
  }

  close(): void {
    // NOTE: SpanWriterPlugin has an rpc named Close, which shadows Client#close on its client.
    for (const c of this.clients.values()) grpc.Client.prototype.close.call(c);
    this.clients.clear();
  }
}

/** One tenant's view of a remote server. */
class RemoteTraceStore extends WholeTraceReads implements TraceStore {
  readonly archive?: ArchiveStore;

  constructor(
    private readonly conn: Connection,
    private readonly tenant: string | undefined,
  ) {
    super();
    if (conn.hasArchive) {
      this.archive = {
        writeSpans: async (spans) => {
          for (const s of spans) validateSpan(s);
          for (const span of spans) await this.call('archiveSpanWriter', 'WriteArchiveSpan', { span: spanToProto(span) });
        },
        getTrace: (q) => this.v1Trace('archiveSpanReader', 'GetArchiveTrace', q),
        getTraceParts: (q) => wholeTraceParts(this.archive!, q),
      };
    }
  }

  private call<Res>(key: ServiceKey, method: string, request: object): Promise<Res> {
    return this.conn.unary<Res>(key, method, request, this.tenant, method);
  }

  private stream<Res>(key: ServiceKey, method: string, request: object): AsyncGenerator<Res> {
    return this.conn.serverStream<Res>(key, method, request, this.tenant, method);
  }

  async writeSpans(spans: readonly Span[]): Promise<void> {
    for (const s of spans) validateSpan(s);
    if (spans.length === 0) return;
    switch (this.conn.writeMode) {
      case 'stream':
        for (let i = 0; i < spans.length; i += STREAM_SPANS) await this.conn.writeStream(spans.slice(i, i + STREAM_SPANS), this.tenant);
        return;
      case 'unary': {
        // NOTE: a few calls in flight keep the connection busy without reordering much.
        const queue = [...spans];
        const worker = async () => {
          for (let span = queue.shift(); span; span = queue.shift()) await this.call('spanWriter', 'WriteSpan', { span: spanToProto(span) });
        };
        await Promise.all(Array.from({ length: Math.min(8, spans.length) }, worker));
        return;
      }
      case 'otlp':
        for (let i = 0; i < spans.length; i += 1000) {
          await this.call('traceService', 'Export', { resourceSpans: otlpFromSpans(spans.slice(i, i + 1000)) });
        }
    }
  }

  getTrace(query: GetTraceQuery): Promise<Trace> {
    return this.conn.read(
      async () => {
        const spans: Span[] = [];
        for await (const data of this.stream<{ resourceSpans: OtlpResourceSpans[] }>('traceReader', 'GetTraces', { query: [getTraceQueryToProto(query)] })) {
          spans.push(...spansOfV2Read(data.resourceSpans, 'GetTraces'));
        }
        if (spans.length === 0) throw new TraceNotFoundError(query.traceId);
        return { spans };
      },
      () => this.v1Trace('spanReader', 'GetTrace', query),
    );
  }

  private async v1Trace(key: ServiceKey, method: string, query: GetTraceQuery): Promise<Trace> {
    const spans: Span[] = [];
    for await (const chunk of this.stream<{ spans: ProtoSpan[] }>(key, method, getTraceQueryToProto(query))) {
      for (const s of chunk.spans) spans.push(protoToSpan(s));
    }
    if (spans.length === 0) throw new TraceNotFoundError(query.traceId);
    return { spans };
  }

  getServices(): Promise<string[]> {
    const services = async (key: ServiceKey) => (await this.call<{ services: string[] }>(key, 'GetServices', {})).services.sort();
    return this.conn.read(() => services('traceReader'), () => services('spanReader'));
  }

  getOperations(query: OperationQuery): Promise<Operation[]> {
    const request = { service: query.serviceName, spanKind: query.spanKind ?? '' };
    return this.conn.read(
      async () => (await this.call<{ operations: Operation[] }>('traceReader', 'GetOperations', request)).operations.map(toOperation),
      async () => {
        const res = await this.call<{ operations: Operation[]; operationNames: string[] }>('spanReader', 'GetOperations', request);
        return res.operations.length > 0 ? res.operations.map(toOperation) : res.operationNames.map((name) => ({ name, spanKind: '' }));
      },
    );
  }

  async *findTraces(query: TraceQuery): AsyncIterable<Trace> {
    const v2 = !this.conn.v1Reads;
    if (v2) {
      try {
        yield* this.findTracesV2(query);
        return;
      } catch (err) {
        if (!(err instanceof NotSupportedError) || this.conn.options.api === 'v2') throw err;
        this.conn.v1Reads = true;
      }
    }
    yield* this.findTracesV1(query);
  }

  /** v2 chunks never mix traces and a trace's chunks are consecutive. */
  private async *findTracesV2(query: TraceQuery): AsyncGenerator<Trace> {
    let current: Span[] = [];
    for await (const data of this.stream<{ resourceSpans: OtlpResourceSpans[] }>('traceReader', 'FindTraces', { query: traceQueryToProtoV2(query) })) {
      const spans = spansOfV2Read(data.resourceSpans, 'FindTraces');
      if (spans.length === 0) continue;
      if (current.length > 0 && current[0].traceId !== spans[0].traceId) {
        yield { spans: current };
        current = [];
      }
      current.push(...spans);
    }
    if (current.length > 0) yield { spans: current };
  }

  /**
   * v1 FindTraces streams each trace's spans contiguously. v1 servers require a service name, so a
   * query without one asks each service and merges (newest first when `limit` cuts).
   */
  private async *findTracesV1(query: TraceQuery): AsyncGenerator<Trace> {
    if (query.serviceName) {
      yield* this.findTracesV1ForService(query);
      return;
    }
    const found = new Map<string, Trace>();
    for (const serviceName of await this.getServices()) {
      for await (const trace of this.findTracesV1ForService({ ...query, serviceName })) found.set(trace.spans[0].traceId, trace);
    }
    const traces = [...found.values()].sort((a, b) => traceTimeRange(b.spans).start - traceTimeRange(a.spans).start);
    yield* query.limit ? traces.slice(0, query.limit) : traces;
  }

  private async *findTracesV1ForService(query: TraceQuery): AsyncGenerator<Trace> {
    let current: Span[] = [];
    for await (const chunk of this.stream<{ spans: ProtoSpan[] }>('spanReader', 'FindTraces', { query: traceQueryToProtoV1(query) })) {
      for (const proto of chunk.spans) {
        const span = protoToSpan(proto);
        if (current.length > 0 && current[0].traceId !== span.traceId) {
          yield { spans: current };
          current = [];
        }
        current.push(span);
      }
    }
    if (current.length > 0) yield { spans: current };
  }

  findTraceIds(query: TraceQuery): Promise<FoundTraceId[]> {
    return this.conn.read(
      async () => {
        const res = await this.call<{ traceIds: { traceId: Uint8Array; start: ProtoTimestamp | null; end: ProtoTimestamp | null }[] }>(
          'traceReader', 'FindTraceIDs', { query: traceQueryToProtoV2(query) },
        );
        return res.traceIds.map(protoToFoundTraceId);
      },
      async () => {
        // v1 FindTraceIDs carries no time ranges (and Jaeger's memstore never implemented it).
        const out: FoundTraceId[] = [];
        for await (const trace of this.findTracesV1(query)) out.push({ traceId: trace.spans[0].traceId, ...traceTimeRange(trace.spans) });
        return out;
      },
    );
  }

  getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const request = dependencyWindowToProto(endTime, lookback);
    const links = async (key: ServiceKey) =>
      (await this.call<{ dependencies: ProtoDependencyLink[] }>(key, 'GetDependencies', request)).dependencies.map(protoToDependencyLink);
    return this.conn.read(() => links('dependencyReader'), () => links('dependenciesReader'));
  }
}

/**
 * Spans of a storage v2 read. v2 carries every span as OTLP, whichever model it was written in; a
 * span whose OTLP fields add nothing to its Jaeger v1 view reads back in the Jaeger model, as written.
 */
function spansOfV2Read(resourceSpans: OtlpResourceSpans[], what: string): Span[] {
  return spansFromOtlp(resourceSpans, what).map(withoutDerivableOtel);
}

function toOperation(op: Operation): Operation {
  return { name: op.name, spanKind: op.spanKind };
}
