/**
 * A SQLite file written by jaeger-sls 0.1 (test/fixtures/sqlite/README.md) opens with the current
 * code, reads back exactly what that release exported, is searched as before, and takes new spans
 * received as OTLP, which then read back whole beside the old ones.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTraces } from '../../src/commands/run-export.js';
import { spansFromOtlp } from '../../src/formats/otlp.js';
import { openStore } from '../../src/storage/open-store.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sqlite', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-oldfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a SQLite file written by release 0.1', () => {
  it('opens, exports what 0.1 exported, searches, and takes OTLP spans kept whole', async () => {
    const file = path.join(dir, 'release-0.1.db');
    copyFileSync(path.join(FIXTURES, 'release-0.1.db'), file);
    const store = await openStore(`sqlite:${file}`);
    try {
      let text = '';
      await exportTraces(store, { format: 'jaeger', write: (c) => void (text += c) });
      expect(text).toBe(readFileSync(path.join(FIXTURES, 'expected-jaeger.json'), 'utf8'));

      const services = await store.getServices();
      expect(services.length).toBeGreaterThan(0);
      const found = [];
      for await (const t of store.findTraces({ serviceName: services[0] })) found.push(t);
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((t) => t.spans.some((s) => s.process.serviceName === services[0]))).toBe(true);

      const traceId = Buffer.from('0badc0de0badc0de0badc0de0badc0de', 'hex');
      const start = BigInt(Date.now()) * 1_000_000n + 123n;
      const [span] = spansFromOtlp([
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'new-otlp' } }], droppedAttributesCount: 2 },
          schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
          scopeSpans: [
            {
              scope: { name: 'lib', version: '2', attributes: [{ key: 'scope.attr', value: { arrayValue: { values: [{ intValue: '9223372036854775807' }] } } }] },
              spans: [
                {
                  traceId,
                  spanId: Buffer.from('0000000000000001', 'hex'),
                  traceState: 'congo=t61rcWkgMzE',
                  name: 'op',
                  kind: 3,
                  startTimeUnixNano: String(start),
                  endTimeUnixNano: String(start + 1_234_567n),
                  links: [{ traceId, spanId: Buffer.from('0000000000000002', 'hex'), traceState: 'x=1', attributes: [{ key: 'l', value: { boolValue: true } }], flags: 257 }],
                  status: { code: 2, message: 'boom' },
                },
              ],
            },
          ],
        },
      ]);
      await store.writeSpans([span]);
      const back = await store.getTrace({ traceId: traceId.toString('hex') });
      expect(back.spans).toEqual([span]);
    } finally {
      await store.close();
    }
  });
});
