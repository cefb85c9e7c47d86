/**
 * The `anomalies` service function: streams the baseline and the incident window from any
 * SpanReader, keeps bounded per-operation samples for the baseline and compact per-trace
 * summaries for the window, and hands them to the pure modules in src/analysis.
 */
import type { AnomalyReport, DetectionThresholds, SpectrumMethod, TimeRange } from '../analysis/anomaly-report.js';
import type { SpanReader } from '../storage/types.js';
import { NotSupportedError } from '../model/index.js';

export interface AnomaliesOptions {
  /** The incident window, µs since epoch, inclusive. A trace belongs to the range its earliest span starts in. */
  window: TimeRange;
  /** The reference window, µs since epoch, inclusive (CLI default: the 24 h before `window.start`). */
  baseline: TimeRange;
  /** Only traces with at least one span of this service. */
  service?: string;
  /** Root causes to return per level. */
  top: number;
  method: SpectrumMethod;
  /** MicroRank PageRank weighting of the spectrum counts. */
  pagerank: boolean;
  /** Overrides of DETECTION_DEFAULTS. */
  thresholds?: Partial<DetectionThresholds>;
  /** Example trace ids per root cause (default 3). */
  examples?: number;
  /** Baseline samples kept per operation and signal (default 2048); bounds memory. */
  sampleSize?: number;
  /** Seed of the baseline reservoir sampling (default 1): same data + seed → same report. */
  seed?: number;
  /** Called as traces are read (for a progress bar). */
  onProgress?: (phase: 'baseline' | 'window', traces: number) => void;
}

export const ANOMALIES_DEFAULTS = {
  top: 10,
  method: 'ochiai' as SpectrumMethod,
  pagerank: false,
  examples: 3,
  sampleSize: 2048,
  seed: 1,
  /** Default baseline length before the window, µs (24 h). */
  baselineLengthUs: 24 * 3_600_000_000,
};

export async function runAnomalies(reader: SpanReader, opts: AnomaliesOptions): Promise<AnomalyReport> {
  void reader;
  void opts;
  throw new NotSupportedError('anomalies is being implemented');
}
