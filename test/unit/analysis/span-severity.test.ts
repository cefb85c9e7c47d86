import { describe, expect, it } from 'vitest';
import { logRatio, spanSeverity } from '../../../src/analysis/span-severity.js';
import { SIGNAL_BIT } from '../../../src/analysis/outlier-detection.js';
import { prepare, threeTier, normalTraces, traceIdOf } from './fixtures.js';

describe('analysis/span-severity', () => {
  it('is the log ratio to the baseline median, 0 at or below it and without a baseline', () => {
    const b = { count: 3, sortedLog: Float64Array.from([Math.log1p(999)]), median: Math.log1p(999), sigma: 0.1 };
    expect(logRatio(b, 1999)).toBeCloseTo(Math.log(2), 12);
    expect(logRatio(b, 500)).toBe(0);
    expect(logRatio(null, 5000)).toBe(0);
  });

  it('weighs only originated signals: self-time, gap, and errors by how rare they were', () => {
    const { baselines, window } = prepare(normalTraces(200, 0, 1), [threeTier(traceIdOf(1), 10_000_000_000, { front: 84_000, mid: 83_000, db: 80_000 })]);
    const origins = new Uint8Array(window.spanCount);
    const db = Array.from(window.duration).findIndex((d) => d === 80_000);
    origins[db] = SIGNAL_BIT.latency | SIGNAL_BIT.error;
    const s = spanSeverity(window, origins, baselines);
    const b = baselines.byKey[window.key[db]]!;
    const latency = Math.log1p(80_000) - b.latency!.median;
    const error = -Math.log((b.errors + 0.5) / (b.spans + 1));
    expect(s.own[db]).toBeCloseTo(Math.max(latency, error), 12);
    expect(latency).toBeGreaterThan(2); // a ~ 40× slower query
    // Rows that originate nothing weigh nothing.
    for (let i = 0; i < window.spanCount; i++) if (i !== db) expect([s.own[i], s.gap[i]]).toEqual([0, 0]);
    expect(() => spanSeverity(window, new Uint8Array(1), baselines)).toThrow(/origin rows/);
  });
});
