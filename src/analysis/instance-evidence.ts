/**
 * Instance evidence — one bad instance (pod, host) among several of the same service: an instance
 * whose values are higher than its sibling instances' for the same operation in the incident
 * window, by more than they already were in the baseline.
 *
 * Why: a fault on one pod of three (CPU contention, a one-pod delay, a pod's network) moves only a
 * third of the operation's spans, often too little for the per-operation outlier test, while a load
 * step moves every instance alike. Instances of one operation in one window share the code, the
 * load balancer's traffic mix and the downstream systems, so comparing an instance with its siblings
 * cancels what is common to them — the window's load, a slow shared database — and comparing the
 * instance–sibling difference with the same difference in the baseline (difference in differences)
 * cancels what is permanent about the instance (an older node, another zone).
 *
 * Tests, per operation key with ≥ 2 instances in the window, each on log(1 + µs):
 * - `selfTime` of the instance's spans (CPU contention, a slow pod);
 * - `gap` of calls into the instance (its server spans' client–server gap: the pod's network on
 *   the way back, its accept queue);
 * - `callerGap` of calls out of the instance (the gap of the server spans its client spans called,
 *   grouped by the client operation: the pod's network on the way out).
 * Significance: one-sided Mann–Whitney U of the instance against its pooled siblings in the window
 * (normal approximation, without the tie correction, which only lowers z), at the detection's
 * `selectionZ` made family-wise over all the instance tests of the run (Bonferroni: each test at
 * the tail probability of `selectionZ` divided by the number of tests).
 * Effect: Cliff's δ (2·U/(n₁n₂) − 1, how consistently the instance is slower) and the difference of
 * medians (natural log, the scale of span-severity.ts), each taken in the window minus in the
 * baseline (0 for a side without baseline values), floored at 0, δ capped at 1. The score is δ × shift:
 * an association in [0, 1] times a log ratio, as the ranking's spectrum × severity.
 *
 * Reference: peer comparison of homogeneous nodes, Kasick, Tan, Gandhi, Narasimhan, "Black-box
 * problem diagnosis in parallel file systems" (FAST 2010); Mann & Whitney (1947); Cliff, "Dominance
 * statistics" (Psychological Bulletin 1993); difference in differences, Card & Krueger (AER 1994);
 * Bonferroni correction (Dunn 1961).
 */
import { AnalysisInputError } from '../model/index.js';
import { dominance, familyWiseZ, mannWhitneyZ } from './rank-tests.js';
import { quantileSorted, StrideSample } from './robust-stats.js';
import type { TraceSummary } from './span-tree.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS = {
  /** Baseline values kept per (operation, signal, instance); as baselines.ts per (operation, signal). */
  sampleSize: 2048,
};

export type InstanceSignal = 'selfTime' | 'gap' | 'callerGap';
const SIGNALS: readonly InstanceSignal[] = ['selfTime', 'gap', 'callerGap'];

/** Per test group (operation key · 3 + signal index): per instance id, ascending log(1 + µs) values. */
export type InstanceBaselines = ReadonlyMap<number, ReadonlyMap<number, Float64Array>>;

/** One instance significantly slower than its siblings, beyond its baseline difference. */
export interface InstanceFinding {
  /** Operation key id (OperationKeys) whose spans were compared: for `callerGap`, the client operation. */
  key: number;
  signal: InstanceSignal;
  /** Instance name id (OperationKeys.name). */
  instance: number;
  /** The instance's values in the window, and its siblings'. */
  n: number;
  siblings: number;
  /** Mann–Whitney z in the window. */
  z: number;
  /** Cliff's δ window − baseline, in [0, 1]. */
  delta: number;
  /** Median log difference to the siblings, window − baseline, ≥ 0. */
  shift: number;
  score: number;
}

/** The values of one span row that go into the tests: calls `emit(group, instance, value)`. */
function forEachValue(
  n: number,
  key: ArrayLike<number>,
  parent: ArrayLike<number>,
  selfTime: ArrayLike<number>,
  gap: ArrayLike<number>,
  instance: ArrayLike<number>,
  emit: (group: number, instance: number, logValue: number) => void,
): void {
  for (let i = 0; i < n; i++) {
    const inst = instance[i];
    if (inst >= 0) emit(key[i] * 3, inst, Math.log1p(selfTime[i]));
    if (gap[i] < 0) continue;
    const g = Math.log1p(gap[i]);
    if (inst >= 0) emit(key[i] * 3 + 1, inst, g);
    const p = parent[i];
    if (p >= 0 && instance[p] >= 0) emit(key[p] * 3 + 2, instance[p], g);
  }
}

/** Bounded per-instance samples of the baseline window (summaries need their instances). */
export class InstanceBaselineBuilder {
  /** (group · 2^24 + instance id) → sample: one map lookup per value. */
  private readonly samples = new Map<number, StrideSample>();
  private readonly sampleSize: number;
  private readonly emit = (group: number, inst: number, v: number): void => {
    if (inst >= INSTANCE_SPACE) return;
    const id = group * INSTANCE_SPACE + inst;
    let s = this.samples.get(id);
    if (!s) this.samples.set(id, (s = new StrideSample(this.sampleSize)));
    s.add(v);
  };

  constructor(options: { sampleSize?: number } = {}) {
    this.sampleSize = options.sampleSize ?? DEFAULTS.sampleSize;
    if (!Number.isInteger(this.sampleSize) || this.sampleSize < 2) throw new AnalysisInputError(`analysis/instance-evidence: sampleSize must be an integer ≥ 2, got ${options.sampleSize}`);
  }

  add(t: TraceSummary): void {
    forEachValue(t.key.length, t.key, t.parent, t.selfTime, t.gap, t.instance, this.emit);
  }

  finish(): InstanceBaselines {
    const out = new Map<number, Map<number, Float64Array>>();
    for (const [id, s] of this.samples) {
      const group = Math.floor(id / INSTANCE_SPACE);
      let m = out.get(group);
      if (!m) out.set(group, (m = new Map()));
      m.set(id % INSTANCE_SPACE, s.sorted());
    }
    for (const [group, m] of out) if (m.size < 2) out.delete(group);
    return out;
  }
}

/** Instance ids are below this (name ids of one run); group · INSTANCE_SPACE + instance stays an exact integer. */
const INSTANCE_SPACE = 2 ** 24;

/**
 * Instances slower than their siblings (see the header), best score first. `selectionZ`: the
 * one-test z the family of tests is held to.
 */
export function instanceEvidence(view: TraceColumnsView, baselines: InstanceBaselines, selectionZ: number): InstanceFinding[] {
  if (!(selectionZ >= 0)) throw new AnalysisInputError(`analysis/instance-evidence: selectionZ must be ≥ 0, got ${selectionZ}`);
  // Entries (group, instance, value), grouped by group with a counting sort.
  const groupIndex = new Map<number, number>();
  const groupIds: number[] = [];
  const counts: number[] = [];
  let total = 0;
  forEachValue(view.spanCount, view.key, view.parent, view.selfTime, view.gap, view.instance, (group) => {
    let g = groupIndex.get(group);
    if (g === undefined) {
      groupIndex.set(group, (g = groupIds.length));
      groupIds.push(group);
      counts.push(0);
    }
    counts[g]++;
    total++;
  });
  const start = new Int32Array(groupIds.length + 1);
  for (let g = 0; g < groupIds.length; g++) start[g + 1] = start[g] + counts[g];
  const fill = start.slice(0, groupIds.length);
  const inst = new Int32Array(total);
  const value = new Float64Array(total);
  forEachValue(view.spanCount, view.key, view.parent, view.selfTime, view.gap, view.instance, (group, instance, v) => {
    const p = fill[groupIndex.get(group)!]++;
    inst[p] = instance;
    value[p] = v;
  });

  const candidates: Array<{ group: number; instance: number; mine: Float64Array; others: Float64Array[]; n: number; siblings: number; u: number; z: number }> = [];
  let tests = 0;
  for (let g = 0; g < groupIds.length; g++) {
    const a = start[g];
    const b = start[g + 1];
    const byInstance = splitByInstance(inst, value, a, b);
    if (byInstance.size < 2) continue;
    const lists = [...byInstance];
    for (const [instance, mine] of lists) {
      const others = lists.filter(([i]) => i !== instance).map(([, v]) => v);
      const n = mine.length;
      const siblings = b - a - n;
      let u = 0;
      for (const o of others) u += dominance(mine, o);
      tests++;
      const z = mannWhitneyZ(u, n, siblings);
      if (z > selectionZ) candidates.push({ group: groupIds[g], instance, mine, others, n, siblings, u, z });
    }
  }
  const zCritical = familyWiseZ(selectionZ, tests);
  const out: InstanceFinding[] = [];
  for (const c of candidates) {
    if (!(c.z > zCritical)) continue;
    const deltaWindow = (2 * c.u) / (c.n * c.siblings) - 1;
    const shiftWindow = quantileSorted(c.mine, 0.5) - quantileSorted(merged(c.others), 0.5);
    let deltaBase = 0;
    let shiftBase = 0;
    const base = baselines.get(c.group);
    const mineBase = base?.get(c.instance);
    if (base && mineBase && mineBase.length > 0) {
      const othersBase = [...base].filter(([i]) => i !== c.instance).map(([, v]) => v);
      const nb = othersBase.reduce((s, v) => s + v.length, 0);
      if (nb > 0) {
        let ub = 0;
        for (const o of othersBase) ub += dominance(mineBase, o);
        deltaBase = (2 * ub) / (mineBase.length * nb) - 1;
        shiftBase = quantileSorted(mineBase, 0.5) - quantileSorted(merged(othersBase), 0.5);
      }
    }
    const delta = Math.min(1, Math.max(0, deltaWindow - deltaBase));
    const shift = Math.max(0, shiftWindow - shiftBase);
    if (!(delta * shift > 0)) continue;
    out.push({ key: Math.floor(c.group / 3), signal: SIGNALS[c.group % 3], instance: c.instance, n: c.n, siblings: c.siblings, z: c.z, delta, shift, score: delta * shift });
  }
  return out.sort((x, y) => y.score - x.score || x.key - y.key || x.instance - y.instance);
}

/** Per instance id, its values in [a, b), ascending (a group has few instances: linear lookups). */
function splitByInstance(inst: Int32Array, value: Float64Array, a: number, b: number): Map<number, Float64Array> {
  const ids: number[] = [];
  const counts: number[] = [];
  const local = new Int32Array(b - a);
  for (let i = a; i < b; i++) {
    let j = ids.indexOf(inst[i]);
    if (j < 0) {
      j = ids.length;
      ids.push(inst[i]);
      counts.push(0);
    }
    counts[j]++;
    local[i - a] = j;
  }
  const out = new Map<number, Float64Array>();
  if (ids.length < 2) return out;
  const lists = counts.map((c) => new Float64Array(c));
  const pos = new Int32Array(ids.length);
  for (let i = a; i < b; i++) {
    const j = local[i - a];
    lists[j][pos[j]++] = value[i];
  }
  ids.forEach((id, j) => out.set(id, lists[j].sort()));
  return out;
}

function merged(lists: Float64Array[]): Float64Array {
  const out = new Float64Array(lists.reduce((s, v) => s + v.length, 0));
  let p = 0;
  for (const v of lists) {
    out.set(v, p);
    p += v.length;
  }
  return out.sort();
}
