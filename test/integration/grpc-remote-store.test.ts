/**
 * The grpc:// store (src/storage/grpc/grpc-store.ts) against real servers:
 * - `jaeger-sls serve` spawned from bin/, API auto-detected (storage v2 reads, v1 stream writes):
 *   the whole storage conformance suite;
 * - an in-process server with only the storage v1 services (Jaeger ≤ 2.5 style): reads fall back
 *   to v1 on UNIMPLEMENTED and searches without a service name iterate the services;
 * - an in-process server with only storage v2 + OTLP (Jaeger ≥ 2.14 remote-storage style): writes
 *   go through OTLP Export;
 * - bad URIs and unreachable servers.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { ConfigError, StorageUnavailableError, TraceNotFoundError } from '../../src/model/index.js';
import { type CallContext, inProcessReads, withSafeDecoding } from '../../src/plugin/calls.js';
import { ReadGate } from '../../src/plugin/read-gate.js';
import { ingestInto } from '../../src/plugin/ingest.js';
import { readLimitsFor, WRITE_DECODERS } from '../../src/plugin/server.js';
import { SILENT_LOGGER } from '../../src/plugin/log.js';
import { ServerMetrics } from '../../src/plugin/metrics.js';
import { serviceDefinition, type ServiceKey } from '../../src/storage/grpc/protos.js';
import { v1ServiceImplementations } from '../../src/plugin/v1-services.js';
import { v2ServiceImplementations } from '../../src/plugin/v2-services.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Store } from '../../src/storage/types.js';
import { openStore } from '../../src/storage/open-store.js';
import { collect, describeStorageConformance } from '../storage/conformance.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jaegerJsonFromTrace } from '../../src/formats/jaeger-json.js';
import { runCli } from '../support/cli.js';
import { startServe, type ServeProcess } from '../support/serve-harness.js';

let serve: ServeProcess;
let tenants = 0;
beforeAll(async () => {
  serve = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--tenancy']);
});
afterAll(async () => {
  await serve?.stop();
});

// Reads in OTLP lose what OTLP cannot carry (as Jaeger v2 itself does): span warnings (Own_typed_tags*
// fixtures carry one) and the position of the parent among references (parent_span_id comes first).
// v2 searches compare OpenTelemetry AsString texts (Jaeger v2): the Own_typed_tags* queries name a
// binary tag in hex and a float in exponent form, v1's texts, which v2 spells base64 and 0.0000001.
describeStorageConformance('grpc auto API (v2 reads) → serve (memory)', () => openStore(`grpc://${serve.address}?tenant=auto-${++tenants}`), {
  skip: ['Purge', 'FindTraces/Own_typed_tags', 'FindTraceIds/Own_typed_tags', 'FindTraces/Own_references_order'],
});

/** An in-process gRPC server exposing only `keys`, over a memory store. */
async function partialServer(keys: ServiceKey[]): Promise<{ address: string; store: Store; stop(): void }> {
  const store = createMemoryStore();
  const metrics = new ServerMetrics();
  const limits = readLimitsFor(2 << 20, undefined);
  const reads = { gate: new ReadGate(4, 4, 10_000), limits, runner: inProcessReads(metrics, limits) };
  const ctx: CallContext = {
    storeFor: () => store,
    tenantFor: () => '',
    reads,
    metrics,
    log: SILENT_LOGGER,
    maxChunkBytes: limits.maxBytesPerMessage,
    // As serve's server (plugin/server.ts): write requests arrive as raw bytes, decoded and stored by the ingest path.
    async ingest(_metadata, request) {
      const outcome = await ingestInto(store, { ...request, tenant: '' });
      if (outcome.error !== undefined) throw outcome.error;
    },
  };
  const impls = { ...v1ServiceImplementations(ctx, { streamingSpanWriter: false, hasArchive: true }), ...v2ServiceImplementations(ctx) };
  const server = new grpc.Server();
  for (const key of keys) server.addService(withSafeDecoding(serviceDefinition(key), WRITE_DECODERS), impls[key]!);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, store, stop: () => server.forceShutdown() };
}

const mk = (service: string, traceHex: string, spanHex = '1', startTime = Date.now() * 1000): Span => ({
  traceId: traceHex.padStart(32, '0'),
  spanId: spanHex.padStart(16, '0'),
  operationName: `${service}-op`,
  references: [],
  flags: 0,
  startTime,
  duration: 10,
  tags: [{ key: 'team', type: 'string', value: 'core' }],
  logs: [],
  process: { serviceName: service, tags: [] },
  warnings: [],
});

describe('grpc:// store against partial servers', () => {
  it('falls back to storage v1 reads, and searches without a service across services (v1-only server)', async () => {
    const server = await partialServer(['spanWriter', 'spanReader', 'dependenciesReader', 'pluginCapabilities', 'archiveSpanReader', 'archiveSpanWriter']);
    const store = await openStore(`grpc://${server.address}`);
    try {
      const now = Date.now() * 1000;
      await store.writeSpans([mk('a', 'a1', '1', now - 3), mk('b', 'b1', '1', now - 2), mk('b', 'b2', '1', now - 1)]);
      expect(await server.store.getServices(), 'written with unary WriteSpan').toEqual(['a', 'b']);
      expect(await store.getServices()).toEqual(['a', 'b']);
      expect((await store.getTrace({ traceId: 'a1'.padStart(32, '0') })).spans).toHaveLength(1);
      await expect(store.getTrace({ traceId: 'ff'.padStart(32, '0') })).rejects.toBeInstanceOf(TraceNotFoundError);
      const all = await collect(store.findTraces({ tags: { team: 'core' } }));
      expect(all.map((t) => t.spans[0].traceId.slice(-2)).sort()).toEqual(['a1', 'b1', 'b2']);
      const newest = await collect(store.findTraces({ tags: { team: 'core' }, limit: 2 }));
      expect(newest.map((t) => t.spans[0].traceId.slice(-2))).toEqual(['b2', 'b1']);
      const ids = await store.findTraceIds({ serviceName: 'a' });
      expect(ids).toEqual([{ traceId: 'a1'.padStart(32, '0'), start: now - 3, end: now + 7 }]);
      expect(await store.getOperations({ serviceName: 'b' })).toEqual([{ name: 'b-op', spanKind: '' }]);
      expect(store.archive).toBeDefined();
    } finally {
      await store.close();
      server.stop();
    }
  });

  it('writes through OTLP Export when the server has no storage v1 (v2-only server)', async () => {
    const server = await partialServer(['traceReader', 'dependencyReader', 'traceService']);
    const store = await openStore(`grpc://${server.address}`);
    try {
      await store.writeSpans([mk('otlp-only', 'c1')]);
      expect(await server.store.getServices()).toEqual(['otlp-only']);
      expect((await store.getTrace({ traceId: 'c1'.padStart(32, '0') })).spans[0].operationName).toBe('otlp-only-op');
      expect(store.archive).toBeUndefined();
    } finally {
      await store.close();
      server.stop();
    }
  });

  it('refuses bad URIs with ConfigError and an unreachable server with StorageUnavailableError', async () => {
    await expect(openStore('grpc://127.0.0.1')).rejects.toBeInstanceOf(ConfigError);
    await expect(openStore('grpc://127.0.0.1:1?colour=blue')).rejects.toThrow(/unknown option "colour"/);
    await expect(openStore('grpc://127.0.0.1:1?api=v3')).rejects.toBeInstanceOf(ConfigError);
    await expect(openStore('grpc://127.0.0.1:1?ca=/no/such/file')).rejects.toThrow(/cannot read/);
    const server = await partialServer([]);
    const port = server.address.split(':')[1];
    server.stop();
    await expect(openStore(`grpc://127.0.0.1:${port}?timeout=2`)).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

describe('CLI commands on grpc://', () => {
  it('imports into and exports from a running serve through --store grpc://', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-grpc-cli-'));
    try {
      const trace = { spans: [mk('imported', 'd1', '1'), { ...mk('imported', 'd1', '2'), references: [{ refType: 'CHILD_OF' as const, traceId: 'd1'.padStart(32, '0'), spanId: '1'.padStart(16, '0') }] }] };
      const file = path.join(dir, 'trace.json');
      writeFileSync(file, JSON.stringify({ data: [jaegerJsonFromTrace(trace)] }));
      const uri = `grpc://${serve.address}?tenant=cli`;
      const imported = await runCli(['import', '--store', uri, '--quiet', file]);
      expect(imported.code, imported.stderr).toBe(0);
      const store = await openStore(uri);
      try {
        expect((await store.getTrace({ traceId: 'd1'.padStart(32, '0') })).spans).toHaveLength(2);
      } finally {
        await store.close();
      }
      const exported = await runCli(['export', '--store', uri, '--trace-id', 'd1']);
      expect(exported.code, exported.stderr).toBe(0);
      const doc = JSON.parse(exported.stdout) as { data: { spans: unknown[] }[] };
      expect(doc.data[0].spans).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
