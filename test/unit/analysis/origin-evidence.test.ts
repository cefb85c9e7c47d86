import { describe, expect, it } from 'vitest';
import { originSignals } from '../../../src/analysis/origin-evidence.js';
import { SIGNAL_BIT } from '../../../src/analysis/outlier-detection.js';

const { latency: L, selfTime: S, gap: G, error: E } = SIGNAL_BIT;

describe('analysis/origin-evidence originSignals', () => {
  it('credits the deepest abnormal span, not the ancestors it explains', () => {
    // 0 → 1 → 2 chain; all slow on total latency, 2 also on self-time.
    const o = originSignals(Int32Array.from([-1, 0, 1]), Uint8Array.from([L, L, L | S]));
    expect(Array.from(o)).toEqual([0, 0, L | S]);
  });

  it('keeps self-time and gap as own evidence even under an abnormal child', () => {
    const o = originSignals(Int32Array.from([-1, 0, 0]), Uint8Array.from([L | S, L, G]));
    expect(o[0]).toBe(S);
    expect(o[1]).toBe(L);
    expect(o[2]).toBe(G);
  });

  it('explains retry self-time and timeouts by a failing or slow child', () => {
    // 0 retried its failing child 1: its self-time grew, and its error comes from the child.
    const o = originSignals(Int32Array.from([-1, 0]), Uint8Array.from([L | S | E, E]));
    expect(Array.from(o)).toEqual([0, E]);
  });

  it('treats a span whose parent is missing (orphan) as a root', () => {
    const o = originSignals(Int32Array.from([-1, -1]), Uint8Array.from([E, L]));
    expect(Array.from(o)).toEqual([E, L]);
  });

  it('rejects mismatched inputs', () => {
    expect(() => originSignals(Int32Array.from([-1]), new Uint8Array(2))).toThrow(/^analysis\/origin-evidence: /);
    expect(() => originSignals(Int32Array.from([5]), new Uint8Array(1))).toThrow(/out of range/);
  });
});
