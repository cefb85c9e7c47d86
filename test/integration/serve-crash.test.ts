/**
 * Durability: `jaeger-sls serve --store sqlite:FILE` is killed with SIGKILL while clients are in the
 * middle of writing (an open WriteSpanStream, unary WriteSpan and OTLP Export calls in flight), then
 * restarted on the same file; every acknowledged span must be there.
 *
 * What "acknowledged" means: a unary WriteSpan or OTLP Export whose OK response arrived; for a
 * client stream, every span of a stream whose single WriteSpanResponse arrived (the server answers
 * only after all spans of the stream are durable). Spans of the stream still open at the kill were
 * never acknowledged, so they may or may not survive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { openStore } from '../../src/storage/open-store.js';
import { closeClient, collectStream, grpcClient, startServe, unary } from '../support/serve-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sqlite store is another engineer's; until it is registered in open-store the test is skipped visibly. */
const sqliteAvailable = await openStore(`sqlite:${path.join(dir, 'probe.db')}`).then(
  async (s) => (await s.close(), true),
  () => (console.warn('serve-crash: no sqlite store registered in open-store.ts yet; skipping'), false),
);

let counter = 0;
function nextSpan(kind: string): Span {
  const n = ++counter;
  return {
    traceId: (0xc0000000 + Math.floor(n / 10)).toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    operationName: `${kind}-op`,
    references: [],
    flags: 0,
    startTime: Date.now() * 1000,
    duration: n,
    tags: [{ key: 'n', type: 'int64', value: BigInt(n) }],
    logs: [],
    process: { serviceName: `crash-${kind}`, tags: [] },
    warnings: [],
  };
}

describe.skipIf(!sqliteAvailable)('kill -9 during writes (sqlite)', () => {
  it('keeps every acknowledged span', async () => {
    const db = `sqlite:${path.join(dir, 'crash.db')}`;
    const first = await startServe(['--listen', '127.0.0.1:0', '--store', db]);
    const writer = grpcClient('spanWriter', first.address);
    const streaming = grpcClient('streamingSpanWriter', first.address);
    const exporter = grpcClient('traceService', first.address);
    const acknowledged: Span[] = [];
    let stop = false;

    const unaryLoop = async (kind: 'unary' | 'otlp') => {
      while (!stop) {
        const spans = kind === 'unary' ? [nextSpan(kind)] : Array.from({ length: 20 }, () => nextSpan(kind));
        try {
          if (kind === 'unary') await unary(writer, 'WriteSpan', { span: spanToProto(spans[0]) });
          else await unary(exporter, 'Export', { resourceSpans: otlpFromSpans(spans) });
          acknowledged.push(...spans);
        } catch {
          return; // the server died: this call was not acknowledged
        }
      }
    };
    const streamLoop = async () => {
      while (!stop) {
        const spans = Array.from({ length: 200 }, () => nextSpan('stream'));
        const ok = await new Promise<boolean>((resolve) => {
          const call = streaming.WriteSpanStream(new grpc.Metadata(), (err: grpc.ServiceError | null) => resolve(!err));
          let i = 0;
          const pump = () => {
            while (i < spans.length) if (!call.write({ span: spanToProto(spans[i++]) })) return void call.once('drain', pump);
            call.end();
          };
          pump();
        });
        if (!ok) return;
        acknowledged.push(...spans);
      }
    };
    // A stream left open: its spans are sent but never acknowledged.
    const openStream = streaming.WriteSpanStream(new grpc.Metadata(), () => {}) as grpc.ClientWritableStream<object>;
    const loops = [unaryLoop('unary'), unaryLoop('unary'), unaryLoop('otlp'), streamLoop(), streamLoop()];
    const unacknowledgedFeed = setInterval(() => openStream.write({ span: spanToProto(nextSpan('open')) }), 1);
    const deadline = Date.now() + 20_000;
    while (acknowledged.length < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    stop = true;
    clearInterval(unacknowledgedFeed);
    await Promise.all(loops);
    for (const c of [writer, streaming, exporter]) closeClient(c);
    expect(acknowledged.length).toBeGreaterThan(1000);

    const second = await startServe(['--listen', '127.0.0.1:0', '--store', db]);
    const reader = grpcClient('spanReader', second.address);
    try {
      const expectedByTrace = new Map<string, Set<string>>();
      for (const s of acknowledged) {
        let ids = expectedByTrace.get(s.traceId);
        if (!ids) expectedByTrace.set(s.traceId, (ids = new Set()));
        ids.add(s.spanId);
      }
      const missing: string[] = [];
      for (const [traceId, ids] of expectedByTrace) {
        const chunks = await collectStream(reader, 'GetTrace', { traceId: Buffer.from(traceId, 'hex') }).catch(() => []);
        const stored = new Set(chunks.flatMap((c) => c.spans).map((s) => Buffer.from(s.spanId).toString('hex')));
        for (const id of ids) if (!stored.has(id)) missing.push(`${traceId}/${id}`);
      }
      expect(missing, `${missing.length} of ${acknowledged.length} acknowledged spans lost`).toEqual([]);
    } finally {
      closeClient(reader);
      expect(await second.stop()).toBe(0);
    }
  }, 60_000);
});
