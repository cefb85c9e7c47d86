/**
 * `deps --format dot`: Graphviz DOT. Edges: width by calls (log scale), coloured by error rate
 * (error-levels.ts: orange from 1 %, red from 5 %; a legend node states it), dashed for async calls;
 * virtual peers drawn as cylinders (databases), parallelograms (messaging) or dashed boxes;
 * highlighted services (suspects) with a thick purple outline.
 */
import type { DependencyReport } from '../analysis/dependency-report.js';
import type { DepsRenderOptions } from './deps-formats.js';
import { ERROR_LEVEL_COLOR, ERROR_LEVEL_LEGEND, errorLevel } from './error-levels.js';
import { edgeLabel, edgeWeights, nodeFigures } from './graph-labels.js';

export const SUSPECT_COLOR = '#7b2cbf';

export function renderDepsDot(report: DependencyReport, options: DepsRenderOptions = {}): string {
  const suspects = new Set(options.highlight ?? []);
  const weight = edgeWeights(report);
  const lines = [
    'digraph dependencies {',
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, overlap=false];',
    '  node [shape=box, style="rounded,filled", fillcolor="#eaf1fb", color="#4a6fa5", fontname="Helvetica", fontsize=11];',
    '  edge [color="#5b6b7f", fontname="Helvetica", fontsize=9, arrowsize=0.7];',
  ];
  for (const n of report.nodes) {
    const figures = nodeFigures(n);
    const attrs = [`label=${q(figures ? `${n.id}\n${figures}` : n.id)}`];
    if (n.virtual) {
      attrs.push(n.connectionType === 'database' ? 'shape=cylinder' : n.connectionType === 'messaging' ? 'shape=parallelogram' : 'shape=box');
      attrs.push('style="filled,dashed"', 'fillcolor="#f3f3f3"');
    }
    const level = errorLevel(n.errorRate);
    if (level !== 'ok') attrs.push(`color=${q(ERROR_LEVEL_COLOR[level])}`, 'penwidth=2');
    if (suspects.has(n.id)) attrs.push(`color=${q(SUSPECT_COLOR)}`, 'penwidth=4', `fillcolor="#f3e8ff"`);
    lines.push(`  ${q(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of report.edges) {
    const attrs = [`label=${q(edgeLabel(e))}`, `penwidth=${weight(e)}`, `weight=${e.calls}`];
    const level = errorLevel(e.errorRate);
    if (level !== 'ok') attrs.push(`color=${q(ERROR_LEVEL_COLOR[level])}`, `fontcolor=${q(ERROR_LEVEL_COLOR[level])}`);
    if (e.asyncCalls > 0) attrs.push('style=dashed');
    lines.push(`  ${q(e.source)} -> ${q(e.target)} [${attrs.join(', ')}];`);
  }
  const legend = suspects.size ? `${ERROR_LEVEL_LEGEND}; purple outline: suspect` : ERROR_LEVEL_LEGEND;
  lines.push(`  label=${q(legend)}; labelloc=b; labeljust=l;`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string; newlines become centred line breaks. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
