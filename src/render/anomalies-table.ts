/**
 * `anomalies --format table`: the top root causes with their evidence, then the operations whose
 * signals shifted, then a legend. The default fits 120 columns (long names clipped with "…");
 * `--wide` adds the counts, critical path, instance and example traces. cli-table3, no colours, so
 * output is stable and pipes cleanly.
 */
import Table from 'cli-table3';
import type { AnomalyReport, RootCause } from '../analysis/anomaly-report.js';
import type { AnomaliesRenderOptions } from './anomalies-text.js';
import { confidenceText, countsText, headline, instanceText, largestMove, LEGEND, operationLabel, originText, shiftText, signalsFired, summaryLine, verdictTitle } from './anomalies-text.js';
import { formatPercent } from './format-figures.js';

const PLAIN = { head: [] as string[], border: [] as string[] };
const CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
/** The terminal width the default table fits. */
export const COMPACT_WIDTH = 120;

export function renderAnomaliesTable(report: AnomalyReport, options: AnomaliesRenderOptions = {}): string {
  const wide = Boolean(options.wide);
  const parts = [wrap(summaryLine(report), COMPACT_WIDTH)];
  const moved = headline(report);
  if (moved) parts.push(wrap(moved, COMPACT_WIDTH));
  if (report.message) parts.push(wrap(`Note: ${report.message}`, COMPACT_WIDTH));
  if (report.rootCauses.length) {
    parts.push(wrap(`${verdictTitle(report)}: ${report.rootCauses[0].service}. ${confidenceText(report)}`.trimEnd(), COMPACT_WIDTH));
    parts.push('Root causes (services)', rootCauseTable(report.rootCauses, wide));
    parts.push('Root causes (operations)', rootCauseTable(report.operationRootCauses, wide));
  }
  if (report.anomalies.length) {
    const t = new Table({ head: wide ? ['Operation', 'Signals', 'Outlier spans', 'Shift'] : ['Operation', 'Largest move', 'Signals'], style: PLAIN, chars: CHARS });
    for (const o of report.anomalies) {
      t.push(wide ? [operationLabel(o), o.signals.join(', '), signalsFired(o.abnormalSpans), shiftText(o)] : [clip(operationLabel(o), 46), clip(largestMove(o), 36), clip(o.signals.join(','), 24)]);
    }
    parts.push(`Shifted operations (${report.anomalies.length})`, t.toString());
  }
  if (report.rootCauses.length || report.anomalies.length) parts.push(wrap(`Legend: ${LEGEND.join('; ')}${wide ? '' : '. --wide adds counts, critical path, instance and example traces'}.`, COMPACT_WIDTH));
  return `${parts.join('\n')}\n`;
}

function rootCauseTable(list: RootCause[], wide: boolean): string {
  const head = wide ? ['#', 'Service', 'Operation', 'Score', 'Counts', 'Origin', 'Signals', 'Crit. path', 'Instance', 'Example traces'] : ['#', 'Service', 'Operation', 'Score', 'Origin', 'Signals'];
  const t = new Table({ head, style: PLAIN, chars: CHARS });
  for (const rc of list) {
    t.push(
      wide
        ? [String(rc.rank), rc.service, rc.operation, rc.score.toFixed(3), countsText(rc), originText(rc), signalsFired(rc.evidence.signals), formatPercent(rc.evidence.criticalPathShare), instanceText(rc), rc.evidence.exampleTraceIds.join('\n')]
        : [String(rc.rank), clip(rc.service, 24), clip(rc.operation, 32), rc.score.toFixed(3), formatPercent(rc.evidence.originShare), clip(signalsFired(rc.evidence.signals), 28)],
    );
  }
  return t.toString();
}

/** `text` cut to `max` characters, the cut marked with "…". */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Words wrapped into lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
