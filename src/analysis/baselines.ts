/**
 * Operation baselines — per (service, operation, span kind), from a reference window: span count,
 * error count, throughput, and bounded samples of log(1 + µs) for total latency, self-time and the
 * client–server gap, summarised by median and scaled MAD (robust to outliers in the baseline).
 * Memory is O(operations × sample size), independent of the number of spans.
 *
 * Reference: MicroRank (WWW'21) and TraceRCA (IWQoS'21) — baselines from a reference window per
 * operation; Iglewicz–Hoaglin robust z on log-latency (heavy tails).
 */
import { AnalysisInputError } from '../model/index.js';
import type { AnomalySignal, TimeRange } from './anomaly-report.js';
import { robustLocation, StrideSample } from './robust-stats.js';
import type { TraceSummary } from './span-tree.js';

export const DEFAULTS = {
  /** Values kept per operation and signal. */
  sampleSize: 2048,
};

export type LatencySignal = Exclude<AnomalySignal, 'error'>;
export const LATENCY_SIGNALS: readonly LatencySignal[] = ['latency', 'selfTime', 'gap'];

/** One signal's baseline distribution. `sortedLog` holds log(1 + µs), ascending. */
export interface SignalBaseline {
  /** Values observed (sampled or not). */
  count: number;
  sortedLog: Float64Array;
  /** Median of log(1 + µs). */
  median: number;
  /** 1.4826 · MAD of log(1 + µs). */
  sigma: number;
}

export interface OperationBaseline {
  spans: number;
  errors: number;
  /** Spans per second over the baseline range. */
  throughput: number;
  latency: SignalBaseline | null;
  selfTime: SignalBaseline | null;
  gap: SignalBaseline | null;
}

export interface Baselines {
  range: TimeRange;
  traces: number;
  spans: number;
  /** Indexed by operation key id; undefined for operations absent from the baseline. */
  byKey: ReadonlyArray<OperationBaseline | undefined>;
}

interface Accumulator {
  spans: number;
  errors: number;
  latency: StrideSample;
  selfTime: StrideSample;
  gap: StrideSample;
}

/** Accumulates trace summaries of the reference window; `finish` freezes the result. */
export class BaselineBuilder {
  private readonly acc: Accumulator[] = [];
  private traces = 0;
  private spans = 0;
  private readonly sampleSize: number;

  constructor(options: { sampleSize?: number } = {}) {
    this.sampleSize = options.sampleSize ?? DEFAULTS.sampleSize;
    if (!Number.isInteger(this.sampleSize) || this.sampleSize < 2) {
      throw new AnalysisInputError(`analysis/baselines: sampleSize must be an integer ≥ 2, got ${options.sampleSize}`);
    }
  }

  add(trace: TraceSummary): void {
    this.traces++;
    const n = trace.key.length;
    this.spans += n;
    for (let i = 0; i < n; i++) {
      const k = trace.key[i];
      let a = this.acc[k];
      if (!a) {
        a = this.acc[k] = {
          spans: 0,
          errors: 0,
          latency: new StrideSample(this.sampleSize),
          selfTime: new StrideSample(this.sampleSize),
          gap: new StrideSample(this.sampleSize),
        };
      }
      a.spans++;
      a.errors += trace.error[i];
      a.latency.add(Math.log1p(trace.spanDuration[i]));
      a.selfTime.add(Math.log1p(trace.selfTime[i]));
      if (trace.gap[i] >= 0) a.gap.add(Math.log1p(trace.gap[i]));
    }
  }

  finish(range: TimeRange): Baselines {
    if (!(range.end >= range.start)) throw new AnalysisInputError(`analysis/baselines: range end ${range.end} is before start ${range.start}`);
    const seconds = Math.max(1, range.end - range.start) / 1e6;
    const byKey: Array<OperationBaseline | undefined> = [];
    this.acc.forEach((a, k) => {
      if (!a) return;
      byKey[k] = {
        spans: a.spans,
        errors: a.errors,
        throughput: a.spans / seconds,
        latency: signalBaseline(a.latency),
        selfTime: signalBaseline(a.selfTime),
        gap: signalBaseline(a.gap),
      };
    });
    return { range: { ...range }, traces: this.traces, spans: this.spans, byKey };
  }
}

function signalBaseline(sample: StrideSample): SignalBaseline | null {
  if (sample.size === 0) return null;
  const sortedLog = sample.sorted();
  const { median, sigma } = robustLocation(sortedLog);
  return { count: sample.seen, sortedLog, median, sigma };
}
