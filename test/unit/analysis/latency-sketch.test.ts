import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketIndexTable, LatencySketch } from '../../../src/analysis/latency-sketch.js';
import { Random } from '../../../src/workload/random.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

describe('LatencySketch', () => {
  it('is empty until values arrive', () => {
    const s = new LatencySketch();
    expect(s.count).toBe(0);
    expect(s.quantile(0.5)).toBeNaN();
  });

  it('stays within the relative accuracy on log-normal latencies', () => {
    const rnd = new Random(7);
    const values = Array.from({ length: 50_000 }, () => Math.max(1, Math.round(rnd.logNormal(20_000, 1.2))));
    const s = new LatencySketch({ relativeAccuracy: 0.01 });
    for (const v of values) s.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(s.quantile(q) - exact) / exact, `q=${q}`).toBeLessThanOrEqual(0.01 + 1e-9);
    }
    expect(s.min).toBe(sorted[0]);
    expect(s.max).toBe(sorted[sorted.length - 1]);
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
  });

  it('merges: a merged sketch answers like one fed every value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 0, maxLength: 300 }),
        fc.constantFrom(0.01, 0.02, 0.05),
        (a, b, alpha) => {
          const left = new LatencySketch({ relativeAccuracy: alpha });
          const right = new LatencySketch({ relativeAccuracy: alpha });
          const all = new LatencySketch({ relativeAccuracy: alpha });
          for (const v of a) (left.add(v), all.add(v));
          for (const v of b) (right.add(v), all.add(v));
          left.merge(right);
          const sorted = [...a, ...b].sort((x, y) => x - y);
          for (const q of [0, 0.5, 0.9, 0.99, 1]) {
            expect(left.quantile(q)).toBe(all.quantile(q));
            const exact = exactQuantile(sorted, q);
            const est = left.quantile(q);
            if (exact >= 1) expect(Math.abs(est - exact) / exact).toBeLessThanOrEqual(alpha + 1e-9);
            else expect(est).toBeLessThan(1);
          }
          expect(left.count).toBe(a.length + b.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses memory per bucket range, not per value', () => {
    const s = new LatencySketch();
    for (let i = 0; i < 200_000; i++) s.add(1000 + (i % 1000));
    expect(s.count).toBe(200_000);
    expect(Math.abs(s.quantile(0.5) - 1499.5) / 1499.5).toBeLessThan(0.011);
  });

  it('puts every value in the bucket ⌈ln v / ln γ⌉, integers included (they take a table, not a logarithm)', () => {
    const rnd = new Random(11);
    for (const alpha of [0.01, 0.02, 0.05, 0.001, 0.0001]) {
      const logGamma = Math.log((1 + alpha) / (1 - alpha));
      const table = new BucketIndexTable(logGamma);
      const values: number[] = [];
      for (let v = 1; v <= (alpha === 0.01 ? 1 << 20 : 1 << 14); v++) values.push(v);
      for (let i = 0; i < 200_000; i++) values.push(1 + Math.floor(rnd.next() * 2 ** (1 + rnd.next() * 30)), 1 + rnd.next() * 1e6, 2 ** 31 + i);
      const wrong = values.filter((v) => table.index(v) !== Math.ceil(Math.log(v) / logGamma));
      expect(wrong, `α=${alpha}`).toEqual([]);
    }
  });

  it('answers several quantiles in one pass exactly as one at a time', () => {
    const rnd = new Random(3);
    const qs = [0, 0.001, 0.25, 0.5, 0.5, 0.9, 0.99, 1];
    for (const n of [1, 2, 7, 1_000]) {
      const s = new LatencySketch();
      for (let i = 0; i < n; i++) s.add(i % 5 === 0 ? 0.5 : Math.round(rnd.logNormal(2_000, 1)));
      expect(s.quantiles(qs)).toEqual(qs.map((q) => s.quantile(q)));
    }
    expect(new LatencySketch().quantiles([0.5])).toEqual([Number.NaN]);
    expect(() => new LatencySketch().quantiles([0.9, 0.5])).toThrow(/ascending/);
  });

  it('rejects negative values, bad quantiles and mismatched merges', () => {
    const s = new LatencySketch();
    expect(() => s.add(-1)).toThrow(/analysis\/latency-sketch/);
    expect(() => s.add(Number.NaN)).toThrow(/analysis\/latency-sketch/);
    expect(() => s.quantile(1.5)).toThrow(/quantile/);
    expect(() => s.merge(new LatencySketch({ relativeAccuracy: 0.02 }))).toThrow(/different accuracy/);
  });
});
