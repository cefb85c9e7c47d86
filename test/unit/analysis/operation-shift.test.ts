import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/analysis/outlier-detection.js';
import { operationShifts } from '../../../src/analysis/operation-shift.js';
import { Random } from '../../../src/workload/random.js';
import { prepare, trace, traceIdOf } from './fixtures.js';

/** One-span traces of `service` whose own times (µs) come from `draw`. */
function spans(seed: number, n: number, t0: number, service: string, draw: (rnd: Random) => number) {
  const rnd = new Random(seed);
  return Array.from({ length: n }, (_, i) => trace([{ id: 's', service, operation: 'Op', kind: 'server', start: t0 + i * 1_000_000, duration: Math.round(draw(rnd)) }], traceIdOf(seed * 10_000 + i)));
}

const gauss = (rnd: Random) => Math.sqrt(-2 * Math.log(1 - rnd.next())) * Math.cos(2 * Math.PI * rnd.next());
/** Log-normal own work of median `m` µs and log-σ `s`. */
const logNormal = (m: number, s: number) => (rnd: Random) => m * Math.exp(s * gauss(rnd));
/** Own work plus an M/M/1 connection wait: with probability ρ an exponential wait of mean S/(1 − ρ). */
const queued = (m: number, rho: number, S: number) => (rnd: Random) => logNormal(m, 0.2)(rnd) + (rnd.next() < rho ? (-Math.log(1 - rnd.next()) * S) / (1 - rho) : 0);

const W0 = 10_000_000_000;
const baseRange = { start: 0, end: 900_000_000 };

function shifts(baseline: ReturnType<typeof spans>, window: ReturnType<typeof spans>, load: number) {
  const { keys, baselines, window: view } = prepare(baseline, window, baseRange);
  const r = operationShifts(view, baselines, keys.size, load, DEFAULTS);
  return r.findings.map((f) => ({ ...f, service: keys.key(f.key).service }));
}

describe('analysis/operation-shift', () => {
  it('finds a 50 ms fault on a service with 60 baseline and 38 window spans whose wide baseline hides each value', () => {
    // Own time: median 17 ms, log-σ 0.6 (the spread of a 60-value baseline with pauses); +50 ms in the window at 1.9× the load.
    const found = shifts(spans(1, 60, 0, 'fraud', logNormal(17_000, 0.6)), spans(2, 38, W0, 'fraud', (r) => logNormal(17_000, 0.6)(r) + 50_000), 1.9);
    expect(found).toHaveLength(1);
    expect(found[0].service).toBe('fraud');
    expect(found[0].z).toBeGreaterThan(3);
    // ln(67 / ~25 ms): the window's median over the baseline quantile 1 − 1/(2·1.9) = 0.74.
    expect(found[0].shift).toBeGreaterThan(0.6);
    expect(found[0].shift).toBeLessThan(1.4);
    expect(found[0].score).toBeCloseTo(found[0].sign * found[0].shift, 12);
  });

  it('finds nothing in a connection wait that grew with a doubled load only (ρ 0.3 → 0.6, waits S/(1 − ρ))', () => {
    // 400 spans each side: own work 3 ms, a database of 5 ms service time at ρ 0.3 in the baseline and 0.6 in the window.
    const base = spans(3, 400, 0, 'db-caller', queued(3000, 0.3, 5000));
    const win = spans(4, 400, W0, 'db-caller', queued(3000, 0.6, 5000));
    expect(shifts(base, win, 2)).toEqual([]);
    // At the baseline's load the same window is a shift: the load expectation is what excuses it.
    expect(shifts(base, win, 1).map((f) => f.service)).toEqual(['db-caller']);
  });

  it('ignores a significant move smaller than the detection minimum shift (1 ms)', () => {
    // 2000 spans of a 2 ms handler, 20 % slower: z is large, the move 0.4 ms.
    const found = shifts(spans(5, 2000, 0, 'tiny', logNormal(2000, 0.1)), spans(6, 2000, W0, 'tiny', logNormal(2400, 0.1)), 1);
    expect(found).toEqual([]);
  });

  it('leaves out ties: an operation whose own time is 0 on both sides is no test and no finding', () => {
    expect(shifts(spans(7, 50, 0, 'zero', () => 0), spans(8, 50, W0, 'zero', () => 0), 1)).toEqual([]);
  });

  it('rejects a load ratio that is not a positive number', () => {
    const { keys, baselines, window } = prepare(spans(9, 5, 0, 'a', () => 1000), spans(10, 5, W0, 'a', () => 1000), baseRange);
    expect(() => operationShifts(window, baselines, keys.size, 0, DEFAULTS)).toThrow(/^analysis\/operation-shift: load ratio/);
  });
});
