/**
 * Fault test: 200,000 spans sent to `jaeger-sls serve --store sls://…` (spawned from bin/) with OTLP
 * TraceService/Export while the SLS emulator fails every request (429, 500, 503, 403
 * WriteQuotaExceed, dropped connections) for an outage, then recovers. Afterwards every span is in
 * SLS exactly once, serve's memory stayed bounded, it answered health checks throughout and exits 0.
 *
 * The outage lasts JAEGER_SLS_OUTAGE_S seconds (default 8 to keep the suite fast; the 30 s
 * case: `JAEGER_SLS_OUTAGE_S=30 npx vitest run test/integration/sls-fault.test.ts`).
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpFromSpans } from '../../src/formats/otlp.js';
import type { Span } from '../../src/model/index.js';
import { spanIndexConfig } from '../../src/storage/sls/index-config.js';
import { simpleTraces } from '../../src/workload/simple-traces.js';
import { closeClient, grpcClient, healthStatus, startServe, type AnyClient, type ServeProcess } from '../support/serve-harness.js';
import { SlsEmulator } from '../support/sls-emulator/index.js';

const TOTAL_SPANS = 200_000;
const SPANS_PER_EXPORT = 500;
const CONCURRENT_EXPORTS = 16;
const OUTAGE_MS = Number(process.env.JAEGER_SLS_OUTAGE_S ?? 8) * 1000;
const BUFFER_MB = 8;

let emulator: SlsEmulator;
let serve: ServeProcess;
let exporter: AnyClient;

beforeAll(async () => {
  emulator = await new SlsEmulator().start();
  emulator.createLogstore('proj', 'fault-traces', spanIndexConfig() as never);
  serve = await startServe(['--listen', '127.0.0.1:0', '--store', `sls://proj/fault?endpoint=${emulator.endpoint}&bufferMB=${BUFFER_MB}`], {
    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-ak-secret' },
  });
  exporter = grpcClient('traceService', serve.address, undefined, { 'grpc.max_send_message_length': 64 << 20 });
});
afterAll(async () => {
  closeClient(exporter);
  await serve?.stop('SIGKILL');
  await emulator?.stop();
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function exportSpans(spans: Span[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.Export({ resourceSpans: otlpFromSpans(spans) }, new grpc.Metadata(), { deadline: Date.now() + OUTAGE_MS + 120_000 }, (err: grpc.ServiceError | null) =>
      err ? reject(err) : resolve(),
    ),
  );
}

describe(`sls fault tolerance through serve (${OUTAGE_MS / 1000} s outage)`, () => {
  it(
    'loses nothing, stays healthy and bounded while SLS is down, then catches up',
    async () => {
      const spans: Span[] = [];
      const start = Date.now() * 1000 - 600_000_000;
      for (const t of simpleTraces({ seed: 7, traces: TOTAL_SPANS / 10, spansPerTrace: 10, services: 8, startTime: start, intervalUs: 1000 })) spans.push(...t.spans);
      expect(spans).toHaveLength(TOTAL_SPANS);

      const pid = serve.child.pid!;
      let peakRss = rssMb(pid);
      const baselineRss = peakRss;
      let completed = 0;
      const outage = { started: 0, ended: 0, ackedUnstored: 0, healthChecks: 0, healthy: 0 };
      // The emulator stores a PutLogs synchronously once it passed the fault check, so the rows at
      // the moment of inject() are all that is in SLS until clearFaults(): an export acknowledged
      // during the outage must have had its spans among them (acknowledged only once durable).
      let storedBeforeOutage = new Set<string>();
      const rowKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
      let next = 0;
      const worker = async () => {
        while (next < spans.length) {
          const batch = spans.slice(next, (next += SPANS_PER_EXPORT));
          await exportSpans(batch);
          completed++;
          if (outage.started && !outage.ended) {
            for (const s of batch) if (!storedBeforeOutage.has(rowKey(s.traceId, s.spanId))) outage.ackedUnstored++;
          }
        }
      };
      const monitor = (async () => {
        while (completed * SPANS_PER_EXPORT < TOTAL_SPANS) {
          peakRss = Math.max(peakRss, rssMb(pid));
          if (!outage.started && emulator.stats.logsStored >= 40_000) {
            emulator.inject({ kind: 'outage', scope: 'all' });
            outage.started = Date.now();
            storedBeforeOutage = new Set(emulator.logstore('proj', 'fault-traces')!.rows.map((r) => rowKey(r.traceID, r.spanID)));
          }
          if (outage.started && !outage.ended) {
            outage.healthChecks++;
            if ((await healthStatus(serve.address, '')) === 1) outage.healthy++;
            if (Date.now() - outage.started >= OUTAGE_MS) {
              emulator.clearFaults();
              outage.ended = Date.now();
            }
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const began = Date.now();
      await Promise.all(Array.from({ length: CONCURRENT_EXPORTS }, worker));
      await monitor;
      const seconds = (Date.now() - began) / 1000;

      expect(outage.started, 'the outage happened mid-ingest').toBeGreaterThan(0);
      expect(outage.ended).toBeGreaterThan(outage.started);
      expect(emulator.stats.faultsInjected, 'requests failed during the outage').toBeGreaterThan(5);
      expect(outage.ackedUnstored, 'no span acknowledged while SLS was down that SLS had not stored before').toBe(0);
      expect(outage.healthy, 'health checks answered SERVING throughout').toBe(outage.healthChecks);

      const rows = emulator.logstore('proj', 'fault-traces')!.rows;
      expect(rows.length, 'every span stored exactly once').toBe(TOTAL_SPANS);
      const stored = new Set(rows.map((r) => `${r.traceID}/${r.spanID}`));
      expect(stored.size).toBe(TOTAL_SPANS);
      for (const s of spans) if (!stored.has(`${s.traceId}/${s.spanId}`)) throw new Error(`span ${s.traceId}/${s.spanId} missing`);

      expect(await healthStatus(serve.address, '')).toBe(1);
      console.log(
        `sls fault test: ${TOTAL_SPANS} spans in ${seconds.toFixed(1)} s with a ${OUTAGE_MS / 1000} s outage; ${emulator.stats.faultsInjected} failed requests; ` +
          `${emulator.stats.putLogsRequests} PutLogs; serve RSS ${baselineRss.toFixed(0)} → peak ${peakRss.toFixed(0)} MB`,
      );
      expect(peakRss, 'serve memory stays bounded').toBeLessThan(baselineRss + 400);
      expect(await serve.stop('SIGTERM'), 'serve flushes and exits cleanly').toBe(0);
    },
    OUTAGE_MS + 180_000,
  );
});
