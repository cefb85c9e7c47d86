/**
 * Benchmark (not a test): serve's memory for large write requests — CONCURRENT requests, each one
 * span with TAGS string tags (10^5 tags make a 3.2 MiB request), sent at once as OTLP Export and
 * as v1 WriteSpan to `jaeger-sls serve --store sqlite:<tmp file>` spawned from bin/ (fresh per API).
 * Prints serve's peak RSS (VmHWM from /proc) before and after, and the growth.
 *
 *   npm run bench:write-memory [-- TAGS=100000 [CONCURRENT=8]]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { otlpFromSpans } from '../src/formats/otlp.js';
import { spanToProto } from '../src/formats/proto-mapping.js';
import type { Span } from '../src/model/index.js';
import { serviceDefinition } from '../src/storage/grpc/protos.js';
import { exportRaw, loadAverage, mb, passThrough, peakRssBytes, spawnServe, stop, waitForLog } from './byte-client.js';

const WRITE_SPAN_PATH = '/jaeger.storage.v1.SpanWriterPlugin/WriteSpan';

async function main(): Promise<void> {
  const tags = Number(process.argv[2] ?? 100_000);
  const concurrent = Number(process.argv[3] ?? 8);
  const span = (i: number): Span => ({
    traceId: 'ab'.repeat(16),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    operationName: 'big',
    references: [],
    flags: 0,
    startTime: Date.now() * 1000,
    duration: 10,
    tags: Array.from({ length: tags }, (_, k) => ({ key: `tag.key.${k}`, type: 'string' as const, value: `value-${k}-x` })),
    logs: [],
    process: { serviceName: 'svc', tags: [] },
    warnings: [],
  });
  const requests = {
    otlp: Array.from({ length: concurrent }, (_, i) => serviceDefinition('traceService').Export.requestSerialize({ resourceSpans: otlpFromSpans([span(i)]) })),
    v1: Array.from({ length: concurrent }, (_, i) => serviceDefinition('spanWriter').WriteSpan.requestSerialize({ span: spanToProto(span(i)) })),
  };
  console.log(`jaeger-sls bench:write-memory — ${concurrent} concurrent requests of one span with ${tags.toLocaleString('en-US')} tags (OTLP ${mb(requests.otlp[0].length)}, v1 ${mb(requests.v1[0].length)} each); load average ${loadAverage()}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-bench-write-memory-'));
  try {
    for (const api of ['otlp', 'v1'] as const) {
      // Messages up to 16 MiB, so larger TAGS can be tried.
      const child = spawnServe(['--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(dir, `${api}.db`)}`, '--max-message-size', '16MiB']);
      try {
        const [, address] = await waitForLog(child, /"address":"([^"]+)"/, 'serve');
        const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 16 << 20 });
        await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
        const before = peakRssBytes(child.pid!);
        const started = process.hrtime.bigint();
        await Promise.all(
          requests[api].map((bytes) =>
            api === 'otlp'
              ? exportRaw(client, bytes)
              : new Promise<void>((resolve, reject) => client.makeUnaryRequest(WRITE_SPAN_PATH, passThrough, passThrough, bytes, (err) => (err ? reject(err) : resolve()))),
          ),
        );
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const after = peakRssBytes(child.pid!);
        console.log(`  ${api === 'otlp' ? 'OTLP Export' : 'v1 WriteSpan'}: all stored in ${seconds.toFixed(1)} s; serve peak RSS ${mb(before)} → ${mb(after)} (+${mb(after - before)})`);
        client.close();
      } finally {
        await stop(child);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`load average after ${loadAverage()}`);
}

await main();
