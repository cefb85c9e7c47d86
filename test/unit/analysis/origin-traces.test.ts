import { describe, expect, it } from 'vitest';
import { tracesWithFlaggedRows } from '../../../src/analysis/origin-traces.js';

describe('analysis/origin-traces', () => {
  it('calls a trace abnormal only when one of its rows holds an origin', () => {
    // Three traces of 2, 3 and 1 rows; origins in trace 0 (row 1) and trace 2 (row 5).
    const r = tracesWithFlaggedRows(Int32Array.from([0, 2, 5, 6]), Uint8Array.from([0, 2, 0, 0, 0, 8]));
    expect([...r.abnormalTrace]).toEqual([1, 0, 1]);
    expect(r.abnormalTraceCount).toBe(2);
    expect(tracesWithFlaggedRows(Int32Array.from([0]), new Uint8Array(0))).toEqual({ abnormalTrace: new Uint8Array(0), abnormalTraceCount: 0 });
  });

  it('rejects offsets that do not cover the rows', () => {
    expect(() => tracesWithFlaggedRows(Int32Array.from([0, 2]), new Uint8Array(3))).toThrow(/^analysis\/origin-traces: trace offsets end at 2, but 3 span rows/);
  });
});
