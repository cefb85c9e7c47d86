/**
 * `anomalies --format json`: the AnomalyReport as is (see analysis/anomaly-report.ts for every
 * field; times µs since epoch, durations µs), two-space indented, keys in declaration order.
 */
import type { AnomalyReport } from '../analysis/anomaly-report.js';

export function renderAnomaliesJson(report: AnomalyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
