import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { coalesceWrites, trackWrites } from '../../../src/plugin/write-coalescer.js';

const span = (n: number | string) => ({ spanId: String(n) }) as unknown as Span;
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('plugin/write-coalescer', () => {
  it('merges writes of one event-loop turn, and writes queued behind a running one, into single store calls', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = coalesceWrites(async (spans) => {
      calls.push(spans.map((s) => s.spanId));
      if (calls.length === 1) await gate;
    });
    const settled: number[] = [];
    const track = (n: number) => write([span(n)]).then(() => settled.push(n));
    const firstTurn = [track(1), track(2)];
    await tick();
    expect(calls).toEqual([['1', '2']]);
    const queued = [track(3), track(4)];
    await tick();
    expect(calls).toEqual([['1', '2']]);
    expect(settled, 'nobody is acknowledged before the store write finishes').toEqual([]);
    release();
    await Promise.all([...firstTurn, ...queued]);
    expect(calls).toEqual([['1', '2'], ['3', '4']]);
    expect(settled).toEqual([1, 2, 3, 4]);
  });

  it('gives each caller its own outcome when a merged write fails', async () => {
    const write = coalesceWrites(async (spans) => {
      if (spans.some((s) => s.spanId === 'bad')) throw new InvalidArgumentError('bad span');
    });
    const good = write([span(1)]);
    const bad = write([span('bad')]);
    const alsoGood = write([span(2)]);
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('bad span');
    await expect(alsoGood).resolves.toBeUndefined();
  });

  it('caps merged writes at maxSpans', async () => {
    const sizes: number[] = [];
    const write = coalesceWrites(async (spans) => {
      sizes.push(spans.length);
    }, 5);
    await Promise.all([write([span(0)]), ...Array.from({ length: 4 }, () => write([span(1), span(2), span(3)]))]);
    expect(sizes).toEqual([4, 3, 3, 3]);
  });

  it('idle() waits for every write handed over', async () => {
    let done = 0;
    const write = coalesceWrites(async (spans) => {
      await new Promise((r) => setTimeout(r, 10));
      done += spans.length;
    });
    await write.idle();
    void write([span(1)]);
    void write([span(2)]);
    await write.idle();
    expect(done).toBe(2);
  });

  it('trackWrites passes every write through on its own and idle() waits for those in flight', async () => {
    const calls: string[][] = [];
    const gates: (() => void)[] = [];
    const write = trackWrites((spans) => {
      calls.push(spans.map((s) => s.spanId));
      if (spans[0].spanId === 'bad') throw new InvalidArgumentError('bad span');
      return new Promise<void>((r) => gates.push(r));
    });
    await write.idle();
    const first = write([span(1)]);
    const second = write([span(2)]);
    await expect(write([span('bad')])).rejects.toThrow(InvalidArgumentError);
    expect(calls, 'not merged, not deferred').toEqual([['1'], ['2'], ['bad']]);
    let idle = false;
    const idled = write.idle().then(() => (idle = true));
    gates[0]();
    await first;
    await tick();
    expect(idle).toBe(false);
    gates[1]();
    await Promise.all([second, idled]);
    expect(idle).toBe(true);
  });
});
