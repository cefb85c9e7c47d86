/**
 * `deps --format dot`: Graphviz DOT. Edges: width by calls (log scale), red when any call failed,
 * dashed for async calls; virtual peers drawn as cylinders (databases), parallelograms (messaging)
 * or dashed boxes.
 */
import type { DependencyReport } from '../analysis/dependency-report.js';
import { edgeLabel, edgeWeights, nodeFigures } from './graph-labels.js';

const ERROR_COLOR = '#d62728';

export function renderDepsDot(report: DependencyReport): string {
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
    if (n.errors > 0) attrs.push(`color=${q(ERROR_COLOR)}`);
    lines.push(`  ${q(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of report.edges) {
    const attrs = [`label=${q(edgeLabel(e))}`, `penwidth=${weight(e)}`, `weight=${e.calls}`];
    if (e.errors > 0) attrs.push(`color=${q(ERROR_COLOR)}`, `fontcolor=${q(ERROR_COLOR)}`);
    if (e.asyncCalls > 0) attrs.push('style=dashed');
    lines.push(`  ${q(e.source)} -> ${q(e.target)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string; newlines become centred line breaks. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
