/** Chooses the renderer for `deps --format`, every renderer loaded (deps-formats.ts loads one on demand). */
import type { DependencyReport } from '../analysis/dependency-report.js';
import type { DepsFormat, DepsRenderOptions } from './deps-formats.js';
import { renderDepsJson } from './deps-json.js';
import { renderDepsTable } from './deps-table.js';
import { renderDepsDot } from './graph-dot.js';
import { renderDepsGraphml } from './graph-graphml.js';
import { renderDepsHtml } from './graph-html.js';
import { renderDepsMermaid } from './graph-mermaid.js';

export { DEPS_FORMATS } from './deps-formats.js';
export type { DepsFormat } from './deps-formats.js';

export function renderDeps(report: DependencyReport, format: DepsFormat, options: DepsRenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderDepsTable(report);
    case 'json':
      return renderDepsJson(report);
    case 'dot':
      return renderDepsDot(report, options);
    case 'mermaid':
      return renderDepsMermaid(report);
    case 'graphml':
      return renderDepsGraphml(report);
    case 'html':
      return renderDepsHtml(report, options);
  }
}
