/**
 * Multi-tenancy as Jaeger's remote-storage guard does it (header x-tenant): missing header ⇒
 * UNAUTHENTICATED "missing tenant header", unknown tenant ⇒ PERMISSION_DENIED "unknown tenant",
 * two values ⇒ PERMISSION_DENIED "extra tenant header"; each tenant sees only its own spans on
 * every API (v1, v2, OTLP) and through the grpc:// store.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';
import { TraceNotFoundError } from '../../src/model/index.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { openStore } from '../../src/storage/open-store.js';
import { closeClient, collectStream, grpcClient, healthStatus, metadataFor, startServe, unary, type AnyClient, type ServeProcess } from '../support/serve-harness.js';

let server: ServeProcess;
let writer: AnyClient;
let reader: AnyClient;
let readerV2: AnyClient;
let exporter: AnyClient;

const span = (service: string, traceHex: string): Span => ({
  traceId: traceHex.padStart(32, '0'),
  spanId: '0000000000000001',
  operationName: `${service}-op`,
  references: [],
  flags: 0,
  startTime: Date.now() * 1000,
  duration: 10,
  tags: [],
  logs: [],
  process: { serviceName: service, tags: [] },
  warnings: [],
});

beforeAll(async () => {
  server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--tenancy', '--tenants', 'acme,globex']);
  writer = grpcClient('spanWriter', server.address);
  reader = grpcClient('spanReader', server.address);
  readerV2 = grpcClient('traceReader', server.address);
  exporter = grpcClient('traceService', server.address);
});
afterAll(async () => {
  for (const c of [writer, reader, readerV2, exporter]) closeClient(c);
  await server?.stop();
});

describe('tenancy', () => {
  it('refuses calls without exactly one known tenant, with Jaeger’s codes and messages', async () => {
    const request = { span: spanToProto(span('x', 'f1')) };
    await expect(unary(writer, 'WriteSpan', request)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'missing tenant header' });
    await expect(unary(writer, 'WriteSpan', request, metadataFor('initech'))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'unknown tenant' });
    await expect(unary(writer, 'WriteSpan', request, metadataFor(['acme', 'globex']))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'extra tenant header' });
    await expect(collectStream(reader, 'FindTraces', { query: { serviceName: 'x' } })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(unary(exporter, 'Export', { resourceSpans: [] }, metadataFor('initech'))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(await healthStatus(server.address, ''), 'health needs no tenant').toBe(1);
  });

  it('keeps each tenant’s spans apart on v1, v2 and OTLP', async () => {
    const acme = metadataFor('acme');
    const globex = metadataFor('globex');
    await unary(writer, 'WriteSpan', { span: spanToProto(span('acme-api', 'a1')) }, acme);
    await unary(exporter, 'Export', { resourceSpans: otlpFromSpans([span('globex-api', 'b1')]) }, globex);

    expect((await unary(reader, 'GetServices', {}, acme)).services).toEqual(['acme-api']);
    expect((await unary(readerV2, 'GetServices', {}, globex)).services).toEqual(['globex-api']);
    await expect(collectStream(reader, 'GetTrace', { traceId: Buffer.from('a1'.padStart(32, '0'), 'hex') }, globex)).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    expect(await collectStream(readerV2, 'GetTraces', { query: [{ traceId: Buffer.from('b1'.padStart(32, '0'), 'hex') }] }, acme)).toEqual([]);
    expect(await collectStream(readerV2, 'GetTraces', { query: [{ traceId: Buffer.from('b1'.padStart(32, '0'), 'hex') }] }, globex)).toHaveLength(1);
    expect(await collectStream(reader, 'FindTraces', { query: { serviceName: 'acme-api' } }, globex)).toEqual([]);
    expect((await collectStream(reader, 'FindTraces', { query: { serviceName: 'acme-api' } }, acme)).flatMap((c) => c.spans)).toHaveLength(1);
  });

  it('isolates tenants through the grpc:// store (tenant=… option and forTenant)', async () => {
    const store = await openStore(`grpc://${server.address}?tenant=acme`);
    try {
      expect(await store.getServices()).toEqual(['acme-api']);
      expect(await store.forTenant('globex').getServices()).toEqual(['globex-api']);
      await expect(store.getTrace({ traceId: 'b1'.padStart(32, '0') })).rejects.toBeInstanceOf(TraceNotFoundError);
      await expect(store.forTenant('initech').getServices()).rejects.toThrow(/unknown tenant/);
    } finally {
      await store.close();
    }
  });
});
