import { describe, expect, it } from 'vitest';
import { criticalPathTimes } from '../../../src/analysis/critical-path.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import { TraceColumns } from '../../../src/analysis/trace-columns.js';
import { normalTraces } from './fixtures.js';

describe('analysis/trace-columns TraceColumns', () => {
  it('packs many traces with absolute parent rows and per-trace offsets', () => {
    const keys = new OperationKeys();
    const cols = new TraceColumns();
    const traces = normalTraces(500, 0, 1); // 2,000 spans: forces growth past the initial 1,024 rows
    for (const t of traces) {
      const s = summarizeTrace(t, keys);
      cols.add(s, criticalPathTimes(s));
    }
    const v = cols.view();
    expect(v.traceCount).toBe(500);
    expect(v.spanCount).toBe(2000);
    expect(v.traceOffset[500]).toBe(2000);
    for (let t = 0; t < v.traceCount; t++) {
      const a = v.traceOffset[t];
      expect(v.parent[a]).toBe(-1);
      expect(v.parent[a + 1]).toBe(a);
      expect(v.traceRoot[t]).toBe(a);
      let cp = 0;
      for (let i = a; i < v.traceOffset[t + 1]; i++) cp += v.criticalPath[i];
      expect(cp).toBeCloseTo(v.traceDuration[t], 6);
    }
    expect(v.traceIds[499]).toBe(traces[499].spans[0].traceId);
  });

  it('rejects a critical path of the wrong length', () => {
    const keys = new OperationKeys();
    const s = summarizeTrace(normalTraces(1, 0, 1)[0], keys);
    expect(() => new TraceColumns().add(s, new Float64Array(1))).toThrow(/^analysis\/trace-columns: /);
  });
});
