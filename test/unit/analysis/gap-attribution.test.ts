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
});
