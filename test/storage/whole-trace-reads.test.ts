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

describe('WholeTraceReads (getTraceParts, findTraceParts of whole-trace backends)', () => {
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

  it('streams each found trace as findTraces gives it, as one part, reading it once', async () => {
    const { store, reads, getTraceCalls } = await setup();
    const query = { serviceName: 'svc' };
    const streamed: { traceId: string; parts: Span[][] }[] = [];
    for await (const found of reads.findTraceParts(query)) streamed.push({ traceId: found.traceId, parts: await collect(found.parts) });
    const expected = (await collect(store.findTraces(query))).map((t) => ({ traceId: t.spans[0].traceId, parts: [t.spans] }));
    expect(streamed).toEqual(expected);
    expect(streamed).toHaveLength(3);
    expect(getTraceCalls).toEqual([]);
  });

  it('keeps no state between reads: two searches interleaved each get their own traces', async () => {
    const { reads, getTraceCalls } = await setup();
    const a = reads.findTraceParts({ serviceName: 'svc' })[Symbol.asyncIterator]();
    const b = reads.findTraceParts({ serviceName: 'svc', limit: 1 })[Symbol.asyncIterator]();
    const firstA = (await a.next()).value!;
    const firstB = (await b.next()).value!;
    expect((await collect(firstB.parts)).flat().every((s) => s.traceId === firstB.traceId)).toBe(true);
    expect((await collect(firstA.parts)).flat().every((s) => s.traceId === firstA.traceId)).toBe(true);
    expect((await b.next()).done).toBe(true);
    expect(getTraceCalls).toEqual([]);
  });

  it('reads a trace by getTrace: the whole trace as one part, nothing for an unknown id', async () => {
    const { store, reads, getTraceCalls } = await setup();
    const ids: string[] = [];
    for await (const found of reads.findTraceParts({ serviceName: 'svc' })) ids.push(found.traceId);
    expect(ids).toHaveLength(3);
    expect(await collect(reads.getTraceParts({ traceId: ids[2] }))).toEqual([(await store.getTrace({ traceId: ids[2] })).spans]);
    expect(await collect(reads.getTraceParts({ traceId: 'f'.repeat(32) }))).toEqual([]);
    expect(getTraceCalls).toEqual([ids[2], 'f'.repeat(32)]);
  });
});
