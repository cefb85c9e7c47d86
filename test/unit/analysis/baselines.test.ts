import { describe, expect, it } from 'vitest';
import { BaselineBuilder } from '../../../src/analysis/baselines.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import { normalTraces, threeTier, traceIdOf } from './fixtures.js';

describe('analysis/baselines BaselineBuilder', () => {
  it('keeps counts, errors, throughput and robust log-latency per operation', () => {
    const keys = new OperationKeys();
    const b = new BaselineBuilder({ sampleSize: 16 });
    const traces = normalTraces(100, 0, 1);
    traces.push(threeTier(traceIdOf(999), 200_000_000, { front: 9e6, mid: 8e6, db: 7e6 }, { midError: true })); // one gross outlier
    for (const t of traces) b.add(summarizeTrace(t, keys));
    const r = b.finish({ start: 0, end: 100_000_000 });
    expect(r.traces).toBe(101);
    expect(r.spans).toBe(404);
    const mid = r.byKey[keys.find('mid', 'mid.Call', 'server')!]!;
    expect(mid.spans).toBe(101);
    expect(mid.errors).toBe(1);
    expect(mid.throughput).toBeCloseTo(101 / 100, 6);
    expect(mid.latency!.sortedLog.length).toBeLessThanOrEqual(16);
    expect(mid.latency!.count).toBe(101);
    // Median ≈ 5 ms despite the 8 s outlier.
    expect(Math.expm1(mid.latency!.median)).toBeGreaterThan(3000);
    expect(Math.expm1(mid.latency!.median)).toBeLessThan(7000);
    // Gap is known for the server span (client parent), not for the root.
    expect(mid.gap).not.toBeNull();
    expect(r.byKey[keys.find('front', 'GET /', 'server')!]!.gap).toBeNull();
  });

  it('validates its options and range', () => {
    expect(() => new BaselineBuilder({ sampleSize: 1 })).toThrow(/^analysis\/baselines: sampleSize/);
    expect(() => new BaselineBuilder().finish({ start: 10, end: 5 })).toThrow(/^analysis\/baselines: range end/);
  });

  it('is empty, not NaN, without traces', () => {
    const r = new BaselineBuilder().finish({ start: 0, end: 1 });
    expect(r).toMatchObject({ traces: 0, spans: 0, byKey: [] });
  });
});
