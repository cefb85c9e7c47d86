/**
 * Body shift — whether a selected latency-type signal of an operation moved the body of its
 * distribution (the typical request), not only its tail, per instance the spans ran on.
 *
 * A load step and a fault both raise an operation's count of slow spans; they differ in which
 * requests they slow. By the utilisation law (U = X·S) a busier window makes a larger share of
 * requests find a pooled connection, a CPU or a lock busy, and those requests wait (longer, as the
 * queue grows); a request that finds the resource free runs as it did in the baseline. So a
 * load-driven operation keeps its lower quantiles and moves its upper ones. A fault in the
 * operation's own work (a delay, a slow pod, CPU contention, a slow network path) slows every
 * request it hits, so the whole distribution moves — the shift function of Doksum (1974), Δ(q) =
 * G⁻¹(q) − F⁻¹(q), is positive across the quantiles, not only at the top.
 *
 * Rule: a group (operation key × instance, for one signal) keeps its outliers only when the
 * group's window lower quartile exceeds the operation's baseline median: at least three quarters
 * of the group's requests are slower than the typical baseline request. Under a load step alone
 * the requests that did not wait (in M/M/1 a share 1 − ρ, more than a quarter as long as the
 * resource is not beyond 75 % busy) stay at or below the baseline's body, so the lower quartile
 * stays below its median. Per instance, because a fault on one pod of several moves that pod's
 * body and not the operation's as a whole. Within the time the group's outliers span, because an
 * incident window usually starts before the fault does (and may outlast it): the requests before
 * the first outlier are not evidence against it, while a load step's outliers are spread over
 * the whole window and are judged against all of it.
 *
 * Slow runs: the quartile rule holds while the load leaves more than a quarter of the requests
 * unqueued (ρ ≤ 0.75); a 1.3–2× load step can drive a busy pool or database beyond that, and then
 * the lower quartile moves too. What still differs is the order in time. A fault in the
 * operation's own work slows every request it hits while it lasts, so in time order its requests
 * form one unbroken run slower than the typical baseline request. A queue makes each request wait
 * independently of its neighbours (in M/M/1 a request finds the server free with probability
 * 1 − ρ whatever the previous one found), and a request that finds it free is at or below the
 * baseline median about half the time, so a load step's slow requests come in runs broken at
 * random. So in a group of at least `RUN_MIN_GROUP` window values, an own-time outlier (self-time,
 * or a leaf's latency) counts only when it lies in a run of at least `RUN_LENGTH` consecutive
 * requests of its group, in time order, all slower than the baseline median. `RUN_LENGTH` = 30:
 * at a utilisation of 0.8 (beyond the 0.75 the quartile covers) a request is at or below the median
 * with probability about (1 − 0.8)/2 = 0.1, and 30 slow ones in a row then have probability
 * 0.9³⁰ ≈ 4 %, under the 5 % of a one-sided test. Smaller groups are judged by the quartile alone:
 * with under 100 values (about three runs) a fault active over part of the window may not fill a
 * run, and so few values make few false alarms. The client–server gap is judged by the quartile
 * alone: a server span's gap mixes calls from every caller pod, and a network fault on one of
 * them delays an interleaved share of them, not a run (the waits a load step adds are the
 * caller's own time, not the gap).
 *
 * Reference: K. Doksum, "Empirical probability plots and statistical inference for nonlinear
 * models in the two-sample case", Annals of Statistics 2(2), 1974 (the shift function);
 * R. Wilcox & D. Erceg-Hurn, "Comparing two dependent groups via quantiles", J. Applied
 * Statistics 39(12), 2012 (quantile-wise comparison of groups); Denning & Buzen 1978 (utilisation
 * law); Kleinrock 1975 (M/M/1 waiting probability ρ); A. Wald & J. Wolfowitz, "On a test whether two
 * samples are from the same population", Annals of Mathematical Statistics 11(2), 1940 (the runs
 * test: a change shows as runs longer than chance gives).
 */
import { quantileSorted } from './robust-stats.js';

/** The quantile of a group's window values compared with the baseline median. */
export const BODY_QUANTILE = 0.25;

/** Consecutive requests of a group, all slower than the baseline median, an own-time outlier must lie among (slow runs). */
export const RUN_LENGTH = 30;

/** Window values a group needs before slow runs are required of its own-time outliers. */
export const RUN_MIN_GROUP = 100;

/** One latency-type signal to judge: its bit in the outlier bits, its value per row (µs, < 0: none), its baseline median per key (µs). */
export interface BodyShiftSignal {
  bit: number;
  values: ArrayLike<number>;
  baselineMedianUs: (key: number) => number;
  /** Own time of the span (self-time, a leaf's latency): judged on slow runs too. */
  ownTime?: boolean;
}

/**
 * Clears, in `rowBits` (per row: OR of outlier bits), the bit of each signal on the rows of the
 * (key, instance) groups whose body did not move, and, in `keyBits` (per key: OR of selected bits),
 * the bit of each key left with no such row. A group's body moved when its `BODY_QUANTILE` of the
 * signal exceeds the key's baseline median, taken over the group's rows with a value that lie
 * within the time its outliers span (from the start of the first trace holding one to the start
 * of the last): a fault active over part of the window is judged where it acts, while outliers
 * spread over the whole window are judged against the whole window. Rows are in trace order
 * (`traceOffset`, `traceStart` per trace). With `slowRuns`, an outlier of an `ownTime` signal in a
 * group of ≥ RUN_MIN_GROUP values is also cleared unless it lies in a run of ≥ RUN_LENGTH of the
 * group's rows, in time order, each above the key's baseline median. Only keys whose `keyBits` hold
 * a signal's bit are judged on it: one pass over the rows plus a sort of the selected keys' values.
 */
export function keepBodyShifted(
  key: ArrayLike<number>,
  instance: ArrayLike<number>,
  traceOffset: ArrayLike<number>,
  traceStart: ArrayLike<number>,
  signals: readonly BodyShiftSignal[],
  rowBits: Uint8Array,
  keyBits: Uint8Array,
  slowRuns = true,
): void {
  let mask = 0;
  for (const s of signals) mask |= s.bit;
  // Per group (key · signals + signal, instance): its rows' values and start times, and the time
  // range of its outliers.
  interface Group {
    values: number[];
    times: number[];
    rows: number[];
    first: number;
    last: number;
  }
  const groups = new Map<number, Map<number, Group>>();
  const flaggedRows: number[] = [];
  for (let t = 0; t + 1 < traceOffset.length; t++) {
    const time = traceStart[t];
    for (let i = traceOffset[t]; i < traceOffset[t + 1]; i++) {
      const k = key[i];
      const judged = keyBits[k] & mask;
      if (!judged) continue;
      if (rowBits[i] & judged) flaggedRows.push(i);
      for (let j = 0; j < signals.length; j++) {
        const s = signals[j];
        if (!(judged & s.bit) || s.values[i] < 0) continue;
        const g = k * signals.length + j;
        let byInstance = groups.get(g);
        if (!byInstance) groups.set(g, (byInstance = new Map()));
        let group = byInstance.get(instance[i]);
        if (!group) byInstance.set(instance[i], (group = { values: [], times: [], rows: [], first: Infinity, last: -Infinity }));
        group.values.push(s.values[i]);
        group.times.push(time);
        group.rows.push(i);
        if (rowBits[i] & s.bit) {
          group.first = Math.min(group.first, time);
          group.last = Math.max(group.last, time);
        }
      }
    }
  }
  const moved = new Map<number, Set<number>>();
  // Per row: OR of the bits of signals whose slow-run test the row fails.
  const broken = new Uint8Array(rowBits.length);
  for (const [g, byInstance] of groups) {
    const signal = signals[g % signals.length];
    const median = signal.baselineMedianUs(Math.floor(g / signals.length));
    const set = new Set<number>();
    for (const [inst, group] of byInstance) {
      if (group.first > group.last) continue;
      const during = group.values.filter((_, n) => group.times[n] >= group.first && group.times[n] <= group.last).sort((a, b) => a - b);
      if (quantileSorted(during, BODY_QUANTILE) > median) set.add(inst);
      if (slowRuns && signal.ownTime && group.values.length >= RUN_MIN_GROUP) markShortRuns(group, median, signal.bit, broken);
    }
    moved.set(g, set);
  }
  const kept = new Map<number, number>(); // key → OR of bits kept on some row
  for (const i of flaggedRows) {
    const k = key[i];
    for (let j = 0; j < signals.length; j++) {
      const bit = signals[j].bit;
      if (!(rowBits[i] & keyBits[k] & bit)) continue;
      if (moved.get(k * signals.length + j)?.has(instance[i]) && !(broken[i] & bit)) kept.set(k, (kept.get(k) ?? 0) | bit);
      else rowBits[i] &= ~bit;
    }
  }
  for (let k = 0; k < keyBits.length; k++) {
    if (keyBits[k] & mask) keyBits[k] &= ~(mask & ~(kept.get(k) ?? 0));
  }
}

/**
 * Sets `bit` in `broken` on the rows of a group (values, start times, row numbers) that lie outside
 * every run of ≥ RUN_LENGTH rows, in time order (ties in row order), each above `median`.
 */
function markShortRuns(group: { values: number[]; times: number[]; rows: number[] }, median: number, bit: number, broken: Uint8Array): void {
  const order = group.times.map((_, n) => n).sort((a, b) => group.times[a] - group.times[b] || a - b);
  let a = 0;
  while (a < order.length) {
    let b = a;
    while (b < order.length && group.values[order[b]] > median) b++;
    // order[a … b) is a run above the median (empty when order[a] is not above it).
    if (b - a < RUN_LENGTH) for (let m = a; m < Math.max(b, a + 1); m++) broken[group.rows[order[m]]] |= bit;
    a = Math.max(b, a + 1);
  }
}
