import { describe, expect, it } from 'vitest';
import { BODY_QUANTILE, keepBodyShifted, RUN_LENGTH, RUN_MIN_GROUP } from '../../../src/analysis/body-shift.js';
import { isLoadStep } from '../../../src/analysis/load-expectation.js';
import { DEFAULTS, detectOutliers, SIGNAL_BIT } from '../../../src/analysis/outlier-detection.js';
import { normalTraces, prepare, threeTier, traceIdOf } from './fixtures.js';

/** One row per trace: trace offsets 0…n and start times 0, 1, 2, … s. */
const offsets = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);
const starts = (n: number) => Array.from({ length: n }, (_, i) => i * 1_000_000);

describe('analysis/body-shift', () => {
  it('keeps the outliers of a group whose lower quartile passed the baseline median, per instance', () => {
    // Key 0: instance 1 slowed as a whole (every value ≥ 12), instance 2 only in its tail (three of
    // twelve at 50, spread over its time, the rest at the baseline's 1–3). Key 1 is not selected on
    // the signal. Baseline median 5.
    const key = [...Array(24).fill(0), 1, 1];
    const instance = [...Array(12).fill(1), ...Array(12).fill(2), 1, 1];
    const values = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 60, 50, 1, 2, 3, 1, 50, 2, 3, 1, 2, 3, 50, 70, 80];
    const rowBits = Uint8Array.from(values, (v) => (v >= 50 ? 2 : 0));
    const keyBits = Uint8Array.from([2, 0]);
    keepBodyShifted(key, instance, offsets(26), starts(26), [{ bit: 2, values, baselineMedianUs: () => 5 }], rowBits, keyBits);
    expect([...rowBits.keys()].filter((i) => rowBits[i])).toEqual([11, 24, 25]);
    expect([...rowBits.keys()].filter((i) => values[i] === 50 && rowBits[i])).toEqual([]);
    expect([...keyBits]).toEqual([2, 0]);
    expect(BODY_QUANTILE).toBe(0.25);
    // Only the tail moved anywhere: the key loses the signal. A value of −1 is "no value of the
    // signal" and does not count towards the group's quartile; other bits (an error, 8) stay.
    const tailOnly = Uint8Array.from([2, 0, 0, 0, 2 | 8]);
    const tailKey = Uint8Array.from([2 | 8]);
    keepBodyShifted([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], offsets(5), starts(5), [{ bit: 2, values: [9, 1, 2, 3, 9], baselineMedianUs: () => 5 }], tailOnly, tailKey);
    expect([...tailOnly, ...tailKey]).toEqual([0, 0, 0, 0, 8, 8]);
    const gaps = Uint8Array.from([0, 0, 0, 0, 4]);
    keepBodyShifted([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], offsets(5), starts(5), [{ bit: 4, values: [-1, -1, -1, 9, 9], baselineMedianUs: () => 5 }], gaps, Uint8Array.from([4]));
    expect([...gaps]).toEqual([0, 0, 0, 0, 4]);
  });

  it('judges a group\'s body over the time its outliers span, not the whole window', () => {
    // Eight quiet rows (3), then twelve rows slowed by a fault that began late (20 each, the last
    // two outliers at 40): over the whole window the lower quartile is 3, within the fault's time 20.
    const values = [...Array(8).fill(3), ...Array(10).fill(20), 40, 40];
    const rowBits = Uint8Array.from(values, (v) => (v >= 40 ? 2 : 0));
    keepBodyShifted(Array(20).fill(0), Array(20).fill(1), offsets(20), starts(20), [{ bit: 2, values, baselineMedianUs: () => 5 }], rowBits, Uint8Array.from([2]));
    expect(rowBits[18] & rowBits[19]).toBe(2);
    // The same outliers spread from the first row to the last take in every quiet row: dropped.
    const spread = [40, ...Array(8).fill(3), ...Array(10).fill(20), 40];
    const spreadBits = Uint8Array.from(spread, (v) => (v >= 40 ? 2 : 0));
    keepBodyShifted(Array(20).fill(0), Array(20).fill(1), offsets(20), starts(20), [{ bit: 2, values: spread, baselineMedianUs: () => 5 }], spreadBits, Uint8Array.from([2]));
    expect([...spreadBits].every((b) => b === 0)).toBe(true);
  });

  it('keeps own-time outliers of a busy group only inside runs of slow requests (slow runs)', () => {
    expect([RUN_LENGTH, RUN_MIN_GROUP]).toEqual([30, 100]);
    const n = 150;
    const judge = (values: number[], ownTime = true, slowRuns = true) => {
      const rowBits = Uint8Array.from(values, (v) => (v >= 50 ? 2 : 0));
      const keyBits = Uint8Array.from([2]);
      keepBodyShifted(Array(values.length).fill(0), Array(values.length).fill(1), offsets(values.length), starts(values.length), [{ bit: 2, values, baselineMedianUs: () => 5, ownTime }], rowBits, keyBits, slowRuns);
      return { kept: [...rowBits.keys()].filter((i) => rowBits[i]), key: keyBits[0] };
    };
    // A saturated queue: every 8th request found the resource free (1, below the baseline median 5),
    // the rest waited (10, every 10th of them long enough to be an outlier at 60). The lower quartile
    // is 10 > 5, so the quartile alone keeps them; no run of slow requests is longer than 7.
    const queue = Array.from({ length: n }, (_, i) => (i % 8 === 0 ? 1 : i % 10 === 5 ? 60 : 10));
    expect(judge(queue)).toEqual({ kept: [], key: 0 });
    expect(judge(queue, true, false).kept.length).toBe(queue.filter((v) => v >= 50).length);
    // The same values as a client–server gap are judged by the quartile alone.
    expect(judge(queue, false).kept.length).toBe(queue.filter((v) => v >= 50).length);
    // A fault from row 40 on: 110 requests in a row at 20 (outliers at 60). Before it the requests
    // are as in the baseline (1–9) and one load-driven outlier at row 10 sits between fast ones.
    const fault = Array.from({ length: n }, (_, i) => (i < 40 ? (i === 10 ? 60 : i % 2 ? 1 : 9) : i % 10 === 5 ? 60 : 20));
    const { kept } = judge(fault);
    expect(kept).toEqual(fault.map((v, i) => (v >= 50 && i >= 40 ? i : -1)).filter((i) => i >= 0));
    // A run one short of RUN_LENGTH (rows 40–68 slow, then a fast one) is not enough; one of
    // RUN_LENGTH is.
    const short = Array.from({ length: n }, (_, i) => (i >= 40 && i < 40 + RUN_LENGTH - 1 ? (i === 50 ? 60 : 20) : 1));
    expect(judge(short).kept).toEqual([]);
    const exact = Array.from({ length: n }, (_, i) => (i >= 40 && i < 40 + RUN_LENGTH ? (i === 50 ? 60 : 20) : 1));
    expect(judge(exact).kept).toEqual([50]);
    // A group under RUN_MIN_GROUP values: the quartile alone decides (the queue's short runs pass).
    const small = queue.slice(0, RUN_MIN_GROUP - 1);
    expect(judge(small).kept.length).toBe(small.filter((v) => v >= 50).length);
  });

  it('calls a window busier only beyond the counting noise of the two trace counts', () => {
    // ln(1.1) = 0.095 < 3·√(1/500 + 1/1500) = 0.155; ln(1.3) = 0.262 > 0.155.
    expect(isLoadStep(1.1, 500, 1500, 3)).toBe(false);
    expect(isLoadStep(1.3, 500, 1500, 3)).toBe(true);
    expect(isLoadStep(0.5, 500, 1500, 3)).toBe(false);
    expect(isLoadStep(2, 0, 1500, 3)).toBe(false);
  });

  it('drops an operation whose tail alone grew in a busier window, and keeps one pod slowed as a whole', () => {
    const baseline = normalTraces(400, 0, 1);
    const W0 = 10_000_000_000;
    // Window: mid's own time is normal (2.4–3.6 ms) except every 5th trace, which waited 20 ms on
    // mid-0 (a queue's tail); every 3rd trace runs on mid-1, slowed by 15 ms as a whole.
    const window = normalTraces(400, W0, 7000).map((t, i) => {
      if (i % 3 === 0) return threeTier(traceIdOf(90_000 + i), W0 + i * 1_000_000, { front: 22_000, mid: 20_000, db: 2000 }, { instance: 'mid-1' });
      if (i % 5 === 0) return threeTier(traceIdOf(90_000 + i), W0 + i * 1_000_000, { front: 26_000, mid: 25_000, db: 2000 });
      return t;
    });
    const { keys, baselines, window: view } = prepare(baseline, window, { start: 0, end: 399_000_000 });
    const range = { start: W0, end: W0 + 399_000_000 };
    const selfOutliersOn = (bodyShift: boolean) => {
      const d = detectOutliers(view, range, baselines, keys, DEFAULTS, { bodyShift });
      const byInstance = new Map<number, number>();
      for (let i = 0; i < view.spanCount; i++) if (d.spanSignals[i] & SIGNAL_BIT.selfTime) byInstance.set(view.instance[i], (byInstance.get(view.instance[i]) ?? 0) + 1);
      return [...byInstance.values()].sort((a, b) => a - b);
    };
    // Without the rule both pods' slow spans are abnormal: 134 on mid-1, 53 tail waits on mid-0.
    expect(selfOutliersOn(false)).toEqual([53, 134]);
    expect(selfOutliersOn(true)).toEqual([134]);
  });
});
