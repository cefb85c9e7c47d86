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

/** One latency-type signal to judge: its bit in the outlier bits, its value per row (µs, < 0: none), its baseline median per key (µs). */
export interface BodyShiftSignal {
  bit: number;
  values: ArrayLike<number>;
  baselineMedianUs: (key: number) => number;
}

/**
 * Clears, in `rowBits` (per row: OR of outlier bits), the bit of each signal on the rows of the
 * (key, instance) groups whose body did not move — the group's window `BODY_QUANTILE` of the
 * signal, over every row of the group with a value, not above the key's baseline median — and, in
 * `keyBits` (per key: OR of selected bits), the bit of each key left with no such row. Only keys
 * whose `keyBits` hold a signal's bit are judged on it, so the cost is one pass over the rows plus
 * a sort of the selected keys' values.
 */
export function keepBodyShifted(key: ArrayLike<number>, instance: ArrayLike<number>, signals: readonly BodyShiftSignal[], rowBits: Uint8Array, keyBits: Uint8Array): void {
  let mask = 0;
  for (const s of signals) mask |= s.bit;
  // Per (key, signal): values per instance; and the rows carrying a judged bit.
  const groups = new Map<number, Map<number, number[]>>();
  const flaggedRows: number[] = [];
  for (let i = 0; i < key.length; i++) {
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
      let list = byInstance.get(instance[i]);
      if (!list) byInstance.set(instance[i], (list = []));
      list.push(s.values[i]);
    }
  }
  const moved = new Map<number, Set<number>>();
  for (const [g, byInstance] of groups) {
    const median = signals[g % signals.length].baselineMedianUs(Math.floor(g / signals.length));
    const set = new Set<number>();
    for (const [inst, list] of byInstance) {
      list.sort((a, b) => a - b);
      if (quantileSorted(list, BODY_QUANTILE) > median) set.add(inst);
    }
    moved.set(g, set);
  }
  const kept = new Map<number, number>(); // key → OR of bits kept on some row
  for (const i of flaggedRows) {
    const k = key[i];
    for (let j = 0; j < signals.length; j++) {
      const bit = signals[j].bit;
      if (!(rowBits[i] & keyBits[k] & bit)) continue;
      if (moved.get(k * signals.length + j)?.has(instance[i])) kept.set(k, (kept.get(k) ?? 0) | bit);
      else rowBits[i] &= ~bit;
    }
  }
  for (let k = 0; k < keyBits.length; k++) {
    if (keyBits[k] & mask) keyBits[k] &= ~(mask & ~(kept.get(k) ?? 0));
  }
}
