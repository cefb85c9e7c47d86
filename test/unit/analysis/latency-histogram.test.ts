import { describe, expect, it } from 'vitest';
import { latencyHistogram } from '../../../src/analysis/latency-histogram.js';

describe('analysis/latency-histogram', () => {
  it('counts both samples in shared log-spaced buckets', () => {
    const h = latencyHistogram([1000, 1100, 1200], [100_000, 1000], { buckets: 10 });
    expect(h.edges).toHaveLength(11);
    expect(h.edges[0]).toBe(1000);
    expect(h.edges[10]).toBe(100_000);
    expect(h.baseline.reduce((a, b) => a + b)).toBe(3);
    expect(h.window.reduce((a, b) => a + b)).toBe(2);
    expect(h.window[9]).toBe(1);
    expect(h.window[0]).toBe(1);
  });
  it('is empty without values and rejects bad ones', () => {
    expect(latencyHistogram([], [])).toEqual({ edges: [], baseline: [], window: [] });
    expect(() => latencyHistogram([NaN], [])).toThrow(/^analysis\/latency-histogram: /);
  });
});
