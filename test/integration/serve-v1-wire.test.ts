/**
 * Storage v1 wire rules a Go client relies on, checked with raw grpc-js clients against
 * `jaeger-sls serve` spawned from bin/ (reference §6): NOT_FOUND "trace not found", Go zero times as
 * "unset", 1000-span chunks under 4 MB with each trace contiguous, persist-on-arrival for
 * WriteSpanStream, capabilities, operations, health names, INVALID_ARGUMENT for malformed input,
 * and graceful SIGTERM.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { clientStream, closeClient, collectStream, grpcClient, healthStatus, startServe, unary, type AnyClient, type ServeProcess } from '../support/serve-harness.js';

let server: ServeProcess;
let writer: AnyClient;
let streaming: AnyClient;
let reader: AnyClient;
let caps: AnyClient;

const NOW_US = Date.now() * 1000;

function span(traceNo: number, spanNo: number, extra: Partial<Span> = {}): Span {
  return {
    traceId: traceNo.toString(16).padStart(32, '0'),
    spanId: spanNo.toString(16).padStart(16, '0'),
    operationName: 'op',
    references: [],
    flags: 1,
    startTime: NOW_US - 60_000_000 + spanNo,
    duration: 1234,
    tags: [
      { key: 'big', type: 'int64', value: 9007199254740993n },
      { key: 'f', type: 'float64', value: 0.1 },
      { key: 'b', type: 'bool', value: true },
      { key: 'bin', type: 'binary', value: new Uint8Array([0, 1, 255]) },
    ],
    logs: [],
    process: { serviceName: 'wire-service', tags: [] },
    warnings: [],
    ...extra,
  };
}

const idBytes = (n: number) => Buffer.from(n.toString(16).padStart(32, '0'), 'hex');

beforeAll(async () => {
  server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--log-level', 'debug']);
  writer = grpcClient('spanWriter', server.address);
  streaming = grpcClient('streamingSpanWriter', server.address);
  reader = grpcClient('spanReader', server.address);
  caps = grpcClient('pluginCapabilities', server.address);
});
afterAll(async () => {
  for (const c of [writer, streaming, reader, caps]) closeClient(c);
  await server?.stop();
});

describe('storage v1 wire rules', () => {
  it('GetTrace of a missing trace ends the stream with NOT_FOUND "trace not found"', async () => {
    const err = await collectStream(reader, 'GetTrace', { traceId: idBytes(0xdead) }).catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'trace not found' });
  });

  it('round-trips typed tags exactly and treats Go zero times as unset', async () => {
    const s = span(0x100, 1);
    await unary(writer, 'WriteSpan', { span: spanToProto(s) });
    const zero = { seconds: '-62135596800', nanos: 0 };
    const chunks = await collectStream(reader, 'GetTrace', { traceId: idBytes(0x100), startTime: zero, endTime: zero });
    const got = chunks.flatMap((c) => c.spans);
    expect(got).toHaveLength(1);
    const tags = Object.fromEntries(got[0].tags.map((t: any) => [t.key, t]));
    expect(tags.big).toMatchObject({ vType: 2, vInt64: '9007199254740993' });
    expect(tags.f).toMatchObject({ vType: 3, vFloat64: 0.1 });
    expect(tags.b).toMatchObject({ vType: 1, vBool: true });
    expect([...tags.bin.vBinary]).toEqual([0, 1, 255]);
    expect(got[0].flags).toBe(1);
    expect(got[0].duration).toEqual({ seconds: '0', nanos: 1_234_000 });
  });

  it('streams large traces in chunks of ≤ 1000 spans and < 4 MB, each trace contiguous', async () => {
    // Trace A: 2500 small spans. Trace B: 12 spans of ~600 KB (7 MB in total).
    const a = Array.from({ length: 2500 }, (_, i) => span(0x200, i + 1));
    const big = 'x'.repeat(600_000);
    const b = Array.from({ length: 12 }, (_, i) => span(0x201, i + 1, { tags: [{ key: 'payload', type: 'string', value: big }] }));
    await clientStream(streaming, 'WriteSpanStream', [...a, ...b].map((s) => ({ span: spanToProto(s) })));
    const chunks = await collectStream(reader, 'FindTraces', { query: { serviceName: 'wire-service', durationMin: { seconds: '0', nanos: 0 }, numTraces: 0 } });
    const order: string[] = [];
    for (const c of chunks) {
      expect(c.spans.length).toBeLessThanOrEqual(1000);
      const bytes = c.spans.reduce((n: number, s: any) => n + s.tags.reduce((m: number, t: any) => m + t.vStr.length, 0), 0);
      expect(bytes).toBeLessThan(4 * 1024 * 1024);
      for (const s of c.spans) {
        const id = Buffer.from(s.traceId).toString('hex');
        if (order[order.length - 1] !== id) order.push(id);
      }
    }
    expect(new Set(order).size, 'each trace contiguous').toBe(order.length);
    const counts = new Map<string, number>();
    for (const c of chunks) for (const s of c.spans) counts.set(Buffer.from(s.traceId).toString('hex'), (counts.get(Buffer.from(s.traceId).toString('hex')) ?? 0) + 1);
    expect(counts.get(idBytes(0x200).toString('hex'))).toBe(2500);
    expect(counts.get(idBytes(0x201).toString('hex'))).toBe(12);
    const single = await collectStream(reader, 'GetTrace', { traceId: idBytes(0x201) });
    expect(single.length).toBeGreaterThanOrEqual(2);
    expect(single.flatMap((c) => c.spans)).toHaveLength(12);
  });

  it('persists each WriteSpanStream message on arrival, before the stream closes', async () => {
    let acknowledged: Promise<unknown> | undefined;
    const call = streaming.WriteSpanStream(new grpc.Metadata(), (err: grpc.ServiceError | null) => {
      acknowledged = err ? Promise.reject(err) : Promise.resolve();
    }) as grpc.ClientWritableStream<object>;
    call.write({ span: spanToProto(span(0x300, 1)) });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = await collectStream(reader, 'GetTrace', { traceId: idBytes(0x300) }).catch(() => []);
      if (found.length > 0) break;
      if (Date.now() > deadline) throw new Error('span written on an open stream never became readable');
      await new Promise((r) => setTimeout(r, 20));
    }
    call.write({ span: spanToProto(span(0x300, 2)) });
    call.end();
    await new Promise<void>((resolve) => call.on('status', () => resolve()));
    await acknowledged;
    expect((await collectStream(reader, 'GetTrace', { traceId: idBytes(0x300) })).flatMap((c) => c.spans)).toHaveLength(2);
  });

  it('a malformed span on a stream ends it with INVALID_ARGUMENT', async () => {
    const bad = { ...spanToProto(span(0x301, 1)), spanId: Buffer.from([1, 2, 3]) };
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = streaming.WriteSpanStream(new grpc.Metadata(), (e: grpc.ServiceError | null) => resolve(e));
      call.write({ span: bad });
      call.end();
    });
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(err!.details).toMatch(/span id/);
  });

  it('refuses an all-zero trace id on a stream with INVALID_ARGUMENT and stores none of that span', async () => {
    const zero = { ...spanToProto(span(0x302, 1)), traceId: Buffer.alloc(16) };
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = streaming.WriteSpanStream(new grpc.Metadata(), (e: grpc.ServiceError | null) => resolve(e));
      call.write({ span: zero });
      call.end();
    });
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('trace id is all zero') });
    await expect(collectStream(reader, 'GetTrace', { traceId: Buffer.alloc(16) })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('rejects malformed unary input with INVALID_ARGUMENT naming the problem', async () => {
    const cases: [string, object][] = [
      ['span is required', {}],
      ['trace id', { span: { ...spanToProto(span(1, 1)), traceId: Buffer.alloc(5) } }],
      ['negative duration', { span: { ...spanToProto(span(1, 1)), duration: { seconds: '-5', nanos: 0 } } }],
      ['unknown value type', { span: { ...spanToProto(span(1, 1)), tags: [{ key: 'k', vType: 9 }] } }],
      // OTLP refuses these too: an all-zero id is "invalid", a Timestamp's nanos lie in [0, 10^9).
      ['trace id is all zero', { span: { ...spanToProto(span(1, 1)), traceId: Buffer.alloc(16) } }],
      ['span id is all zero', { span: { ...spanToProto(span(1, 1)), spanId: Buffer.alloc(8) } }],
      ['start_time: nanos 1000000000 out of range', { span: { ...spanToProto(span(1, 1)), startTime: { seconds: '1700000000', nanos: 1_000_000_000 } } }],
      ['start_time: nanos -1 out of range', { span: { ...spanToProto(span(1, 1)), startTime: { seconds: '1700000000', nanos: -1 } } }],
      ['duration: nanos', { span: { ...spanToProto(span(1, 1)), duration: { seconds: '1', nanos: -5 } } }],
      ['log timestamp: nanos', { span: { ...spanToProto(span(1, 1)), logs: [{ timestamp: { seconds: '1700000000', nanos: 2_000_000_000 }, fields: [] }] } }],
    ];
    for (const [message, request] of cases) {
      await expect(unary(writer, 'WriteSpan', request), message).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining(message) });
    }
    await expect(collectStream(reader, 'GetTrace', { traceId: Buffer.alloc(3) })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(collectStream(reader, 'FindTraces', {})).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'query is required' });
  });

  it('answers GetOperations with operations and the deprecated operationNames; Capabilities; Close', async () => {
    await unary(writer, 'WriteSpan', { span: spanToProto(span(0x400, 1, { operationName: 'get', tags: [{ key: 'span.kind', type: 'string', value: 'server' }] })) });
    const res = await unary(reader, 'GetOperations', { service: 'wire-service', spanKind: 'server' });
    expect(res).toEqual({ operationNames: ['get'], operations: [{ name: 'get', spanKind: 'server' }] });
    expect(await unary(caps, 'Capabilities', {})).toEqual({ archiveSpanReader: true, archiveSpanWriter: true, streamingSpanWriter: true });
    expect(await unary(writer, 'Close', {})).toEqual({});
    expect((await unary(reader, 'GetServices', {})).services).toContain('wire-service');
  });

  it('serves health SERVING for "" and every service name Jaeger checks; NOT_FOUND for others', async () => {
    for (const name of [
      '',
      'jaeger.storage.v1.SpanReaderPlugin',
      'jaeger.storage.v1.SpanWriterPlugin',
      'jaeger.storage.v1.PluginCapabilities',
      'jaeger.storage.v1.DependenciesReaderPlugin',
      'jaeger.storage.v1.StreamingSpanWriterPlugin',
      'jaeger.storage.v1.ArchiveSpanReaderPlugin',
      'jaeger.storage.v1.ArchiveSpanWriterPlugin',
      'jaeger.storage.v2.TraceReader',
      'jaeger.storage.v2.DependencyReader',
      'jaeger.storage.v2.TraceWriter',
      'jaeger.storage.v2.Capabilities',
    ]) {
      expect(await healthStatus(server.address, name), name).toBe(1);
    }
    await expect(healthStatus(server.address, 'no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('survives clients that cancel streams midway (reads and writes)', async () => {
    const writing = streaming.WriteSpanStream(new grpc.Metadata(), () => {}) as grpc.ClientWritableStream<object>;
    writing.on('error', () => {});
    writing.write({ span: spanToProto(span(0x600, 1)) });
    writing.cancel();
    const reading = reader.FindTraces({ query: { serviceName: 'wire-service' } }) as grpc.ClientReadableStream<unknown>;
    reading.on('error', () => {});
    await new Promise<void>((resolve) => reading.once('data', () => resolve()));
    reading.cancel();
    expect(await healthStatus(server.address, '')).toBe(1);
    expect((await unary(reader, 'GetServices', {})).services).toContain('wire-service');
    expect(server.child.exitCode).toBeNull();
  });

  it('exits 0 on SIGTERM after draining, logging JSON lines with levels on stderr only', async () => {
    const other = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:']);
    const started = Date.now();
    expect(await other.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(other.stdout()).toBe('');
    const messages = other.logs().map((l) => `${l['@level']} ${l['@message']}`);
    expect(messages).toEqual(['info listening', 'info shutting down', 'info stopped']);
  });

  it('exposes Prometheus counters on --metrics-listen', async () => {
    const other = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--metrics-listen', '127.0.0.1:0']);
    const client = grpcClient('spanWriter', other.address);
    try {
      await unary(client, 'WriteSpan', { span: spanToProto(span(0x500, 1)) });
      await expect(unary(client, 'WriteSpan', {})).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      const metricsAddress = String(other.logs().find((l) => l['@message'] === 'listening')!.metrics);
      const res = await fetch(`http://${metricsAddress}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('jaeger_sls_spans_written_total 1\n');
      expect(text).toContain('jaeger_sls_grpc_calls_total{method="v1.WriteSpan"} 2\n');
      expect(text).toContain('jaeger_sls_grpc_errors_total{method="v1.WriteSpan"} 1\n');
      expect(text).toMatch(/jaeger_sls_grpc_latency_seconds_sum\{method="v1.WriteSpan"\} \d/);
      expect((await fetch(`http://${metricsAddress}/other`)).status).toBe(404);
    } finally {
      closeClient(client);
      expect(await other.stop()).toBe(0);
    }
  });
});
