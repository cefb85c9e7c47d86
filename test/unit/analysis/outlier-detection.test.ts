import { describe, expect, it } from 'vitest';
import { DEFAULTS, detectOutliers, isShifted, resolveThresholds, SIGNAL_BIT } from '../../../src/analysis/outlier-detection.js';
import { normalTraces, prepare, threeTier, traceIdOf } from './fixtures.js';

const WINDOW = { start: 10_000_000_000, end: 10_100_000_000 };
const W0 = WINDOW.start;

describe('analysis/outlier-detection detectOutliers', () => {
  it('flags the slowed operation, its relays, and only the affected traces', () => {
    const windowTraces = normalTraces(60, W0, 5000);
    // Ten traces whose database call takes 80 ms instead of ~2 ms.
    for (let i = 0; i < 10; i++) windowTraces.push(threeTier(traceIdOf(9000 + i), W0 + i * 1_000_000 + 500, { front: 86_000, mid: 85_000, db: 80_000 }));
    const { keys, baselines, window } = prepare(normalTraces(400, 0, 1), windowTraces);
    const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
    expect(d.abnormalTraceCount).toBe(10);
    for (let t = 0; t < window.traceCount; t++) expect(d.abnormalTrace[t]).toBe(window.traceIds[t].startsWith('00000000000000000000000000002') ? 1 : 0);
    const db = d.operations.find((o) => o.operation === 'SELECT')!;
    expect(db.signals).toEqual(['latency', 'selfTime']);
    expect(db.abnormalSpans.latency).toBe(10);
    expect(db.p99Shift!).toBeGreaterThan(5);
    expect(db.errorRateShift).toBe(0);
    const front = d.operations.find((o) => o.operation === 'GET /')!;
    expect(front.signals).toContain('latency');
    expect(front.signals).not.toContain('selfTime');
    for (const o of d.operations) {
      expect(Number.isFinite(o.window.p50)).toBe(true);
      expect(Number.isFinite(o.window.throughput)).toBe(true);
    }
  });

  it('does not flag natural variation when nothing shifted', () => {
    const { keys, baselines, window } = prepare(normalTraces(400, 0, 1), normalTraces(200, W0, 7000));
    const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
    expect(d.abnormalTraceCount).toBe(0);
    expect(d.operations.every((o) => o.signals.length === 0)).toBe(true);
  });

  it('judges a window with one trace', () => {
    const { keys, baselines, window } = prepare(normalTraces(400, 0, 1), [threeTier(traceIdOf(1), W0, { front: 300_000, mid: 299_000, db: 2000 })]);
    const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
    expect(d.abnormalTraceCount).toBe(1);
    const mid = d.operations.find((o) => o.service === 'mid' && o.spanKind === 'server')!;
    expect(mid.signals).toEqual(['latency', 'selfTime']);
    expect(mid.window.spans).toBe(1);
  });

  it('flags error bursts and only errors when there is no baseline', () => {
    const burst = Array.from({ length: 20 }, (_, i) => threeTier(traceIdOf(100 + i), W0 + i * 1000, { front: 6000, mid: 5000, db: 2000 }, { midError: i < 10 }));
    const { keys, baselines, window } = prepare([], burst);
    const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
    expect(d.abnormalTraceCount).toBe(10);
    const mid = d.operations.find((o) => o.service === 'mid' && o.spanKind === 'server')!;
    expect(mid.signals).toEqual(['error']);
    expect(mid.baseline).toBeNull();
    expect(mid.p99Shift).toBeNull();
    let bits = 0;
    for (const b of d.spanSignals) bits |= b;
    expect(bits).toBe(SIGNAL_BIT.error);
  });

  it('handles an empty window without NaN', () => {
    const { keys, baselines, window } = prepare(normalTraces(10, 0, 1), []);
    const d = detectOutliers(window, WINDOW, baselines, keys, DEFAULTS);
    expect(d).toMatchObject({ abnormalTraceCount: 0, operations: [] });
  });

  it('selects a signal only on a significant rate increase', () => {
    expect(isShifted(0, 100, 0.01, DEFAULTS)).toBe(false);
    expect(isShifted(2, 100, 0.01, DEFAULTS)).toBe(false);
    expect(isShifted(10, 100, 0.01, DEFAULTS)).toBe(true);
    expect(isShifted(1, 1, 0.001, DEFAULTS)).toBe(true);
  });

  it('validates thresholds and the window', () => {
    expect(() => resolveThresholds({ zThreshold: -1 })).toThrow(/^analysis\/outlier-detection: threshold zThreshold/);
    const { keys, baselines, window } = prepare([], []);
    expect(() => detectOutliers(window, { start: 5, end: 1 }, baselines, keys, DEFAULTS)).toThrow(/^analysis\/outlier-detection: window end/);
  });
});

describe('analysis/outlier-detection tail quantile', () => {
  it('does not flag values inside an operation\'s own heavy tail, but does beyond it', () => {
    // Baseline: a narrow body (~2 ms database calls) with a 3 % tail at 9–11 ms (pauses, waits).
    const baseline = normalTraces(400, 0, 1);
    for (let i = 0; i < 12; i++) baseline[i * 33] = threeTier(traceIdOf(50_000 + i), i * 33_000_000, { front: 15_000, mid: 13_000, db: 9000 + 200 * i });
    const W0 = WINDOW.start;
    // Window: 12 % of the calls at 10 ms (inside the tail), and another 6 % at 40 ms (beyond it).
    const within = normalTraces(200, W0, 7000);
    for (let i = 0; i < 24; i++) within[i * 8] = threeTier(traceIdOf(60_000 + i), W0 + i * 8_000_000, { front: 16_000, mid: 14_000, db: 10_000 });
    const beyond = within.slice();
    for (let i = 0; i < 12; i++) beyond[i * 16 + 3] = threeTier(traceIdOf(70_000 + i), W0 + (i * 16 + 3) * 1_000_000, { front: 46_000, mid: 44_000, db: 40_000 });
    const slowDb = (w: typeof within, tailQuantile: number) => {
      const { keys, baselines, window } = prepare(baseline, w);
      return detectOutliers(window, WINDOW, baselines, keys, { ...DEFAULTS, tailQuantile }).operations.find((o) => o.operation === 'SELECT')!;
    };
    // Without the floor the robust z (body σ) calls the tail values outliers and selects the operation.
    expect(slowDb(within, 0).abnormalSpans.latency).toBe(24);
    expect(slowDb(within, 0.99).signals).toEqual([]);
    expect(slowDb(beyond, 0.99).abnormalSpans.latency).toBe(12);
    expect(() => resolveThresholds({ tailQuantile: 1.5 })).toThrow(/tailQuantile must be in \[0, 1\]/);
  });
});
