/**
 * Streamed reads of a large trace from `serve --store sqlite:FILE` (read workers): v1 GetTrace and
 * v2 GetTraces arrive in several messages each under gRPC's 4 MiB limit; a cancelled GetTrace stops
 * its work (serve's /metrics counters); --max-concurrent-reads admits N, queues a bounded number and
 * refuses the rest with RESOURCE_EXHAUSTED. Waits on the metrics endpoint, never on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';
import { microsToTimestamp } from '../../src/formats/proto-mapping.js';
import { serviceDefinition } from '../../src/storage/grpc/protos.js';
import { startServe, unary, grpcClient, closeClient, type ServeProcess } from '../support/serve-harness.js';

const TRACE_ID = '00000000000000000000000000c0ffee';
const SPANS = 5000;
/** Each span carries a 5 KB tag: 1,000 spans (Jaeger's batch) would be a 5 MB message. */
const TAG_BYTES = 5000;
const FOUR_MIB = 4 * 1024 * 1024;
const passThrough = (b: Buffer) => b;

const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-reads-'));
const servers: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function bigTrace(): Span[] {
  const start = Date.now() * 1000 - 60_000_000;
  return Array.from({ length: SPANS }, (_, i) => ({
    traceId: TRACE_ID,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    operationName: `op-${i % 7}`,
    references: i === 0 ? [] : [{ refType: 'CHILD_OF' as const, traceId: TRACE_ID, spanId: '0000000000000001' }],
    flags: 1,
    startTime: start + i,
    duration: 10,
    tags: [{ key: 'payload', type: 'string' as const, value: String(i % 10).repeat(TAG_BYTES) }],
    logs: [],
    process: { serviceName: 'big', tags: [] },
    warnings: [],
  }));
}

async function serveWithTrace(name: string, args: string[] = []): Promise<{ serve: ServeProcess; metrics: string }> {
  const serve = await startServe(['--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(dir, `${name}.db`)}`, '--metrics-listen', '127.0.0.1:0', ...args]);
  servers.push(serve);
  const metrics = String(serve.logs().find((l) => l['@message'] === 'listening')!.metrics);
  const spans = bigTrace();
  const exporter = grpcClient('traceService', serve.address);
  for (let i = 0; i < spans.length; i += 500) await unary(exporter, 'Export', { resourceSpans: otlpFromSpans(spans.slice(i, i + 500)) });
  closeClient(exporter);
  return { serve, metrics };
}

async function metric(address: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in /metrics`);
  return Number(m[1]);
}

/** Polls /metrics until `name` satisfies `ok` (each poll is a real request; bounded by the test timeout). */
async function metricUntil(address: string, name: string, ok: (v: number) => boolean): Promise<number> {
  for (;;) {
    const v = await metric(address, name);
    if (ok(v)) return v;
    await new Promise((r) => setImmediate(r));
  }
}

const v1Path = '/jaeger.storage.v1.SpanReaderPlugin/GetTrace';
const v2Path = '/jaeger.storage.v2.TraceReader/GetTraces';
const v1Request = () => serviceDefinition('spanReader').GetTrace.requestSerialize({ traceId: Buffer.from(TRACE_ID, 'hex') });
const v2Request = () => serviceDefinition('traceReader').GetTraces.requestSerialize({ query: [{ traceId: Buffer.from(TRACE_ID, 'hex') }] });

/** The raw response messages of a server stream (bytes as sent), or the status error. */
function rawStream(client: grpc.Client, method: string, request: Buffer): { call: grpc.ClientReadableStream<Buffer>; done: Promise<Buffer[]> } {
  const call = client.makeServerStreamRequest(method, passThrough, passThrough, request);
  const messages: Buffer[] = [];
  const done = new Promise<Buffer[]>((resolve, reject) => {
    call.on('data', (m: Buffer) => messages.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(messages));
  });
  // Streams the test cancels on purpose reject while nobody awaits them yet.
  done.catch(() => undefined);
  return { call, done };
}

describe('serve: streamed, bounded reads of a large trace (sqlite, read workers)', () => {
  let serve: ServeProcess;
  let metrics: string;
  let client: grpc.Client;
  beforeAll(async () => {
    ({ serve, metrics } = await serveWithTrace('reads'));
    client = new grpc.Client(serve.address, grpc.credentials.createInsecure());
  });
  afterAll(() => client.close());

  it('v1 GetTrace streams the whole trace in several messages, each under 4 MiB', async () => {
    const messages = await rawStream(client, v1Path, v1Request()).done;
    const decode = serviceDefinition('spanReader').GetTrace.responseDeserialize;
    const ids = new Set(messages.flatMap((m) => (decode(m) as { spans: { spanId: Buffer }[] }).spans.map((s) => s.spanId.toString('hex'))));
    expect(ids.size).toBe(SPANS);
    expect(messages.length).toBeGreaterThan((SPANS * TAG_BYTES) / FOUR_MIB);
    for (const m of messages) expect(m.length).toBeLessThan(FOUR_MIB);
  });

  it('v2 GetTraces streams the whole trace in several messages, each under 4 MiB', async () => {
    const messages = await rawStream(client, v2Path, v2Request()).done;
    const decode = serviceDefinition('traceReader').GetTraces.responseDeserialize;
    let spans = 0;
    for (const m of messages) {
      const data = decode(m) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
      expect(m.length).toBeLessThan(FOUR_MIB);
    }
    expect(spans).toBe(SPANS);
    expect(messages.length).toBeGreaterThan((SPANS * TAG_BYTES) / FOUR_MIB);
  });

  it('v1 GetTrace streams the whole trace while OTLP writes commit beside it', async () => {
    const exporter = grpcClient('traceService', serve.address);
    let reading = true;
    let written = 0;
    let firstWrite!: () => void;
    const wroteOnce = new Promise<void>((resolve) => (firstWrite = resolve));
    // Other traces, 500 spans a request, one request in flight, until the read has ended.
    const writes = (async () => {
      const start = Date.now() * 1000;
      for (let n = 0; reading; n++) {
        const traceId = (0xbeef0000 + n).toString(16).padStart(32, '0');
        const spans = bigTrace()
          .slice(0, 500)
          .map((s) => ({ ...s, traceId, references: [], startTime: start + n, tags: [] }));
        await unary(exporter, 'Export', { resourceSpans: otlpFromSpans(spans) });
        written++;
        firstWrite();
      }
    })();
    try {
      await wroteOnce;
      const messages = await rawStream(client, v1Path, v1Request()).done;
      const decode = serviceDefinition('spanReader').GetTrace.responseDeserialize;
      const ids = new Set(messages.flatMap((m) => (decode(m) as { spans: { spanId: Buffer }[] }).spans.map((s) => s.spanId.toString('hex'))));
      expect(ids.size).toBe(SPANS);
      expect(messages.length).toBeGreaterThan((SPANS * TAG_BYTES) / FOUR_MIB);
    } finally {
      reading = false;
      await writes;
      closeClient(exporter);
    }
    // The read overlapped writes that committed: at least the one awaited first and the one in flight when it ended.
    expect(written).toBeGreaterThanOrEqual(2);
  });

  it('a GetTrace cancelled after its first message stops its work: counted once stopped, far fewer spans produced than the trace holds', async () => {
    const cancelledBefore = await metric(metrics, 'jaeger_sls_reads_cancelled_total');
    const producedBefore = await metric(metrics, 'jaeger_sls_read_spans_produced_total');
    const { call, done } = rawStream(client, v1Path, v1Request());
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.cancel();
    await expect(done).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    await metricUntil(metrics, 'jaeger_sls_reads_cancelled_total', (v) => v > cancelledBefore);
    const produced = (await metric(metrics, 'jaeger_sls_read_spans_produced_total')) - producedBefore;
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(SPANS / 2);
    const stopSeconds = await metric(metrics, 'jaeger_sls_read_cancel_stop_seconds_max');
    expect(stopSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(stopSeconds)).toBe(true);
    // Counted only once the worker reported the job over: its read slot is free again.
    expect(await metric(metrics, 'jaeger_sls_reads_running')).toBe(0);
  });

  it('a GetTrace whose deadline passes while its client reads nothing stops its work too', async () => {
    const cancelledBefore = await metric(metrics, 'jaeger_sls_reads_cancelled_total');
    const producedBefore = await metric(metrics, 'jaeger_sls_read_spans_produced_total');
    const call = client.makeServerStreamRequest(v1Path, passThrough, passThrough, v1Request(), new grpc.Metadata(), { deadline: Date.now() + 1000 });
    // Nothing is read: flow control holds the read after its first messages until the deadline.
    call.pause();
    const status = await new Promise<number>((resolve) => call.on('error', (err: grpc.ServiceError) => resolve(err.code)));
    expect(status).toBe(grpc.status.DEADLINE_EXCEEDED);
    await metricUntil(metrics, 'jaeger_sls_reads_cancelled_total', (v) => v > cancelledBefore);
    expect((await metric(metrics, 'jaeger_sls_read_spans_produced_total')) - producedBefore).toBeLessThan(SPANS);
    expect(await metric(metrics, 'jaeger_sls_reads_running')).toBe(0);
  });
});

describe('serve --max-concurrent-reads', () => {
  it('runs N reads, queues 8 per slot, refuses the next with RESOURCE_EXHAUSTED, and serves a queued read once a slot frees', async () => {
    const { serve, metrics } = await serveWithTrace('limit', ['--max-concurrent-reads', '1']);
    const client = new grpc.Client(serve.address, grpc.credentials.createInsecure());
    try {
      // A read whose client does not consume: flow control holds it running, in its slot.
      const first = rawStream(client, v1Path, v1Request());
      first.call.pause();
      await metricUntil(metrics, 'jaeger_sls_reads_running', (v) => v === 1);
      const queued = Array.from({ length: 8 }, () => rawStream(client, v1Path, v1Request()));
      await metricUntil(metrics, 'jaeger_sls_reads_waiting', (v) => v === 8);
      await expect(rawStream(client, v1Path, v1Request()).done).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      expect(await metric(metrics, 'jaeger_sls_reads_rejected_total')).toBe(1);
      // Cancelling waiting reads frees their queue places; cancelling the running one frees the slot.
      for (const q of queued.slice(1)) q.call.cancel();
      await metricUntil(metrics, 'jaeger_sls_reads_waiting', (v) => v === 1);
      first.call.cancel();
      const decode = serviceDefinition('spanReader').GetTrace.responseDeserialize;
      const messages = await queued[0].done;
      expect(messages.reduce((n, m) => n + (decode(m) as { spans: unknown[] }).spans.length, 0)).toBe(SPANS);
      await Promise.allSettled([first.done, ...queued.map((q) => q.done)]);
    } finally {
      client.close();
    }
  });
});

describe('serve: unary reads are bounded (sqlite, read workers)', () => {
  it('FindTraceIDs holds at most the ids one message of --max-message-size carries: beyond that RESOURCE_EXHAUSTED, under it (a limit) answered, v1 and v2', async () => {
    // 64 KiB / 64 bytes per id: at most 1,024 ids per answer; 1,100 traces match.
    const serve = await startServe(['--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(dir, 'ids.db')}`, '--max-message-size', '64KiB']);
    servers.push(serve);
    const traces = 1100;
    const start = Date.now() * 1000 - 60_000_000;
    const exporter = grpcClient('traceService', serve.address);
    for (let from = 0; from < traces; from += 50) {
      const spans = bigTrace()
        .slice(0, 50)
        .map((s, i) => ({ ...s, traceId: (0xa0000 + from + i).toString(16).padStart(32, '0'), references: [], tags: [], startTime: start + from + i, process: { serviceName: 'many', tags: [] } }));
      await unary(exporter, 'Export', { resourceSpans: otlpFromSpans(spans) });
    }
    closeClient(exporter);
    const window = { serviceName: 'many', startTimeMin: microsToTimestamp(start - 1_000_000), startTimeMax: microsToTimestamp(start + 1_000_000) };
    const v1 = grpcClient('spanReader', serve.address);
    const v2 = grpcClient('traceReader', serve.address);
    try {
      await expect(unary(v1, 'FindTraceIDs', { query: { ...window, numTraces: 0 } })).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      await expect(unary(v2, 'FindTraceIDs', { query: { ...window, searchDepth: 0 } })).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      expect((await unary(v1, 'FindTraceIDs', { query: { ...window, numTraces: 1000 } })).traceIds).toHaveLength(1000);
      expect((await unary(v2, 'FindTraceIDs', { query: { ...window, searchDepth: 1000 } })).traceIds).toHaveLength(1000);
      // The other unary reads answer from the read worker as before.
      expect((await unary(v1, 'GetServices', {})).services).toEqual(['many']);
      expect((await unary(v2, 'GetOperations', { service: 'many', spanKind: '' })).operations.length).toBeGreaterThan(0);
    } finally {
      closeClient(v1);
      closeClient(v2);
    }
  });
});
