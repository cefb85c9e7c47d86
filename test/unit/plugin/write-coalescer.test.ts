import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { coalesceWrites } from '../../../src/plugin/write-coalescer.js';

const span = (n: number) => ({ spanId: String(n) }) as unknown as Span;

describe('plugin/write-coalescer', () => {
  it('merges writes queued behind a running one into one store call; each caller waits for its own write', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = coalesceWrites(async (spans) => {
      calls.push(spans.map((s) => s.spanId));
      if (calls.length === 1) await gate;
    });
    const settled: number[] = [];
    const first = write([span(1)]).then(() => settled.push(1));
    const rest = [2, 3, 4].map((n) => write([span(n)]).then(() => settled.push(n)));
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toEqual([['1']]);
    expect(settled).toEqual([]);
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['1'], ['2', '3', '4']]);
    expect(settled).toEqual([1, 2, 3, 4]);
  });

  it('gives each caller its own outcome when a merged write fails', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let n = 0;
    const write = coalesceWrites(async (spans) => {
      if (n++ === 0) return gate;
      if (spans.some((s) => s.spanId === 'bad')) throw new InvalidArgumentError('bad span');
    });
    const first = write([span(1)]);
    const good = write([span(2)]);
    const bad = write([{ spanId: 'bad' } as unknown as Span]);
    release();
    await first;
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('bad span');
  });

  it('caps merged writes at maxSpans', async () => {
    const sizes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = coalesceWrites(async (spans) => {
      sizes.push(spans.length);
      if (sizes.length === 1) await gate;
    }, 5);
    const all = [write([span(0)]), ...Array.from({ length: 4 }, () => write([span(1), span(2), span(3)]))];
    release();
    await Promise.all(all);
    expect(sizes).toEqual([1, 3, 3, 3, 3]);
  });
});
