/**
 * Property: any OTLP export request (test/support/otlp-arbitrary.ts) sent over the wire to
 * `jaeger-sls serve` spawned from bin/ comes back whole from storage v2 GetTraces — every resource,
 * scope, attribute of every value type, event, link, trace state, flag and dropped count — on the
 * memory: and sqlite: stores; and OTLP JSON imported into a SQLite file exports as the same data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTraces } from '../../src/commands/run-export.js';
import { importTraceFiles } from '../../src/commands/run-import.js';
import type { OtlpResourceSpans } from '../../src/formats/otlp.js';
import { spansFromOtlp } from '../../src/formats/otlp.js';
import { treeToOtlpJson } from '../../src/formats/otlp-json.js';
import type { Span } from '../../src/model/index.js';
import { openStore } from '../../src/storage/open-store.js';
import { canonicalOrder, otlpRequest, traceIdList } from '../support/otlp-arbitrary.js';
import { closeClient, collectStream, grpcClient, metadataFor, startServe, unary, type AnyClient, type ServeProcess } from '../support/serve-harness.js';

const TMP = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-otlp-prop-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const requests = traceIdList.chain((ids) => otlpRequest(ids).map((resourceSpans) => ({ ids, resourceSpans })));

describe.each(['memory:', `sqlite:${path.join(TMP, 'prop.db')}`])('OTLP Export → v2 GetTraces returns the same data (serve --store %s)', (store) => {
  let server: ServeProcess;
  let reader: AnyClient;
  let exporter: AnyClient;
  beforeAll(async () => {
    server = await startServe(['--listen', '127.0.0.1:0', '--store', store, '--tenancy']);
    reader = grpcClient('traceReader', server.address);
    exporter = grpcClient('traceService', server.address);
  });
  afterAll(async () => {
    for (const c of [reader, exporter]) closeClient(c);
    expect(await server?.stop()).toBe(0);
  });

  it('for generated requests', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(requests, async ({ ids, resourceSpans }) => {
        // A tenant per run: shrinking replays trace ids, and each run must start from an empty store.
        const md = metadataFor(`prop-${run++}`);
        await unary(exporter, 'Export', { resourceSpans }, md);
        const chunks: { resourceSpans: OtlpResourceSpans[] }[] = await collectStream(reader, 'GetTraces', { query: ids.map((traceId) => ({ traceId })) }, md);
        const got: Span[] = chunks.flatMap((c) => spansFromOtlp(c.resourceSpans, 'GetTraces'));
        expect(canonicalOrder(got)).toEqual(canonicalOrder(spansFromOtlp(resourceSpans)));
      }),
      { numRuns: 40 },
    );
  });
});

describe('OTLP JSON import → SQLite file → export --format otlp', () => {
  it('keeps every field of generated requests', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(requests, async ({ resourceSpans }) => {
        const store = await openStore(`sqlite:${path.join(TMP, `import-${run++}.db`)}`);
        try {
          const json = JSON.stringify(treeToOtlpJson(resourceSpans));
          await importTraceFiles(store, { inputs: [{ name: 'request.json', open: async function* () { yield json; } }], skipInvalid: false, batchSpans: 1000 });
          let exported = '';
          await exportTraces(store, { format: 'otlp', write: (c) => void (exported += c) });
          const back = await openStore('memory:');
          await importTraceFiles(back, { inputs: [{ name: 'export.json', open: async function* () { yield exported; } }], skipInvalid: false, batchSpans: 1000 });
          const spans: Span[] = [];
          for await (const t of back.findTraces({})) spans.push(...t.spans);
          expect(canonicalOrder(spans)).toEqual(canonicalOrder(spansFromOtlp(resourceSpans)));
        } finally {
          await store.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
