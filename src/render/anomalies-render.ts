/** Chooses the renderer for `anomalies --format`. */
import type { AnomalyReport } from '../analysis/anomaly-report.js';
import type { AnomaliesRenderOptions } from './anomalies-text.js';
import { renderAnomaliesHtml } from './anomalies-html.js';
import { renderAnomaliesJson } from './anomalies-json.js';
import { renderAnomaliesMarkdown } from './anomalies-markdown.js';
import { renderAnomaliesTable } from './anomalies-table.js';

export const ANOMALIES_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type AnomaliesFormat = (typeof ANOMALIES_FORMATS)[number];

export type { AnomaliesRenderOptions };

export function renderAnomalies(report: AnomalyReport, format: AnomaliesFormat, options: AnomaliesRenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderAnomaliesTable(report, options);
    case 'json':
      return renderAnomaliesJson(report, options);
    case 'markdown':
      return renderAnomaliesMarkdown(report, options);
    case 'html':
      return renderAnomaliesHtml(report, options);
  }
}
