import { describe, expect, it } from 'vitest';
import { spectrumScore } from '../../../src/analysis/spectrum-scoring.js';

describe('analysis/spectrum-scoring spectrumScore', () => {
  const c = { ef: 8, ep: 2, nf: 2, np: 88 };
  it('computes Ochiai, Jaccard and DStar', () => {
    expect(spectrumScore(c, 'ochiai')).toBeCloseTo(8 / Math.sqrt(10 * 10), 12);
    expect(spectrumScore(c, 'jaccard')).toBeCloseTo(8 / 12, 12);
    expect(spectrumScore(c, 'dstar')).toBeCloseTo(64 / 4, 12);
  });
  it('is 0 when the node is in no abnormal trace and finite in the perfect case', () => {
    for (const m of ['ochiai', 'jaccard', 'dstar'] as const) {
      expect(spectrumScore({ ef: 0, ep: 5, nf: 5, np: 5 }, m)).toBe(0);
      expect(Number.isFinite(spectrumScore({ ef: 5, ep: 0, nf: 0, np: 5 }, m))).toBe(true);
    }
    expect(spectrumScore({ ef: 5, ep: 0, nf: 0, np: 5 }, 'ochiai')).toBe(1);
  });
  it('ranks the node that covers the failures and no passes first', () => {
    for (const m of ['ochiai', 'jaccard', 'dstar'] as const) {
      expect(spectrumScore({ ef: 10, ep: 0, nf: 0, np: 90 }, m)).toBeGreaterThan(spectrumScore({ ef: 10, ep: 90, nf: 0, np: 0 }, m));
    }
  });
  it('rejects negative or non-finite counts and unknown methods', () => {
    expect(() => spectrumScore({ ef: -1, ep: 0, nf: 0, np: 0 })).toThrow(/^analysis\/spectrum-scoring: ef/);
    expect(() => spectrumScore({ ef: 1, ep: NaN, nf: 0, np: 0 })).toThrow(/ep must be/);
    expect(() => spectrumScore(c, 'tarantula' as never)).toThrow(/unknown method/);
  });
});
