import { describe, expect, it } from 'vitest';
import { traceNodePageRank } from '../../../src/analysis/pagerank.js';

describe('analysis/pagerank traceNodePageRank', () => {
  it('returns weights of mean 1 over the nodes that occur', () => {
    const w = traceNodePageRank([[0, 1], [0, 2], [0, 1, 2]], 4);
    expect(w[3]).toBe(0);
    expect((w[0] + w[1] + w[2]) / 3).toBeCloseTo(1, 6);
    expect(w[0]).toBeGreaterThan(w[1]); // in every trace
  });

  it('lifts nodes of rare trace kinds over nodes of frequent ones', () => {
    const frequent = Array.from({ length: 50 }, () => [0, 1]);
    const w = traceNodePageRank([...frequent, [0, 2]], 3);
    // Without personalisation node 2 would get about 1/50 of node 1's weight (it is in 1 of 51 traces).
    expect(w[2]).toBeGreaterThan(w[1] / 5);
    expect(w[0]).toBeGreaterThan(w[2]);
  });

  it('is neutral for no traces and rejects bad input', () => {
    expect(Array.from(traceNodePageRank([], 2))).toEqual([1, 1]);
    expect(() => traceNodePageRank([[5]], 2)).toThrow(/^analysis\/pagerank: node id 5/);
    expect(() => traceNodePageRank([[0]], 1, { alpha: 1 })).toThrow(/alpha/);
  });
});
