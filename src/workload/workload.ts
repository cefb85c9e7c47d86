/**
 * The fault-injecting workload: traces arriving over [start, start + duration) on a topology, with
 * faults applied, and the ground-truth labels beside them. Deterministic for (topology, options):
 * no clock, no global randomness.
 *
 * Ground truth for detection: a trace is abnormal for a fault when the fault hit at least one of its
 * spans AND changed it observably — the hit made the span fail, or lengthened the span's own time
 * (its self time; for a database client span, its duration) so that
 *   (1) the added time is at least max(1 ms, 50 % of what the own time would have been), and
 *   (2) the own time now exceeds the 99th percentile of the operation's natural own time
 *       (median · e^(2.326·σ) from the topology) — a slower span still inside the normal range is
 *       not visible in one trace.
 * Every fault adds to own time only (children keep their durations), so this is what a trace viewer
 * shows. Hits below that (e.g. CPU contention on a 0.2 ms handler) count as touched, not abnormal.
 */
import type { Trace } from '../model/index.js';
import type { FaultSpec } from './faults.js';
import { acceptableRootCauses, describeFault } from './faults.js';
import { instanceHostname } from './instances.js';
import type { LoadShape } from './load-profile.js';
import { arrivals, rateAt } from './load-profile.js';
import type { Realism, WorkloadProfile } from './realism.js';
import { deriveSeed, Random } from './random.js';
import type { Topology } from './topology.js';
import type { FaultHit } from './trace-builder.js';
import { buildTrace, WorkloadModel } from './trace-builder.js';

export interface WorkloadOptions {
  topology: Topology;
  seed: number;
  /** µs since epoch. */
  start: number;
  /** µs. */
  duration: number;
  /** Mean traces per second. */
  rate: number;
  load?: LoadShape;
  faults?: readonly FaultSpec[];
  /** The realistic profile's model (realism.ts); absent: the clean profile. */
  realism?: Realism;
}

export interface GeneratedTrace {
  trace: Trace;
  traceId: string;
  /** µs since epoch, the root span's start. */
  startTime: number;
  /** Faults that hit the trace and whether each changed it observably. */
  faults: { fault: number; abnormal: boolean }[];
}

/** The rule applied to one fault's hits in a trace. */
export const ABNORMAL_RULE =
  'a trace is abnormal when a fault hit one of its spans and made it fail, or lengthened its own (self) time by at least max(1 ms, 50% of its unfaulted self time) to beyond the p99 of the operation\'s natural own time (for a network fault: the client span\'s time outside its server span)';
const MIN_ADDED_US = 1000;
const MIN_ADDED_SHARE = 0.5;

export function isObservableHit(hit: FaultHit): boolean {
  if (hit.error) return true;
  return hit.addedUs >= Math.max(MIN_ADDED_US, MIN_ADDED_SHARE * hit.unfaultedSelfUs) && hit.unfaultedSelfUs + hit.addedUs > hit.naturalP99Us;
}

export function* generateWorkload(opts: WorkloadOptions): Generator<GeneratedTrace> {
  const model = new WorkloadModel(opts.topology, undefined, opts.realism);
  const faults = opts.faults ?? [];
  const shape = opts.load ?? 'diurnal';
  const surge = opts.realism?.surge;
  let index = 0;
  for (const t of arrivals(opts.rate, shape, opts.seed, opts.start, opts.start + opts.duration, surge)) {
    const rnd = new Random(deriveSeed(opts.seed, 0x7ace, index));
    const faultRnd = new Random(deriveSeed(opts.seed, 0xfa17, index));
    index++;
    const load = opts.realism ? rateAt(opts.rate, shape, opts.seed, t, surge) / opts.rate : 1;
    const built = buildTrace(model, faults, t, rnd, faultRnd, load);
    const byFault = new Map<number, boolean>();
    for (const h of built.hits) byFault.set(h.fault, (byFault.get(h.fault) ?? false) || isObservableHit(h));
    yield {
      trace: { spans: built.spans },
      traceId: built.spans[0].traceId,
      startTime: t,
      faults: [...byFault].map(([fault, abnormal]) => ({ fault, abnormal })),
    };
  }
}

export interface FaultLabel {
  id: string;
  /** latency | cpu | error | db-slow | network */
  type: string;
  description: string;
  target: { service?: string; operation?: string; instance?: number; hostname?: string; database?: string };
  /** Services a root-cause ranking may name and be right (see acceptableRootCauses). */
  rootCauseServices: string[];
  window: { start: number; end: number; startIso: string; endIso: string };
  fraction: number;
  delayMs?: number;
  factor?: number;
  /** Traces with at least one span hit. */
  touchedTraces: number;
  /** Touched traces the fault changed observably (ABNORMAL_RULE), in generation order. */
  abnormalTraceIds: string[];
}

export interface WorkloadLabels {
  seed: number;
  profile: WorkloadProfile;
  /** Realistic profile: the interval of raised load and its factor over the mean rate. */
  surge?: { start: number; end: number; factor: number; startIso: string; endIso: string };
  period: { start: number; end: number; startIso: string; endIso: string };
  traces: number;
  spans: number;
  rule: string;
  faults: FaultLabel[];
  /** Union over faults, in generation order. */
  abnormalTraceIds: string[];
}

/** Accumulates labels from generated traces. */
export class LabelCollector {
  private traces = 0;
  private spans = 0;
  private readonly touched: number[];
  private readonly abnormal: string[][];
  private readonly union: string[] = [];

  constructor(private readonly opts: WorkloadOptions) {
    const n = opts.faults?.length ?? 0;
    this.touched = new Array(n).fill(0);
    this.abnormal = Array.from({ length: n }, () => []);
  }

  add(g: GeneratedTrace): void {
    this.traces++;
    this.spans += g.trace.spans.length;
    let any = false;
    for (const f of g.faults) {
      this.touched[f.fault]++;
      if (f.abnormal) {
        this.abnormal[f.fault].push(g.traceId);
        any = true;
      }
    }
    if (any) this.union.push(g.traceId);
  }

  labels(): WorkloadLabels {
    const { opts } = this;
    const faults = (opts.faults ?? []).map((f, i): FaultLabel => ({
      id: `f${i + 1}`,
      type: f.type,
      description: describeFault(f),
      target: {
        service: f.service,
        operation: f.operation,
        instance: f.instance,
        hostname: f.instance !== undefined && f.service ? instanceHostname(f.service, f.instance) : undefined,
        database: f.database,
      },
      rootCauseServices: acceptableRootCauses(f, opts.topology),
      window: { start: f.start, end: f.end, startIso: iso(f.start), endIso: iso(f.end) },
      fraction: f.fraction,
      delayMs: f.delayMs,
      factor: f.factor,
      touchedTraces: this.touched[i],
      abnormalTraceIds: this.abnormal[i],
    }));
    const end = opts.start + opts.duration;
    const surge = opts.realism?.surge;
    return {
      seed: opts.seed,
      profile: opts.realism ? 'realistic' : 'clean',
      ...(surge ? { surge: { ...surge, startIso: iso(surge.start), endIso: iso(surge.end) } } : {}),
      period: { start: opts.start, end, startIso: iso(opts.start), endIso: iso(end) },
      traces: this.traces,
      spans: this.spans,
      rule: ABNORMAL_RULE,
      faults,
      abnormalTraceIds: this.union,
    };
  }
}

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
