/**
 * The benchmarks' byte-moving clients (bench/byte-client.ts) against `jaeger-sls serve` spawned from
 * bin/: what they send is really stored (read back with GetTrace), and a call that does not end in
 * grpc-status 0 — refused (grpc-js answers refusals trailers-only: grpc-status in the headers), or
 * answered without any grpc-status — rejects, so it never counts as throughput.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchSpans, type CallConnection, type ClientKind, EXPORT_PATH, frameMessages, GrpcCallError, openConnection, prepareCall } from '../../bench/byte-client.js';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { serviceDefinition } from '../../src/storage/grpc/protos.js';
import { closeClient, collectStream, grpcClient, startServe, type AnyClient, type ServeProcess } from '../support/serve-harness.js';

const STREAM_PATH = '/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream';

let server: ServeProcess;
let reader: AnyClient;

beforeAll(async () => {
  server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:']);
  reader = grpcClient('spanReader', server.address);
});
afterAll(async () => {
  closeClient(reader);
  await server?.stop();
});

const storedSpanIds = async (traceId: string): Promise<string[]> =>
  (await collectStream(reader, 'GetTrace', { traceId: Buffer.from(traceId, 'hex') }))
    .flatMap((chunk) => chunk.spans)
    .map((s: { spanId: Buffer }) => s.spanId.toString('hex'))
    .sort();

describe('frameMessages', () => {
  it('puts each message behind a 0 flag byte and its big-endian 32-bit length', () => {
    const framed = frameMessages([Buffer.from([7, 8, 9]), Buffer.alloc(0), Buffer.alloc(300, 1)]);
    expect([...framed.subarray(0, 13)]).toEqual([0, 0, 0, 0, 3, 7, 8, 9, 0, 0, 0, 0, 0]);
    expect([...framed.subarray(13, 18)]).toEqual([0, 0, 0, 1, 44]);
    expect(framed.length).toBe(18 + 300);
  });
});

describe.each<ClientKind>(['http2', 'grpc-js'])('the %s byte-moving client', (kind) => {
  let connection: CallConnection;
  beforeAll(async () => {
    connection = await openConnection(kind, server.address);
  });
  afterAll(() => connection?.close());

  // Distinct traces per client kind: seed-11 traces of 10 spans, the first pair for http2, the next for grpc-js.
  const [otlpTrace, v1Trace] = (() => {
    const spans = benchSpans(40).slice(kind === 'http2' ? 0 : 20);
    return [spans.slice(0, 10), spans.slice(10, 20)];
  })();

  it('stores the spans of an OTLP Export and of a v1 WriteSpanStream it sent', async () => {
    const exportRequest = serviceDefinition('traceService').Export.requestSerialize({ resourceSpans: otlpFromSpans(otlpTrace) });
    const writeSpan = serviceDefinition('streamingSpanWriter').WriteSpanStream;
    await connection.call(EXPORT_PATH, false, prepareCall(kind, [exportRequest]));
    await connection.call(STREAM_PATH, true, prepareCall(kind, v1Trace.map((s) => writeSpan.requestSerialize({ span: spanToProto(s) }))));

    expect(await storedSpanIds(otlpTrace[0].traceId)).toEqual(otlpTrace.map((s) => s.spanId).sort());
    expect(await storedSpanIds(v1Trace[0].traceId)).toEqual(v1Trace.map((s) => s.spanId).sort());
  });

  it('rejects a call the server answers INVALID_ARGUMENT (a malformed request)', async () => {
    // Field 1 (resource_spans), length-delimited, with a length varint that never ends.
    const err = await connection.call(EXPORT_PATH, false, prepareCall(kind, [Buffer.from([0x0a, 0xff])])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcCallError);
    expect((err as GrpcCallError).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('rejects a call answered trailers-only (UNIMPLEMENTED for an unknown method)', async () => {
    const err = await connection.call('/no.such.Service/Method', false, prepareCall(kind, [Buffer.alloc(0)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcCallError);
    expect((err as GrpcCallError).code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('rejects a call whose answer carries no grpc-status', async () => {
    // An HTTP/2 server that answers 200 with a gRPC content type, then ends without trailers.
    const bare = http2.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.end();
    });
    bare.listen(0, '127.0.0.1');
    await once(bare, 'listening');
    const bareConnection = await openConnection(kind, `127.0.0.1:${(bare.address() as AddressInfo).port}`);
    try {
      const err = await bareConnection.call(EXPORT_PATH, false, prepareCall(kind, [Buffer.alloc(0)])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcCallError);
      if (kind === 'http2') expect((err as GrpcCallError).code).toBeUndefined();
    } finally {
      bareConnection.close();
      bare.close();
    }
  });
});
