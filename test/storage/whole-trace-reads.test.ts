import { describe, expect, it } from 'vitest';
import type { GetTraceQuery, Span, Trace, TraceQuery } from '../../src/model/index.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { WholeTraceReads } from '../../src/storage/whole-trace-reads.js';

function span(trace: number, n: number): Span {
  return {
    traceId: trace.toString(16).padStart(32, '0'),
    spanId: (n + 1).toString(16).padStart(16, '0'),
    operationName: `op-${n}`,
    references: [],
    flags: 1,
    startTime: 1_700_000_000_000_000 + trace * 1_000_000 + n,
    duration: 10,
    tags: [],
    logs: [],
    process: { serviceName: 'svc', tags: [] },
    warnings: [],
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('WholeTraceReads (getTraceParts, findTraceIdsLazily of whole-trace backends)', () => {
  async function setup() {
    const store = createMemoryStore();
    for (const t of [1, 2, 3]) await store.writeSpans([span(t, 0), span(t, 1)]);
    const getTraceCalls: string[] = [];
    class Reads extends WholeTraceReads {
      getTrace(q: GetTraceQuery): Promise<Trace> {
        getTraceCalls.push(q.traceId);
        return store.getTrace(q);
      }
      findTraces(q: TraceQuery): AsyncIterable<Trace> {
        return store.findTraces(q);
      }
    }
    return { store, reads: new Reads(), getTraceCalls };
  }

  it('streams found traces (ids, then each one\'s parts) as findTraces gives them, reading each once', async () => {
    const { store, reads, getTraceCalls } = await setup();
    const query = { serviceName: 'svc' };
    const streamed: Span[][] = [];
    for await (const traceId of reads.findTraceIdsLazily(query)) streamed.push((await collect(reads.getTraceParts({ traceId }))).flat());
    expect(streamed).toEqual((await collect(store.findTraces(query))).map((t) => t.spans));
    expect(streamed).toHaveLength(3);
    expect(getTraceCalls).toEqual([]);
  });

  it('reads any other trace by getTrace: the whole trace as one part, nothing for an unknown id', async () => {
    const { store, reads, getTraceCalls } = await setup();
    const ids = await collect(reads.findTraceIdsLazily({ serviceName: 'svc' }));
    expect(ids).toHaveLength(3);
    // The search has finished: nothing is handed over any more.
    expect(await collect(reads.getTraceParts({ traceId: ids[2] }))).toEqual([(await store.getTrace({ traceId: ids[2] })).spans]);
    expect(await collect(reads.getTraceParts({ traceId: 'f'.repeat(32) }))).toEqual([]);
    expect(getTraceCalls).toEqual([ids[2], 'f'.repeat(32)]);
  });
});
