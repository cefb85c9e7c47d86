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
 * Values are kept as bounded stride samples per (operation, signal, instance) on both sides
 * (baselines.ts keeps the same size per operation), so the cost does not grow with the window.
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
import { DEFAULTS as BASELINE_DEFAULTS } from './baselines.js';
import type { TraceSummary } from './span-tree.js';
import type { TraceColumnsView } from './trace-columns.js';

export const DEFAULTS = {
  /** Values kept per (operation, signal, instance); as baselines.ts per (operation, signal). */
  sampleSize: BASELINE_DEFAULTS.sampleSize,
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
  /** The instance's values in the window's sample, and its siblings'. */
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

/**
 * Bounded per-instance samples: per test group (operation key · 3 + signal) a short list of
 * (instance, stride sample) — an operation has few instances, so a linear lookup beats hashing.
 */
class InstanceSampler {
  private readonly groups: Array<Array<{ instance: number; sample: StrideSample }> | undefined> = [];
  readonly emit = (group: number, instance: number, v: number): void => {
    let list = this.groups[group];
    if (!list) this.groups[group] = list = [];
    let j = 0;
    while (j < list.length && list[j].instance !== instance) j++;
    if (j === list.length) list.push({ instance, sample: new StrideSample(this.sampleSize) });
    list[j].sample.add(v);
  };

  constructor(private readonly sampleSize: number) {
    if (!Number.isInteger(sampleSize) || sampleSize < 2) throw new AnalysisInputError(`analysis/instance-evidence: sampleSize must be an integer ≥ 2, got ${sampleSize}`);
  }

  /** Groups with ≥ 2 instances: per instance id, the ascending sample. */
  finish(): InstanceBaselines {
    const out = new Map<number, Map<number, Float64Array>>();
    this.groups.forEach((list, group) => {
      if (!list || list.length < 2) return;
      out.set(group, new Map(list.map((e) => [e.instance, e.sample.sorted()])));
    });
    return out;
  }
}

/** Bounded per-instance samples of the baseline window (summaries need their instances). */
export class InstanceBaselineBuilder {
  private readonly sampler: InstanceSampler;

  constructor(options: { sampleSize?: number } = {}) {
    this.sampler = new InstanceSampler(options.sampleSize ?? DEFAULTS.sampleSize);
  }

  add(t: TraceSummary): void {
    forEachValue(t.key.length, t.key, t.parent, t.selfTime, t.gap, t.instance, this.sampler.emit);
  }

  finish(): InstanceBaselines {
    return this.sampler.finish();
  }
}

/**
 * Instances slower than their siblings (see the header), best score first. `selectionZ`: the
 * one-test z the family of tests is held to. The window's values are sampled as the baseline's
 * (`sampleSize` per operation, signal and instance, spread evenly over the window), which bounds
 * the cost; the tests use the sample sizes, so a capped sample only makes z more conservative.
 */
export function instanceEvidence(view: TraceColumnsView, baselines: InstanceBaselines, selectionZ: number, sampleSize: number = DEFAULTS.sampleSize): InstanceFinding[] {
  if (!(selectionZ >= 0)) throw new AnalysisInputError(`analysis/instance-evidence: selectionZ must be ≥ 0, got ${selectionZ}`);
  const sampler = new InstanceSampler(sampleSize);
  forEachValue(view.spanCount, view.key, view.parent, view.selfTime, view.gap, view.instance, sampler.emit);
  const windowSamples = sampler.finish();

  const candidates: Array<{ group: number; instance: number; mine: Float64Array; others: Float64Array[]; n: number; siblings: number; u: number; z: number }> = [];
  let tests = 0;
  for (const [group, byInstance] of windowSamples) {
    const lists = [...byInstance];
    const total = lists.reduce((t, [, v]) => t + v.length, 0);
    for (const [instance, mine] of lists) {
      const others = lists.filter(([i]) => i !== instance).map(([, v]) => v);
      const n = mine.length;
      const siblings = total - n;
      let u = 0;
      for (const o of others) u += dominance(mine, o);
      tests++;
      const z = mannWhitneyZ(u, n, siblings);
      if (z > selectionZ) candidates.push({ group, instance, mine, others, n, siblings, u, z });
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

function merged(lists: Float64Array[]): Float64Array {
  const out = new Float64Array(lists.reduce((s, v) => s + v.length, 0));
  let p = 0;
  for (const v of lists) {
    out.set(v, p);
    p += v.length;
  }
  return out.sort();
}
