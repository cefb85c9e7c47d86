/** Chooses the renderer for `deps --format`. */
import type { DependencyReport } from '../analysis/dependency-report.js';
import { renderDepsJson } from './deps-json.js';
import { renderDepsTable } from './deps-table.js';
import { renderDepsDot } from './graph-dot.js';
import { renderDepsGraphml } from './graph-graphml.js';
import { renderDepsHtml } from './graph-html.js';
import { renderDepsMermaid } from './graph-mermaid.js';

export const DEPS_FORMATS = ['table', 'json', 'dot', 'mermaid', 'graphml', 'html'] as const;
export type DepsFormat = (typeof DEPS_FORMATS)[number];

export function renderDeps(report: DependencyReport, format: DepsFormat): string {
  switch (format) {
    case 'table':
      return renderDepsTable(report);
    case 'json':
      return renderDepsJson(report);
    case 'dot':
      return renderDepsDot(report);
    case 'mermaid':
      return renderDepsMermaid(report);
    case 'graphml':
      return renderDepsGraphml(report);
    case 'html':
      return renderDepsHtml(report);
  }
}
