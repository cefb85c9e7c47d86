import { describe, expect, it } from 'vitest';
import { loadExpectedRate, loadRatio } from '../../../src/analysis/load-expectation.js';
import { DEFAULTS, detectOutliers } from '../../../src/analysis/outlier-detection.js';
import { normalTraces, prepare, threeTier, traceIdOf } from './fixtures.js';

describe('analysis/load-expectation', () => {
  it('rates the window against the baseline per second of each range', () => {
    // 600 traces over 600 s vs 300 traces over 600 s: twice the load.
    expect(loadRatio(600, { start: 0, end: 600_000_000 }, 300, { start: 0, end: 600_000_000 })).toBeCloseTo(2, 9);
    // 100 traces in 60 s vs 1000 in 3600 s: 1.667 / 0.278 = 6.
    expect(loadRatio(100, { start: 0, end: 60_000_000 }, 1000, { start: 0, end: 3_600_000_000 })).toBeCloseTo(6, 9);
    expect(loadRatio(0, { start: 0, end: 1 }, 10, { start: 0, end: 1 })).toBe(1);
    expect(loadRatio(10, { start: 0, end: 1 }, 0, { start: 0, end: 1 })).toBe(1);
    expect(() => loadRatio(1, { start: 5, end: 1 }, 1, { start: 0, end: 1 })).toThrow(/^analysis\/load-expectation: window end/);
  });

  it('raises an outlier rate in proportion to a higher load, never lowers it, and caps it at 1', () => {
    expect(loadExpectedRate(0.01, 1.5)).toBeCloseTo(0.015, 12);
    expect(loadExpectedRate(0.01, 0.5)).toBe(0.01);
    expect(loadExpectedRate(0.6, 2)).toBe(1);
  });

  it('keeps an operation whose outliers grew only with the load from being selected, but not one that grew beyond it', () => {
    // Baseline: 400 normal traces, 8 of them (2 %) with a slow database call.
    const baseline = normalTraces(400, 0, 1);
    for (let i = 0; i < 8; i++) baseline[i * 50] = threeTier(traceIdOf(50_000 + i), i * 50_000_000, { front: 30_000, mid: 29_000, db: 25_000 });
    // Window: 400 traces with 9 % slow calls — over four times the baseline share.
    const W0 = 10_000_000_000;
    const window = normalTraces(400, W0, 7000);
    for (let i = 0; i < 36; i++) window[i * 11] = threeTier(traceIdOf(60_000 + i), W0 + i * 11_000_000, { front: 30_000, mid: 29_000, db: 25_000 });
    const { keys, baselines, window: view } = prepare(baseline, window, { start: 0, end: 399_000_000 });
    const range = { start: W0, end: W0 + 399_000_000 };
    // The baseline's slow calls are its 2 % tail: judged by the robust z alone (no p99 floor).
    const thresholds = { ...DEFAULTS, tailQuantile: 0 };
    const db = (loadRatio: number) => detectOutliers(view, range, baselines, keys, thresholds, { loadRatio }).operations.find((o) => o.operation === 'SELECT')!;
    // At the baseline's load 9 % is a shift; at twice the load it is about twice the expected 4 %, under the selection ratio of 3.
    expect(db(1).signals).toContain('latency');
    expect(db(2).signals).not.toContain('latency');
    expect(() => detectOutliers(view, range, baselines, keys, DEFAULTS, { loadRatio: 0 })).toThrow(/load ratio/);
  });
});
