import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { capTraces, messagePieces, type MessagePiece, type TracePart } from '../../../src/plugin/read-stream.js';

const spansOf = (id: string, n: number, size = 0, from = 0): Span[] =>
  Array.from({ length: n }, (_, i) => ({
    traceId: id.padStart(32, '0'),
    spanId: (from + i + 1).toString(16).padStart(16, '0'),
    operationName: 'x'.repeat(size),
    references: [],
    flags: 0,
    startTime: 0,
    duration: 0,
    tags: [],
    logs: [],
    process: { serviceName: 's', tags: [] },
    warnings: [],
  }));
const whole = (id: string, n: number, size = 0): TracePart => ({ first: true, spans: spansOf(id, n, size) });
/** One trace in parts of the given sizes. */
const inParts = (id: string, sizes: number[]): TracePart[] => {
  let from = 0;
  return sizes.map((n, i) => {
    const part = { first: i === 0, spans: spansOf(id, n, 0, from) };
    from += n;
    return part;
  });
};
async function* stream<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}
/** The messages the pieces make (the trace id's last letter of each span), checking each piece holds at most `perPiece` spans. */
const collect = async (it: AsyncIterable<MessagePiece>, perPiece = Number.POSITIVE_INFINITY) => {
  const out: string[][] = [];
  for await (const piece of it) {
    expect(piece.spans.length).toBeGreaterThan(0);
    expect(piece.spans.length).toBeLessThanOrEqual(perPiece);
    if (piece.startsMessage || out.length === 0) out.push([]);
    out[out.length - 1].push(...piece.spans.map((s) => s.traceId.slice(-1)));
  }
  return out;
};
const chunkTraceParts = (parts: TracePart[], options: { maxSpans: number; maxBytes: number; oneTracePerChunk: boolean }) =>
  messagePieces(parts, { ...options, spansPerPiece: Number.POSITIVE_INFINITY });

describe('plugin/read-stream messagePieces', () => {
  it('keeps traces contiguous, ≤ maxSpans per message; v2 mode never mixes traces', async () => {
    const parts = [whole('a', 3), ...inParts('b', [2, 2]), whole('c', 1)];
    expect(await collect(chunkTraceParts(parts, { maxSpans: 5, maxBytes: 1e9, oneTracePerChunk: false }))).toEqual([
      ['a', 'a', 'a', 'b', 'b'],
      ['b', 'b', 'c'],
    ]);
    expect(await collect(chunkTraceParts(parts, { maxSpans: 3, maxBytes: 1e9, oneTracePerChunk: true }))).toEqual([['a', 'a', 'a'], ['b', 'b', 'b'], ['b'], ['c']]);
  });

  it('bounds messages by bytes, a single oversized span travelling alone', async () => {
    const chunks = await collect(chunkTraceParts([whole('a', 5, 40_000)], { maxSpans: 1000, maxBytes: 100_000, oneTracePerChunk: true }));
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    expect((await collect(chunkTraceParts([whole('a', 2, 400_000)], { maxSpans: 1000, maxBytes: 100_000, oneTracePerChunk: true }))).map((c) => c.length)).toEqual([1, 1]);
  });

  it('gives each message in pieces of at most spansPerPiece spans, none spanning two parts', async () => {
    const parts = [whole('a', 3), ...inParts('b', [5, 2]), whole('c', 1)];
    const pieces: MessagePiece[] = [];
    for await (const p of messagePieces(parts, { maxSpans: 4, maxBytes: 1e9, oneTracePerChunk: true, spansPerPiece: 2 })) pieces.push(p);
    expect(pieces.map((p) => [p.startsMessage, p.spans.map((s) => s.traceId.slice(-1)).join('')])).toEqual([
      [false, 'aa'],
      [false, 'a'],
      [true, 'bb'],
      [false, 'bb'],
      [true, 'b'],
      [false, 'bb'],
      [true, 'c'],
    ]);
    expect(await collect(messagePieces(parts, { maxSpans: 4, maxBytes: 1e9, oneTracePerChunk: false, spansPerPiece: 3 }), 3)).toEqual([
      ['a', 'a', 'a', 'b'],
      ['b', 'b', 'b', 'b'],
      ['b', 'b', 'c'],
    ]);
  });
});

describe('plugin/read-stream capTraces', () => {
  const run = async (parts: TracePart[], max: number | undefined) => {
    const out: Span[] = [];
    for await (const part of capTraces(stream(parts), max)) out.push(...part.spans);
    return out;
  };
  const warned = (spans: Span[]) => spans.filter((s) => s.warnings.some((w) => w.includes('--max-trace-spans'))).map((s) => s.spanId);

  it('keeps every span without a cap', async () => {
    expect(await run(inParts('a', [3, 3]), undefined)).toHaveLength(6);
  });

  it('keeps the first N spans of each trace, the last one warned, cutting inside a part', async () => {
    const out = await run([...inParts('a', [3, 3]), ...inParts('b', [2])], 4);
    expect(out.map((s) => s.traceId.slice(-1)).join('')).toBe('aaaabb');
    expect(warned(out)).toEqual(['0000000000000004']);
  });

  it('warns on the last span when the cap falls exactly at a part boundary, and not when the trace ends there', async () => {
    const cut = await run(inParts('a', [2, 2, 2]), 4);
    expect(cut).toHaveLength(4);
    expect(warned(cut)).toEqual(['0000000000000004']);
    const exact = await run(inParts('a', [2, 2]), 4);
    expect(exact).toHaveLength(4);
    expect(warned(exact)).toEqual([]);
  });
});
