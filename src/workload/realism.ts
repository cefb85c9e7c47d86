/**
 * The realistic profile of the synthetic workload: the noise real systems show and the clean profile
 * lacks. Each distribution models a mechanism, not a score:
 *
 *  - Own work stays log-normal (the product of many small independent slow-downs — cache, branch,
 *    allocation — is log-normal); the real traces of ../shared/data/rca-dev show bodies of σ ≈ 0.2–0.5
 *    on log durations, which the topology's σ already gives.
 *  - Pauses: with a small probability per server span a Pareto pause (xm 5 ms, α 1.5, capped at 2 s)
 *    is added. Stop-the-world GC and CFS CPU-quota throttling stall a request for milliseconds to
 *    hundreds of milliseconds with a power-law tail; the real dev traces show p99 at 10–40× the median
 *    (e.g. Online Boutique GetProduct: median 1.8 ms, p99 43 ms, p99.9 81 ms) while their bodies are
 *    narrow, which a log-normal alone cannot produce. The rate depends on the runtime (garbage-
 *    collected runtimes pause more; Rust not at all from GC) and grows with load (more allocation
 *    and more CPU per second mean more collections and more throttled periods).
 *  - Database load: every database has a utilisation ρ₀ at the mean load, log-uniform in
 *    [0.15, 0.45] (services are provisioned with headroom). An operation that calls a database first
 *    waits for a pooled connection: an M/M/1 waiting time at ρ = ρ₀ · load (capped at 0.95) — zero with
 *    probability 1 − ρ, otherwise exponential with mean S/(1 − ρ), S the database's median latency.
 *    The wait is the caller's own time (the client span starts once a connection is checked out), so
 *    DB-heavy operations have self-times that swing with load, and a 1.3–2× load step moves them a lot.
 *  - Background errors: every operation fails at its own rate, log-uniform in [10⁻⁴, 10⁻²] per call
 *    (availability of 99–99.99 %; the TrainTicket dev traces show about 1 % HTTP 5xx in both windows).
 *  - Network: a call's request is lost and retransmitted with probability 10⁻⁴, adding Linux's minimum
 *    TCP retransmission timeout (200 ms) to the client span only.
 *  - Load: the incident window carries `surge.factor` (1.3–2 in eval) times the load of the baseline
 *    (the unshared real sets show 1.3–2×): more traces arrive, and ρ and the pause rate follow.
 */
import { deriveSeed, hashString, Random } from './random.js';
import type { Topology } from './topology.js';
import { isDatabaseCall } from './topology.js';

export const WORKLOAD_PROFILES = ['realistic', 'clean'] as const;
export type WorkloadProfile = (typeof WORKLOAD_PROFILES)[number];

/** A multiplier on the arrival rate over [start, end), µs. */
export interface LoadSurge {
  start: number;
  end: number;
  factor: number;
}

export interface Realism {
  surge?: LoadSurge;
  /** Per database: utilisation at the mean load, (0, 1). */
  dbUtilisation: Record<string, number>;
  /** Per service: probability that a server span has a pause, at the mean load. */
  pauseRate: Record<string, number>;
  /** Per `service\u0000operation`: natural failure probability of one execution. */
  errorRate: Record<string, number>;
}

/** Pause probability per server span by runtime, at mean load (unknown runtimes: the GC'd middle). */
const PAUSE_RATE_BY_LANGUAGE: Record<string, number> = {
  java: 0.02,
  kotlin: 0.02,
  dotnet: 0.02,
  nodejs: 0.015,
  python: 0.015,
  ruby: 0.015,
  go: 0.01,
  rust: 0.003,
};
const DEFAULT_PAUSE_RATE = 0.015;
const PAUSE_MIN_US = 5_000;
const PAUSE_ALPHA = 1.5;
const PAUSE_CAP_US = 2_000_000;
const RHO_MIN = 0.15;
const RHO_MAX = 0.45;
const RHO_CAP = 0.95;
const ERROR_RATE_MIN = 1e-4;
const ERROR_RATE_MAX = 1e-2;
export const RETRANSMIT_RATE = 1e-4;
export const RETRANSMIT_US = 200_000;
/** Load step of an incident window over its baseline, [min, max]. */
export const SURGE_RANGE = [1.3, 2] as const;

/** The realistic model of one system and seed: per-database utilisation, per-service pause rates, per-operation error rates. */
export function realismFor(topology: Topology, seed: number, surge?: LoadSurge): Realism {
  const rnd = new Random(deriveSeed(seed, 0x4ea1));
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rnd.next());
  const dbUtilisation: Record<string, number> = {};
  for (const db of Object.keys(topology.databases).sort()) dbUtilisation[db] = logUniform(RHO_MIN, RHO_MAX);
  const pauseRate: Record<string, number> = {};
  const errorRate: Record<string, number> = {};
  for (const name of Object.keys(topology.services).sort()) {
    const spec = topology.services[name];
    // A service's pause rate varies ×[0.5, 2] around its runtime's (heap size and CPU limits differ).
    pauseRate[name] = (PAUSE_RATE_BY_LANGUAGE[spec.language ?? ''] ?? DEFAULT_PAUSE_RATE) * logUniform(0.5, 2);
    for (const op of Object.keys(spec.operations).sort()) errorRate[`${name}\u0000${op}`] = spec.operations[op].errorRate ?? logUniform(ERROR_RATE_MIN, ERROR_RATE_MAX);
  }
  return { surge, dbUtilisation, pauseRate, errorRate };
}

/** A surge over [start, end) of a size drawn from SURGE_RANGE for this seed. */
export function surgeFor(seed: number, start: number, end: number): LoadSurge {
  const rnd = new Random(deriveSeed(seed, 0x5e9e));
  return { start, end, factor: Math.round((SURGE_RANGE[0] + (SURGE_RANGE[1] - SURGE_RANGE[0]) * rnd.next()) * 100) / 100 };
}

/**
 * The realistic model for a generated period with faults: the load surge spans the faults' windows
 * (from the earliest start to the latest end) — an incident under more load than its baseline; no
 * faults, no surge.
 */
export function realismForFaults(topology: Topology, seed: number, faults: readonly { start: number; end: number }[]): Realism {
  const surge = faults.length ? surgeFor(seed, Math.min(...faults.map((f) => f.start)), Math.max(...faults.map((f) => f.end))) : undefined;
  return realismFor(topology, seed, surge);
}

/** A pause, µs: Pareto(xm, α) capped. */
export function pauseUs(rnd: Random): number {
  return Math.min(PAUSE_CAP_US, Math.round(PAUSE_MIN_US * (1 - rnd.next()) ** (-1 / PAUSE_ALPHA)));
}

/** Utilisation of a database at a load multiple of the mean. */
export function utilisation(realism: Realism, database: string, load: number): number {
  return Math.min(RHO_CAP, (realism.dbUtilisation[database] ?? RHO_MIN) * load);
}

/** M/M/1 waiting time, µs, for utilisation ρ and mean service time `serviceUs`. */
export function queueWaitUs(rnd: Random, rho: number, serviceUs: number): number {
  if (rnd.next() >= rho) return 0;
  return Math.round((-Math.log(1 - rnd.next()) * serviceUs) / (1 - rho));
}

/** Samples drawn to estimate an operation's natural own-time p99 (its 1 % tail holds 40 of them). */
const P99_SAMPLES = 4000;

/**
 * The 99th percentile of an operation's natural own time under the realistic profile at the mean
 * load, µs, estimated from a fixed-seed sample of what the trace builder adds to its own time: the
 * log-normal body, a pause, and a connection wait per database call it makes.
 */
export function realisticSelfP99Us(realism: Realism, topology: Topology, service: string, operation: string, bodySigma: number): number {
  const op = topology.services[service].operations[operation];
  const rnd = new Random(hashString(`${service}\u0000${operation}#p99`));
  const dbCalls = (op.calls ?? []).filter(isDatabaseCall);
  const samples: number[] = [];
  for (let i = 0; i < P99_SAMPLES; i++) {
    let own = rnd.logNormal(op.selfMs * 1000, bodySigma);
    if (rnd.next() < (realism.pauseRate[service] ?? 0)) own += pauseUs(rnd);
    for (const c of dbCalls) {
      if (c.probability !== undefined && rnd.next() >= c.probability) continue;
      own += queueWaitUs(rnd, utilisation(realism, c.database, 1), topology.databases[c.database].latencyMs * 1000);
    }
    samples.push(own);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(0.99 * P99_SAMPLES)];
}
