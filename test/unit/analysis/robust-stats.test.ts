import { describe, expect, it } from 'vitest';
import { quantileSorted, robustLocation, sortedCopy, StrideSample } from '../../../src/analysis/robust-stats.js';

describe('analysis/robust-stats', () => {
  it('interpolates quantiles (type 7)', () => {
    const s = sortedCopy([4, 1, 3, 2]);
    expect(quantileSorted(s, 0)).toBe(1);
    expect(quantileSorted(s, 1)).toBe(4);
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(() => quantileSorted(new Float64Array(0), 0.5)).toThrow(/^analysis\/robust-stats: /);
    expect(() => quantileSorted(s, 1.5)).toThrow(/quantile must be in/);
  });

  it('median and scaled MAD ignore a gross outlier', () => {
    const { median, sigma } = robustLocation(sortedCopy([10, 11, 9, 10, 12, 8, 10, 1e9]));
    expect(median).toBe(10);
    expect(sigma).toBeCloseTo(1.4826, 4);
  });

  it('keeps at most `capacity` values spread over the whole stream', () => {
    const s = new StrideSample(64);
    for (let i = 0; i < 100_000; i++) s.add(i);
    expect(s.seen).toBe(100_000);
    expect(s.size).toBeLessThanOrEqual(64);
    expect(s.size).toBeGreaterThanOrEqual(32);
    const v = s.sorted();
    expect(v[0]).toBeLessThan(100_000 * 0.05);
    expect(v[v.length - 1]).toBeGreaterThan(100_000 * 0.9);
    expect(quantileSorted(v, 0.5)).toBeGreaterThan(40_000);
    expect(quantileSorted(v, 0.5)).toBeLessThan(60_000);
  });
});
