/**
 * Evaluation cases: one seed → one labelled scenario (a baseline period, an incident window, and one
 * or two faults inside the window). The seed also picks the fault kind (kinds[seed mod 8] of the
 * profile), so a case is reproducible on its own and any 8 consecutive seeds cover every kind.
 *
 * Profiles: `clean` — steady services and large faults (60–500 ms, CPU ×3–10), the generator's
 * original cases. `realistic` — the noise of realism.ts (pauses, load-following database waits,
 * background errors, a 1.3–2× busier incident window) and faults of the size real incidents and
 * fault-injection benchmarks have: delays of 10–100 ms (log-uniform: the TrainTicket and Online
 * Boutique injections are 10s to 100s of ms, and services' own p99s are tens of ms), network delay
 * on one pod seen only by callers, CPU contention ×2–5 on one pod (a co-located CPU hog roughly
 * doubles to quintuples run-queue time), code faults that fail some calls of one operation without
 * changing latency, slow databases adding 10–100 ms, and faults on services few traces reach.
 *
 * Seed ranges: DEVELOPMENT seeds (1 … 999,999) are for looking at failures and tuning; HELD_OUT seeds
 * (1,000,000 and up) are only for reporting, never for tuning.
 */
import type { FaultSpec } from './faults.js';
import type { Realism, WorkloadProfile } from './realism.js';
import { realismFor, surgeFor } from './realism.js';
import { generateWorkload } from './workload.js';
import { deriveSeed, Random } from './random.js';
import type { Topology } from './topology.js';
import { callersOfDatabase } from './topology.js';

/** The clean profile's kinds. */
export const EVAL_CASE_KINDS = ['latency-service', 'latency-operation', 'latency-instance', 'error', 'db-slow', 'cpu', 'partial', 'multi'] as const;
export const REALISTIC_CASE_KINDS = ['latency-service', 'latency-instance', 'network', 'cpu-instance', 'code-error', 'db-slow', 'low-traffic', 'multi'] as const;
export type EvalCaseKind = (typeof EVAL_CASE_KINDS)[number] | (typeof REALISTIC_CASE_KINDS)[number];

export const HELD_OUT_SEED_BASE = 1_000_000;

export function caseKinds(profile: WorkloadProfile): readonly EvalCaseKind[] {
  return profile === 'realistic' ? REALISTIC_CASE_KINDS : EVAL_CASE_KINDS;
}

export function evalCaseKind(seed: number, profile: WorkloadProfile = 'clean'): EvalCaseKind {
  const kinds = caseKinds(profile);
  return kinds[seed % kinds.length];
}

export interface EvalCaseSizing {
  /** Baseline length, µs. */
  baselineUs: number;
  /** Incident window length, µs. */
  windowUs: number;
  /** Mean traces per second. */
  rate: number;
}

export const EVAL_SIZING: EvalCaseSizing = { baselineUs: 15 * 60_000_000, windowUs: 6 * 60_000_000, rate: 1.5 };

export interface EvalCase {
  seed: number;
  kind: EvalCaseKind;
  /** µs: the generated period is [start, windowEnd); the baseline [start, windowStart). */
  start: number;
  windowStart: number;
  windowEnd: number;
  rate: number;
  faults: FaultSpec[];
  /** The case's system: the given topology with per-case jitter of every latency (see perturbTopology). */
  topology: Topology;
  profile: WorkloadProfile;
  /** Realistic profile: its noise model, with the load surge over the incident window. */
  realism?: Realism;
}

/** Share of traces a target must appear in to be chosen, so a fault has enough traces to show in. */
const MIN_TARGET_SHARE = 0.06;
/**
 * Realistic low-traffic targets: services reached by [2 %, 6 %) of traces — at eval's rate a few
 * dozen traces in the window, like the rarely called services faults also land on in real systems.
 */
const LOW_TRAFFIC_SHARE = 0.02;
const MINUTE = 60_000_000;
const EPOCH_2026_03_02 = Date.UTC(2026, 2, 2) * 1000;

export function makeEvalCase(base: Topology, seed: number, kind: EvalCaseKind, sizing: EvalCaseSizing = EVAL_SIZING, profile: WorkloadProfile = 'clean'): EvalCase {
  const rnd = new Random(deriveSeed(seed, 0xca5e));
  const topology = perturbTopology(base, seed);
  const start = EPOCH_2026_03_02 + rnd.int(24) * 60 * MINUTE + rnd.int(60) * MINUTE;
  const windowStart = start + sizing.baselineUs;
  const windowEnd = windowStart + sizing.windowUs;
  const faultStart = windowStart + Math.round(sizing.windowUs * (0.1 + 0.15 * rnd.next()));
  const faultEnd = windowEnd - Math.round(sizing.windowUs * 0.15 * rnd.next());
  const coverage = targetCoverage(topology, seed);
  const window = { start: faultStart, end: faultEnd };
  const faults: FaultSpec[] = [];
  if (profile === 'realistic') {
    faults.push(...realisticFaults(rnd, topology, coverage, kind, window));
    const realism = realismFor(topology, seed, surgeFor(seed, windowStart, windowEnd));
    return { seed, kind, start, windowStart, windowEnd, rate: sizing.rate, faults, topology, profile, realism };
  }
  if (kind === 'multi') {
    const first = singleFault(rnd, topology, coverage, rnd.pick(['latency', 'error', 'cpu', 'db-slow'] as const), window, []);
    const second = singleFault(rnd, topology, coverage, rnd.pick(['latency', 'error', 'cpu', 'db-slow'] as const), window, [first]);
    faults.push(first, second);
  } else if (kind === 'partial') {
    const f = singleFault(rnd, topology, coverage, rnd.pick(['latency', 'error', 'cpu'] as const), window, []);
    f.fraction = round2(0.25 + 0.25 * rnd.next());
    faults.push(f);
  } else {
    const type = kind.startsWith('latency') ? 'latency' : (kind as 'error' | 'db-slow' | 'cpu');
    const scope = kind === 'latency-operation' ? 'operation' : kind === 'latency-instance' ? 'instance' : 'service';
    faults.push(singleFault(rnd, topology, coverage, type, window, [], scope));
  }
  return { seed, kind, start, windowStart, windowEnd, rate: sizing.rate, faults, topology, profile };
}

/** Fault sizes of the realistic profile (see the header for why). */
const REALISTIC_SIZES: FaultSizes = {
  delayMs: (rnd) => Math.round(logUniform(rnd, 10, 100)),
  cpuFactor: (rnd) => round2(2 + 3 * rnd.next()),
  errorFraction: (rnd) => round2(0.2 + 0.8 * rnd.next()),
  dbFactor: (rnd, latencyMs) => round2(1 + logUniform(rnd, 10, 100) / latencyMs),
};

/** The one fault of each single-fault realistic kind: its type and what it targets. */
const REALISTIC_SINGLE: Partial<Record<EvalCaseKind, [FaultSpec['type'], FaultScope]>> = {
  'latency-service': ['latency', 'service'],
  'latency-instance': ['latency', 'instance'],
  network: ['network', 'instance'],
  'cpu-instance': ['cpu', 'instance'],
  'code-error': ['error', 'operation'],
  'db-slow': ['db-slow', 'service'],
  'low-traffic': ['latency', 'low-traffic'],
};

function realisticFaults(rnd: Random, topology: Topology, coverage: Coverage, kind: EvalCaseKind, window: { start: number; end: number }): FaultSpec[] {
  const one = (type: FaultSpec['type'], others: FaultSpec[], scope: FaultScope) => singleFault(rnd, topology, coverage, type, window, others, scope, REALISTIC_SIZES);
  const single = REALISTIC_SINGLE[kind];
  if (single) return [one(single[0], [], single[1])];
  if (kind !== 'multi') throw new Error(`no realistic case kind ${kind}`);
  // Two faults of the kinds above, each with its usual target (a service, a pod, or an operation).
  const scopeOf = (type: FaultSpec['type']): FaultScope => (type === 'error' ? 'operation' : type === 'latency' || type === 'db-slow' ? 'service' : 'instance');
  const types = ['latency', 'network', 'cpu', 'error', 'db-slow'] as const;
  const firstType = rnd.pick(types);
  const first = one(firstType, [], scopeOf(firstType));
  const secondType = rnd.pick(types);
  return [first, one(secondType, [first], scopeOf(secondType))];
}

function logUniform(rnd: Random, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rnd.next());
}

/**
 * A copy of the topology in which every operation's own time, every database latency and every
 * queue delay is scaled by its own factor in [0.6, 1.6] (log-uniform), and every σ by [0.8, 1.25],
 * so that cases (and the held-out seeds) are not all the same system.
 */
export function perturbTopology(topology: Topology, seed: number): Topology {
  const rnd = new Random(deriveSeed(seed, 0x9e27));
  const scale = () => Math.exp(Math.log(0.6) + (Math.log(1.6) - Math.log(0.6)) * rnd.next());
  const spread = (sigma: number) => sigma * (0.8 + 0.45 * rnd.next());
  const t = structuredClone(topology);
  for (const name of Object.keys(t.services).sort()) {
    const ops = t.services[name].operations;
    for (const op of Object.keys(ops).sort()) {
      ops[op].selfMs = round2(ops[op].selfMs * scale());
      ops[op].sigma = round2(spread(ops[op].sigma ?? 0.35));
    }
  }
  for (const name of Object.keys(t.databases).sort()) {
    t.databases[name].latencyMs = round2(t.databases[name].latencyMs * scale());
    t.databases[name].sigma = round2(spread(t.databases[name].sigma ?? 0.5));
  }
  for (const name of Object.keys(t.queues).sort()) t.queues[name].delayMs = round2(t.queues[name].delayMs * scale());
  return t;
}

interface Coverage {
  services: Map<string, number>;
  operations: Map<string, number>;
  databases: Map<string, number>;
}

/** Share of traces that reach each service, operation and database, from a fault-free sample. */
function targetCoverage(topology: Topology, seed: number): Coverage {
  const services = new Map<string, number>();
  const operations = new Map<string, number>();
  const databases = new Map<string, number>();
  const dbNames = new Set(Object.keys(topology.databases));
  let n = 0;
  for (const g of generateWorkload({ topology, seed: deriveSeed(seed, 0xc0), start: EPOCH_2026_03_02, duration: 400 * 1_000_000, rate: 1, load: 'flat' })) {
    n++;
    const seen = new Set<string>();
    for (const s of g.trace.spans) {
      const peer = s.tags.find((t) => t.key === 'peer.service');
      const kind = s.tags.find((t) => t.key === 'span.kind')?.value;
      if (peer && peer.type === 'string' && dbNames.has(peer.value)) seen.add(`d\u0000${peer.value}`);
      if (kind === 'server' || kind === 'consumer') {
        seen.add(`s\u0000${s.process.serviceName}`);
        seen.add(`o\u0000${s.process.serviceName}\u0000${s.operationName}`);
      }
    }
    for (const key of seen) {
      const [k, a, b] = key.split('\u0000');
      const map = k === 's' ? services : k === 'o' ? operations : databases;
      const name = k === 'o' ? `${a}\u0000${b}` : a;
      map.set(name, (map.get(name) ?? 0) + 1);
    }
  }
  for (const m of [services, operations, databases]) for (const [k, v] of m) m.set(k, v / Math.max(1, n));
  return { services, operations, databases };
}

function eligible(m: Map<string, number>, minShare: number, exclude: ReadonlySet<string>): string[] {
  return [...m].filter(([k, share]) => share >= minShare && !exclude.has(k)).map(([k]) => k).sort();
}

type FaultScope = 'service' | 'operation' | 'instance' | 'low-traffic';

interface FaultSizes {
  delayMs(rnd: Random): number;
  cpuFactor(rnd: Random): number;
  errorFraction(rnd: Random): number;
  /** Query latency multiplier for a database of median latency `latencyMs`. */
  dbFactor(rnd: Random, latencyMs: number): number;
}

/** Fault sizes of the clean profile: large, unmistakable faults. */
const CLEAN_SIZES: FaultSizes = {
  delayMs: (rnd) => Math.round(60 + 440 * rnd.next()),
  cpuFactor: (rnd) => round2(3 + 7 * rnd.next()),
  errorFraction: (rnd) => round2(0.5 + 0.5 * rnd.next()),
  dbFactor: (rnd, latencyMs) => round2(Math.max(5, (20 + 130 * rnd.next()) / latencyMs)),
};

function singleFault(
  rnd: Random,
  topology: Topology,
  coverage: Coverage,
  type: FaultSpec['type'],
  window: { start: number; end: number },
  others: readonly FaultSpec[],
  scope: FaultScope = 'service',
  sizes: FaultSizes = CLEAN_SIZES,
): FaultSpec {
  const usedServices = new Set(others.flatMap((f) => (f.service ? [f.service] : callersOfDatabase(topology, f.database!))));
  const usedDbs = new Set(others.flatMap((f) => (f.database ? [f.database] : [])));
  const base = { start: window.start, end: window.end, fraction: 1 };
  if (type === 'db-slow') {
    const candidates = eligible(coverage.databases, MIN_TARGET_SHARE, usedDbs).filter((d) => !callersOfDatabase(topology, d).some((s) => usedServices.has(s)));
    const database = rnd.pick(candidates);
    return { ...base, type, database, factor: sizes.dbFactor(rnd, topology.databases[database].latencyMs) };
  }
  let service: string;
  let operation: string | undefined;
  let instance: number | undefined;
  if (scope === 'operation') {
    const ops = eligible(coverage.operations, MIN_TARGET_SHARE, new Set()).filter((k) => !usedServices.has(k.split('\u0000')[0]));
    [service, operation] = rnd.pick(ops).split('\u0000');
  } else if (scope === 'low-traffic') {
    const rare = [...coverage.services].filter(([s, share]) => share >= LOW_TRAFFIC_SHARE && share < MIN_TARGET_SHARE && !usedServices.has(s)).map(([s]) => s).sort();
    service = rnd.pick(rare.length > 0 ? rare : eligible(coverage.services, LOW_TRAFFIC_SHARE, usedServices));
  } else if (scope === 'instance') {
    const services = eligible(coverage.services, MIN_TARGET_SHARE, usedServices).filter(
      (s) => topology.services[s].instances >= 2 && coverage.services.get(s)! / topology.services[s].instances >= MIN_TARGET_SHARE / 2,
    );
    service = rnd.pick(services);
    instance = rnd.int(topology.services[service].instances);
  } else {
    service = rnd.pick(eligible(coverage.services, MIN_TARGET_SHARE, usedServices));
  }
  const spec: FaultSpec = { ...base, type, service, operation, instance };
  if (type === 'latency' || type === 'network') spec.delayMs = sizes.delayMs(rnd);
  if (type === 'cpu') spec.factor = sizes.cpuFactor(rnd);
  if (type === 'error') spec.fraction = sizes.errorFraction(rnd);
  return stripUndefined(spec);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
