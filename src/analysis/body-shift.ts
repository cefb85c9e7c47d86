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
 * body and not the operation's as a whole.
 *
 * Reference: K. Doksum, "Empirical probability plots and statistical inference for nonlinear
 * models in the two-sample case", Annals of Statistics 2(2), 1974 (the shift function);
 * R. Wilcox & D. Erceg-Hurn, "Comparing two dependent groups via quantiles", J. Applied
 * Statistics 39(12), 2012 (quantile-wise comparison of groups); Denning & Buzen 1978 (utilisation
 * law); Kleinrock 1975 (M/M/1 waiting probability ρ).
 */
import { quantileSorted } from './robust-stats.js';

/** The quantile of a group's window values compared with the baseline median. */
export const BODY_QUANTILE = 0.25;

/**
 * For the rows flagged in `flagged` (one signal's outlier bit), groups them by (key, instance) and
 * returns, per group, whether its window `BODY_QUANTILE` of `values` (µs, over every row of the
 * group, flagged or not) exceeds `baselineMedianUs(key)`. Only keys with a flagged row are grouped.
 * Rows with `values[i] < 0` carry no value of the signal and are skipped.
 * Returns the rows whose flag survives: 1 kept, 0 dropped.
 */
export function bodyShiftedRows(
  key: ArrayLike<number>,
  instance: ArrayLike<number>,
  values: ArrayLike<number>,
  flagged: (row: number) => boolean,
  candidateKey: (k: number) => boolean,
  baselineMedianUs: (k: number) => number,
): Uint8Array {
  const rows = key.length;
  const groups = new Map<number, Map<number, number[]>>();
  for (let i = 0; i < rows; i++) {
    const k = key[i];
    if (!candidateKey(k) || values[i] < 0) continue;
    let byInstance = groups.get(k);
    if (!byInstance) groups.set(k, (byInstance = new Map()));
    const inst = instance[i];
    let list = byInstance.get(inst);
    if (!list) byInstance.set(inst, (list = []));
    list.push(values[i]);
  }
  const moved = new Map<number, Set<number>>();
  for (const [k, byInstance] of groups) {
    const median = baselineMedianUs(k);
    const set = new Set<number>();
    for (const [inst, list] of byInstance) {
      list.sort((a, b) => a - b);
      if (quantileSorted(list, BODY_QUANTILE) > median) set.add(inst);
    }
    moved.set(k, set);
  }
  const keep = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    if (!flagged(i)) continue;
    const set = moved.get(key[i]);
    keep[i] = set && set.has(instance[i]) ? 1 : 0;
  }
  return keep;
}
