/**
 * The result of `jaeger-sls anomalies` (types only). `--format json` prints an AnomalyReport as is;
 * renderers and `eval` import these types. Times are integer µs since the Unix epoch, durations µs.
 * Field names are stable; new optional fields may be added, none removed or renamed (`version`).
 */
import type { DependencyLink } from '../model/index.js';

/** A closed time interval, µs since the Unix epoch, both bounds inclusive. */
export interface TimeRange {
  start: number;
  end: number;
}

/** Spectrum formula for root-cause scoring (MicroRank §3): Ochiai, Jaccard or DStar (star = 2). */
export type SpectrumMethod = 'ochiai' | 'jaccard' | 'dstar';

/** The signals a span can be abnormal on. */
export type AnomalySignal = 'latency' | 'selfTime' | 'gap' | 'error';

export const ANOMALY_SIGNALS: readonly AnomalySignal[] = ['latency', 'selfTime', 'gap', 'error'];

/**
 * The parts of the root-cause ranking that can be switched off (`anomalies --without`), for
 * ablation: `kind-inference` (client/server roles of spans without span.kind,
 * span-kind-inference.ts), `gap-attribution` (a slow gap blamed on the caller or the callee,
 * gap-attribution.ts; off: always the callee, and a client span keeps its uncovered time as
 * self-time too), `leaf-latency` (total latency originates only in leaf spans, origin-evidence.ts;
 * off: in any span without an abnormal child), `severity` (how far each origin span is from its
 * baseline, span-severity.ts; off: the origin share weights the spectrum instead), `spectrum`
 * (Ochiai over abnormal vs normal traces, spectrum-scoring.ts), `instance-evidence` (one instance
 * slower than its sibling instances beyond its baseline difference, instance-evidence.ts),
 * `operation-level` (a service scores at least its best operation's score, root-cause-ranking.ts),
 * `edge-rank-test` (gap-attribution.ts also calls a call edge shifted by a rank test of its gaps
 * against the baseline; off: by its outlier count alone), `operation-shift` (an operation whose own-time
 * median moved beyond the load-expected median by a sign test, operation-shift.ts).
 */
export type RankingSignal = 'kind-inference' | 'gap-attribution' | 'leaf-latency' | 'severity' | 'spectrum' | 'instance-evidence' | 'operation-level' | 'edge-rank-test' | 'operation-shift';
export const RANKING_SIGNALS: readonly RankingSignal[] = ['kind-inference', 'gap-attribution', 'leaf-latency', 'severity', 'spectrum', 'instance-evidence', 'operation-level', 'edge-rank-test', 'operation-shift'];

/**
 * The parts of the detection that can be switched off, for ablation: `tail-quantile` (a span
 * threshold never below its operation's baseline p99, outlier-detection.ts), `load-expectation`
 * (outliers expected in proportion to the window's load over the baseline's, load-expectation.ts),
 * `origin-traces` (a trace is abnormal only when it holds an origin span, origin-evidence.ts; off:
 * when any span is an outlier on a selected signal), `body-shift` (in a significantly busier window,
 * latency-type outliers count only where the body of the distribution moved, body-shift.ts).
 */
export type DetectionSwitch = 'tail-quantile' | 'load-expectation' | 'origin-traces' | 'body-shift' | 'slow-runs';
export const DETECTION_SWITCHES: readonly DetectionSwitch[] = ['tail-quantile', 'load-expectation', 'origin-traces', 'body-shift', 'slow-runs'];
/** What `--without` accepts: ranking signals and detection parts. */
export type AnalysisSwitch = RankingSignal | DetectionSwitch;
export const ANALYSIS_SWITCHES: readonly AnalysisSwitch[] = [...RANKING_SIGNALS, ...DETECTION_SWITCHES];

/** Counts per signal; every signal present (0 when it did not fire). */
export type SignalCounts = Record<AnomalySignal, number>;

/** Detection thresholds; defaults: `DEFAULTS` in analysis/outlier-detection.ts. */
export interface DetectionThresholds {
  /** Robust z on log(1 + µs) above which a latency, self-time or gap value is an outlier. */
  zThreshold: number;
  /** Floor for the robust σ of log-durations, so near-constant operations do not flag jitter. */
  minLogSigma: number;
  /** A value must also exceed the baseline median by this many µs to be an outlier. */
  minShiftUs: number;
  /**
   * Feature selection (TraceRCA): a (operation, signal) pair counts only when its window outlier
   * rate is at least this multiple of its baseline rate (and significantly above it).
   */
  selectionRatio: number;
  /** Binomial z the window outlier count must exceed over the baseline expectation. */
  selectionZ: number;
  /**
   * A value must also exceed this quantile of its operation's baseline (0: no floor), when the
   * baseline holds at least 100 values of the signal (below that the quantile is the sample maximum).
   */
  tailQuantile: number;
}

export interface BaselineSummary extends TimeRange {
  traces: number;
  spans: number;
  /** Distinct (service, operation, kind) keys with a baseline. */
  operations: number;
}

export interface WindowSummary extends TimeRange {
  traces: number;
  spans: number;
  abnormalTraces: number;
}

/** Per (service, operation, span kind): baseline vs window. Quantiles in µs, rates per second. */
export interface OperationSummary {
  service: string;
  operation: string;
  /** Lower-case span kind, "" when absent. */
  spanKind: string;
  baseline: OperationStats | null;
  window: OperationStats;
  /** window median / baseline median (null without a baseline). */
  p50Shift: number | null;
  /** window p99 / baseline p99 (null without a baseline). */
  p99Shift: number | null;
  /** window error rate − baseline error rate (null without a baseline). */
  errorRateShift: number | null;
  /** window throughput / baseline throughput (null without a baseline or when baseline is 0). */
  throughputChange: number | null;
  /** Window spans that are outliers on a selected signal, per signal. */
  abnormalSpans: SignalCounts;
  /** Signals selected for this operation (window outlier rate significantly above baseline). */
  signals: AnomalySignal[];
}

export interface OperationStats {
  spans: number;
  /** Spans per second over the range. */
  throughput: number;
  errorRate: number;
  p50: number;
  p99: number;
  selfTimeP50: number;
  selfTimeP99: number;
  /** Client–server gap attributed to this (callee) operation; null when it has no client parent. */
  gapP50: number | null;
  gapP99: number | null;
}

/** One abnormal trace in the window. Eval reads `traceId` for per-trace labels. */
export interface AbnormalTrace {
  traceId: string;
  /** Earliest span start, µs. */
  startTime: number;
  /** Root span duration (or the trace's covered range without a root), µs. */
  duration: number;
  rootService: string;
  rootOperation: string;
  signals: AnomalySignal[];
  /** Deepest abnormal spans not explained by an abnormal child. */
  origins: Array<{ service: string; operation: string; signal: AnomalySignal }>;
}

export interface RootCauseEvidence {
  /** Abnormal traces through the node. */
  ef: number;
  /** Normal traces through the node. */
  ep: number;
  /** Abnormal traces not through the node. */
  nf: number;
  /** Normal traces not through the node. */
  np: number;
  /** The spectrum score alone (method of the report). */
  spectrum: number;
  /** Abnormal traces in which the node holds an origin span. */
  originTraces: number;
  /** originTraces / all abnormal traces, 0..1. */
  originShare: number;
  /** Origin spans of the node per signal that fired. */
  signals: SignalCounts;
  /**
   * Mean over the window's traces through the node of the largest severity (a natural log, span-severity.ts)
   * the node originates in the trace; 0 in normal traces. Absent when severity is switched off.
   */
  severity?: number;
  /** Mean share (0..1) of the abnormal traces' critical path spent in the node's own spans. */
  criticalPathShare: number;
  /** PageRank weight (MicroRank), present when `pagerank` is on. */
  pagerankWeight?: number;
  /** Up to a few abnormal trace ids in which the node is an origin. */
  exampleTraceIds: string[];
  /** Most frequent instance (process `hostname`/`ip` tag) among the node's origin spans. */
  topInstance?: { name: string; share: number };
  /** The node's instance most clearly slower than its sibling instances (analysis/instance-evidence.ts), when one is. */
  instanceShift?: InstanceShift;
}

/**
 * One instance slower than its sibling instances of the same operation in the window, by more than
 * in the baseline (analysis/instance-evidence.ts).
 */
export interface InstanceShift {
  instance: string;
  operation: string;
  /** Values compared: `selfTime` of its spans, `gap` of calls into it, `callerGap` of calls out of it. */
  signal: 'selfTime' | 'gap' | 'callerGap';
  /** Mann–Whitney z of the instance against its siblings in the window. */
  z: number;
  /** Cliff's δ against its siblings, window minus baseline, 0..1. */
  delta: number;
  /** Difference of medians to its siblings, window minus baseline, as a natural log (0.69: twice). */
  shift: number;
  /** delta × shift: the node's instance score. */
  score: number;
}

export interface RootCause {
  rank: number;
  service: string;
  /** For a service-level candidate: the service's best-scoring operation. */
  operation: string;
  score: number;
  evidence: RootCauseEvidence;
}

/** Latency histogram of one operation, log-spaced buckets; `edges.length === counts.length + 1`. */
export interface OperationHistogram {
  service: string;
  operation: string;
  spanKind: string;
  /** Bucket edges in µs, ascending. */
  edges: number[];
  /** Baseline counts scaled to the baseline sample; compare shapes via fractions. */
  baseline: number[];
  window: number[];
}

export interface AnomalyReport {
  version: 1;
  window: WindowSummary;
  baseline: BaselineSummary;
  method: SpectrumMethod;
  pagerank: boolean;
  /** Ranking signals switched off (absent or empty: all on). */
  without?: AnalysisSwitch[];
  service?: string;
  thresholds: DetectionThresholds;
  /** Why the report is empty or weak ("no traces in the window", …); absent when all is well. */
  message?: string;
  /** Operations with at least one selected signal, most shifted first. */
  anomalies: OperationSummary[];
  /** Every (service, operation, kind) seen in the window, sorted by service, operation, kind. */
  operations: OperationSummary[];
  /** Service-level ranking, best first (rank 1). At most `top` entries. */
  rootCauses: RootCause[];
  /** (service, operation)-level ranking, best first. At most `top` entries. */
  operationRootCauses: RootCause[];
  /** Every abnormal trace of the window, by start time (`--format json`: the first `--max-traces`). */
  abnormalTraces: AbnormalTrace[];
  /** JSON output only: abnormal traces left out of `abnormalTraces` by `--max-traces` (the count is `window.abnormalTraces`). */
  abnormalTracesOmitted?: number;
  /**
   * Service links seen in the window's traces (Jaeger's rule), plus service → peer links for leaf
   * client spans to uninstrumented peers (databases, caches), sorted by parent then child.
   */
  dependencies: DependencyLink[];
  /** Baseline vs window latency histograms: operations originating the anomaly, then the most shifted (at most 6). */
  histograms: OperationHistogram[];
  /** How clearly the evidence singles out the first service; absent when nothing is ranked. */
  confidence?: RankingConfidence;
}

/**
 * How far the first service stands out from the rest (analysis/ranking-confidence.ts). `margin` is
 * 1 − score(#2) / score(#1) (1 when only one service is ranked); `level` is `clear` when the first
 * holds the origin of most abnormal traces and its margin is large, `none` when the evidence is flat
 * (no service stands out: say "no clear root cause"), `likely` otherwise.
 */
export interface RankingConfidence {
  level: 'clear' | 'likely' | 'none';
  margin: number;
  /** The services whose scores are within the counting noise of the first (ties for the lead), best first. */
  contenders: string[];
  /** One sentence saying why, for the report. */
  reason: string;
}
