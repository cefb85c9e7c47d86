/**
 * The `deps --format` choices, and each one's renderer loaded on demand, so that a run loads only
 * the renderer it prints with (the table's and the HTML page's modules are the heavy ones).
 */
import type { DependencyReport } from '../analysis/dependency-report.js';

export const DEPS_FORMATS = ['table', 'json', 'dot', 'mermaid', 'graphml', 'html'] as const;
export type DepsFormat = (typeof DEPS_FORMATS)[number];

/** Rendering choices of the graph formats. */
export interface DepsRenderOptions {
  /** Services to mark as suspects (e.g. the top root causes of `anomalies`): DOT and HTML. */
  highlight?: readonly string[];
}

export type DepsRenderer = (report: DependencyReport, options?: DepsRenderOptions) => string;

export async function loadDepsRenderer(format: DepsFormat): Promise<DepsRenderer> {
  switch (format) {
    case 'table':
      return (await import('./deps-table.js')).renderDepsTable;
    case 'json':
      return (await import('./deps-json.js')).renderDepsJson;
    case 'dot':
      return (await import('./graph-dot.js')).renderDepsDot;
    case 'mermaid':
      return (await import('./graph-mermaid.js')).renderDepsMermaid;
    case 'graphml':
      return (await import('./graph-graphml.js')).renderDepsGraphml;
    case 'html':
      return (await import('./graph-html.js')).renderDepsHtml;
  }
}
