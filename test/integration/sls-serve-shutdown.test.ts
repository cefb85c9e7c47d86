/**
 * SIGTERM while spans are on their way to a slow SLS: `jaeger-sls serve --store sls://…` drains the
 * running Export calls, the producer flushes, and every span whose Export was acknowledged is in
 * SLS; serve exits 0. (Exports that reach serve after SIGTERM may be refused; those are not acked.)
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, expect, it } from 'vitest';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';
import { spanIndexConfig } from '../../src/storage/sls/index-config.js';
import { simpleTraces } from '../../src/workload/simple-traces.js';
import { closeClient, grpcClient, startServe, type AnyClient, type ServeProcess } from '../support/serve-harness.js';
import { SlsEmulator } from '../support/sls-emulator/index.js';

let emulator: SlsEmulator | undefined;
let serve: ServeProcess | undefined;
let exporter: AnyClient | undefined;
afterAll(async () => {
  closeClient(exporter);
  await serve?.stop('SIGKILL');
  await emulator?.stop();
});

it('flushes acknowledged spans to SLS on SIGTERM and exits 0', async () => {
  emulator = await new SlsEmulator().start();
  emulator.createLogstore('proj', 'shutdown-traces', spanIndexConfig() as never);
  serve = await startServe(['--listen', '127.0.0.1:0', '--store', `sls://proj/shutdown?endpoint=${emulator.endpoint}`], {
    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-ak-secret' },
  });
  exporter = grpcClient('traceService', serve.address);
  const spans: Span[] = [];
  for (const t of simpleTraces({ seed: 3, traces: 200, spansPerTrace: 10, services: 4, startTime: Date.now() * 1000 - 60_000_000, intervalUs: 1000 })) spans.push(...t.spans);

  emulator.inject({ kind: 'slow', scope: 'write', count: 3, delayMs: 1500 });
  const requestsBefore = emulator.stats.requests;
  const results = Array.from({ length: 10 }, (_, i) => {
    const batch = spans.slice(i * 200, (i + 1) * 200);
    return new Promise<{ ok: boolean; batch: Span[] }>((resolve) =>
      exporter!.Export({ resourceSpans: otlpFromSpans(batch) }, new grpc.Metadata(), { deadline: Date.now() + 30_000 }, (err: grpc.ServiceError | null) =>
        resolve({ ok: !err, batch }),
      ),
    );
  });
  const deadline = Date.now() + 10_000;
  while (emulator.stats.requests === requestsBefore) {
    if (Date.now() > deadline) throw new Error('serve sent nothing to SLS');
    await new Promise((r) => setTimeout(r, 5));
  }
  const exited = serve.stop('SIGTERM');
  const outcomes = await Promise.all(results);
  expect(await exited).toBe(0);

  const stored = new Set(emulator.logstore('proj', 'shutdown-traces')!.rows.map((r) => r.spanID));
  const acknowledged = outcomes.filter((o) => o.ok).flatMap((o) => o.batch);
  expect(acknowledged.length, 'the Export already sending at SIGTERM is drained and acknowledged').toBeGreaterThanOrEqual(200);
  for (const s of acknowledged) expect(stored.has(s.spanId), `span ${s.spanId} acknowledged but not in SLS`).toBe(true);
  const sent = new Set(spans.map((s) => s.spanId));
  for (const id of stored) expect(sent.has(id)).toBe(true);
  expect(emulator.logstore('proj', 'shutdown-traces')!.rows.length, 'no span stored twice').toBe(stored.size);
}, 60_000);
