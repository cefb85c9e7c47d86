/**
 * `anomalies --format table`: the top root causes with their evidence, then the operations whose
 * signals shifted. cli-table3, no colours, so output is stable and pipes cleanly.
 */
import Table from 'cli-table3';
import type { AnomalyReport, RootCause } from '../analysis/anomaly-report.js';
import { confidenceText, countsText, instanceText, operationLabel, originText, shiftText, signalsFired, summaryLine, verdictTitle } from './anomalies-text.js';
import { formatPercent } from './format-figures.js';

const PLAIN = { head: [] as string[], border: [] as string[] };
const CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export function renderAnomaliesTable(report: AnomalyReport): string {
  const parts = [summaryLine(report)];
  if (report.message) parts.push(`Note: ${report.message}`);
  if (report.rootCauses.length) {
    parts.push(`${verdictTitle(report)}: ${report.rootCauses[0].service}. ${confidenceText(report)}`.trimEnd());
    parts.push('Root causes (services)', rootCauseTable(report.rootCauses));
    parts.push('Root causes (operations)', rootCauseTable(report.operationRootCauses));
  }
  if (report.anomalies.length) {
    const t = new Table({ head: ['Operation', 'Signals', 'Outlier spans', 'Shift'], style: PLAIN, chars: CHARS });
    for (const o of report.anomalies) t.push([operationLabel(o), o.signals.join(', '), signalsFired(o.abnormalSpans), shiftText(o)]);
    parts.push(`Shifted operations (${report.anomalies.length})`, t.toString());
  }
  return `${parts.join('\n')}\n`;
}

function rootCauseTable(list: RootCause[]): string {
  const t = new Table({ head: ['#', 'Service', 'Operation', 'Score', 'Counts', 'Origin', 'Signals', 'Crit. path', 'Instance', 'Example traces'], style: PLAIN, chars: CHARS });
  for (const rc of list) {
    t.push([String(rc.rank), rc.service, rc.operation, rc.score.toFixed(3), countsText(rc), originText(rc), signalsFired(rc.evidence.signals), formatPercent(rc.evidence.criticalPathShare), instanceText(rc), rc.evidence.exampleTraceIds.join('\n')]);
  }
  return t.toString();
}
