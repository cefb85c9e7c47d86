import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/analysis/outlier-detection.js';
import { attributeGaps } from '../../../src/analysis/gap-attribution.js';

/**
 * Rows of calls: each call is a client row (caller service) followed by its server row (callee
 * service) with a gap; `slow` marks the server row's gap as an outlier.
 */
function calls(list: Array<{ caller: number; callee: number; slow: boolean; n: number }>) {
  const parent: number[] = [];
  const service: number[] = [];
  const gap: number[] = [];
  const bits: number[] = [];
  for (const c of list) {
    for (let k = 0; k < c.n; k++) {
      parent.push(-1, parent.length);
      service.push(c.caller, c.callee);
      gap.push(-1, c.slow ? 500_000 : 1000);
      bits.push(0, c.slow ? 4 : 0);
    }
  }
  const input = { parent: Int32Array.from(parent), service: Int32Array.from(service), serviceCount: 4, gap: Float64Array.from(gap), spanSignals: Uint8Array.from(bits), baselineRate: () => 0.01 };
  return { input, blame: attributeGaps(input, DEFAULTS) };
}

describe('analysis/gap-attribution', () => {
  it('blames the callee when it is slow from every caller while the callers have healthy callees', () => {
    // 0 → 2 slow, 1 → 2 slow, 0 → 3 fine, 1 → 3 fine: 2 is the common end.
    const { input, blame } = calls([
      { caller: 0, callee: 2, slow: true, n: 20 },
      { caller: 1, callee: 2, slow: true, n: 20 },
      { caller: 0, callee: 3, slow: false, n: 20 },
      { caller: 1, callee: 3, slow: false, n: 20 },
    ]);
    for (let i = 0; i < blame.length; i++) {
      if (input.spanSignals[i]) expect(blame[i]).toBe(i);
      else expect(blame[i]).toBe(-1);
    }
  });

  it('blames the caller when all its calls are slow, and on a single edge (the client span measured the time)', () => {
    // 0 → 1, 0 → 2, 0 → 3 all slow; 3 is also called by nobody else.
    const fan = calls([1, 2, 3].map((callee) => ({ caller: 0, callee, slow: true, n: 20 })));
    for (let i = 0; i < fan.blame.length; i++) if (fan.input.spanSignals[i]) expect(fan.blame[i]).toBe(fan.input.parent[i]);
    const single = calls([{ caller: 0, callee: 1, slow: true, n: 20 }]);
    expect(single.blame[1]).toBe(0);
  });

  it('does not count an edge with a few outliers its baseline rate explains as shifted', () => {
    // 0 → 1 slow throughout; 0 → 2 with 1 outlier in 100 at a 1 % baseline rate; 3 → 1 slow too.
    const { input, blame } = calls([
      { caller: 0, callee: 1, slow: true, n: 20 },
      { caller: 3, callee: 1, slow: true, n: 20 },
      { caller: 0, callee: 2, slow: true, n: 1 },
      { caller: 0, callee: 2, slow: false, n: 99 },
    ]);
    // 1 has all (2 of 2) in-edges shifted; 0 has 1 of 2 out-edges shifted: the callee 1 is blamed.
    expect(blame[1]).toBe(1);
    expect(input.spanSignals[1]).toBe(4);
  });

  it('calls an edge shifted when all its calls are slower than the baseline although no value passes the robust z (short two-mode baseline)', () => {
    // Caller 0 → callees 1, 2, 3, every call +100 ms. Edge 0 → 3 has no flagged outlier (its
    // baseline mixes 5 µs and 1 ms gaps, so its robust σ is huge); 0 → 1 and 0 → 2 are flagged.
    const { input } = calls([
      { caller: 0, callee: 1, slow: true, n: 8 },
      { caller: 0, callee: 2, slow: true, n: 8 },
      { caller: 0, callee: 3, slow: false, n: 16 },
    ]);
    for (let i = 0; i < input.gap.length; i++) if (input.gap[i] >= 0) input.gap[i] = 100_000;
    const key = Int32Array.from(input.service); // one callee operation per service
    const base = Float64Array.from([5, 6, 8, 10, 11, 30, 250, 720, 1100, 1130, 1140, 1210, 1280, 1300], (v) => Math.log1p(v)).sort();
    const without = attributeGaps(input, DEFAULTS);
    const withRank = attributeGaps({ ...input, key, baselineGaps: () => base }, DEFAULTS);
    const flagged = [...input.spanSignals.keys()].filter((i) => input.spanSignals[i]);
    // Without the rank test the caller has 2 of 3 edges shifted and each callee 1 of 1: callees blamed.
    for (const i of flagged) expect(without[i]).toBe(i);
    // With it, all 3 of the caller's edges are shifted: the caller is blamed.
    for (const i of flagged) expect(withRank[i]).toBe(input.parent[i]);
  });
});
