/**
 * `anomalies --format json`: the AnomalyReport (see analysis/anomaly-report.ts for every field;
 * times µs since epoch, durations µs), two-space indented, keys in declaration order — with the
 * abnormal-trace list cut to the first `maxTraces` (by start time). `window.abnormalTraces` always
 * gives the full count, and `abnormalTracesOmitted` how many were left out.
 */
import type { AnomalyReport } from '../analysis/anomaly-report.js';
import type { AnomaliesRenderOptions } from './anomalies-text.js';

/**
 * Abnormal traces listed by default: enough to open examples of every suspect and to sample the
 * incident, while the document stays tens of kilobytes (about 400 bytes a trace) instead of growing
 * with the incident (1,189 abnormal traces were 461 KB of an 880 KB report).
 */
export const DEFAULT_MAX_TRACES = 100;

export function renderAnomaliesJson(report: AnomalyReport, options: AnomaliesRenderOptions = {}): string {
  const max = options.maxTraces ?? DEFAULT_MAX_TRACES;
  const omitted = Math.max(0, report.abnormalTraces.length - max);
  const shown = omitted ? { ...report, abnormalTraces: report.abnormalTraces.slice(0, max), abnormalTracesOmitted: omitted } : { ...report, abnormalTracesOmitted: 0 };
  return `${JSON.stringify(shown, null, 2)}\n`;
}
