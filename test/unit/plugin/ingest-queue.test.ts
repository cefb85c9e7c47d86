import { describe, expect, it } from 'vitest';
import { otlpFromSpans } from '../../../src/formats/otlp.js';
import type { Span } from '../../../src/model/index.js';
import { IngestQueue, MAX_DECODED_REQUEST_BYTES } from '../../../src/plugin/ingest.js';
import { serviceDefinition } from '../../../src/storage/grpc/protos.js';
import { openStore } from '../../../src/storage/open-store.js';

const exportMethod = serviceDefinition('traceService').Export;

/** An Export request of one span whose one attribute makes the request about `bytes` long. */
function bigRequest(i: number, bytes: number): Buffer {
  const span: Span = {
    traceId: `${i + 1}`.padStart(32, '0'),
    spanId: `${i + 1}`.padStart(16, '0'),
    operationName: 'op',
    references: [],
    flags: 0,
    startTime: 1_700_000_000_000_000,
    duration: 1,
    // Values of at most 256 KiB each (validation refuses values over 1 MiB).
    tags: Array.from({ length: Math.ceil(bytes / 262_144) }, (_, k) => ({ key: `payload${k}`, type: 'string' as const, value: 'x'.repeat(Math.min(262_144, bytes - k * 262_144)) })),
    logs: [],
    process: { serviceName: 's', tags: [] },
    warnings: [],
  };
  return exportMethod.requestSerialize({ resourceSpans: otlpFromSpans([span]) });
}

describe('plugin/ingest IngestQueue', () => {
  it('decodes and stores at most MAX_DECODED_REQUEST_BYTES of requests at once; the rest wait, then all are stored', async () => {
    const store = await openStore('memory:');
    const write = store.writeSpans.bind(store);
    let inFlight = 0;
    let maxInFlight = 0;
    const gates: (() => void)[] = [];
    // Each write waits until the test opens its gate, so the queue's overlap is observable.
    store.writeSpans = async (spans) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise<void>((open) => gates.push(open));
        await write(spans);
      } finally {
        inFlight--;
      }
    };
    const size = Math.floor(MAX_DECODED_REQUEST_BYTES / 2.5);
    const queue = new IngestQueue(store);
    const outcomes = Array.from({ length: 6 }, (_, i) => queue.write({ kind: 'otlp', tenant: '', archive: false, messages: [bigRequest(i, size)] }));
    // Two fit the budget; the others wait undecoded until one of them is durable.
    await new Promise((resolve) => setImmediate(resolve));
    expect(gates.length).toBe(2);
    while (gates.length > 0 || inFlight > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(outcomes)).toStrictEqual(Array.from({ length: 6 }, () => ({ written: 1 })));
    expect(maxInFlight).toBe(2);
    await queue.idle();
    let stored = 0;
    for await (const t of store.findTraces({})) stored += t.spans.length;
    expect(stored).toBe(6);
    await store.close();
  });

  it('runs a single request larger than the budget alone', async () => {
    const store = await openStore('memory:');
    const queue = new IngestQueue(store, 1024);
    const outcomes = await Promise.all([0, 1].map((i) => queue.write({ kind: 'otlp', tenant: '', archive: false, messages: [bigRequest(i, 4096)] })));
    expect(outcomes).toStrictEqual([{ written: 1 }, { written: 1 }]);
    await store.close();
  });
});
