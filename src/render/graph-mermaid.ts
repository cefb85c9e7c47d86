/**
 * `deps --format mermaid`: a Mermaid flowchart. Node ids are generated (n0, n1…) because service
 * names may hold characters Mermaid reserves; labels are quoted with entity escapes. Failing edges
 * are styled red, async edges dotted, virtual databases drawn as cylinders.
 */
import type { DependencyReport } from '../analysis/dependency-report.js';
import { edgeLabel, edgeWeights } from './graph-labels.js';

export function renderDepsMermaid(report: DependencyReport): string {
  const ids = new Map<string, string>();
  report.nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
  const weight = edgeWeights(report);
  const lines = ['flowchart LR'];
  for (const n of report.nodes) {
    const label = text(n.id);
    const shape = n.virtual && n.connectionType === 'database' ? `[("${label}")]` : n.virtual && n.connectionType === 'messaging' ? `[/"${label}"/]` : n.virtual ? `(["${label}"])` : `["${label}"]`;
    lines.push(`  ${ids.get(n.id)}${shape}`);
  }
  const styles: string[] = [];
  report.edges.forEach((e, i) => {
    const arrow = e.asyncCalls > 0 ? '-.->' : '-->';
    lines.push(`  ${ids.get(e.source)} ${arrow}|"${text(edgeLabel(e))}"| ${ids.get(e.target)}`);
    const style = [`stroke-width:${weight(e)}px`];
    if (e.errors > 0) style.push('stroke:#d62728');
    styles.push(`  linkStyle ${i} ${style.join(',')}`);
  });
  const virtual = report.nodes.filter((n) => n.virtual).map((n) => ids.get(n.id));
  if (virtual.length) {
    lines.push('  classDef virtual fill:#f3f3f3,stroke-dasharray:4 3');
    lines.push(`  class ${virtual.join(',')} virtual`);
  }
  const failing = report.nodes.filter((n) => n.errors > 0).map((n) => ids.get(n.id));
  if (failing.length) {
    lines.push('  classDef failing stroke:#d62728,stroke-width:2px');
    lines.push(`  class ${failing.join(',')} failing`);
  }
  lines.push(...styles);
  return `${lines.join('\n')}\n`;
}

/** Mermaid label text: quotes and markup characters as entity codes. */
function text(s: string): string {
  return s.replace(/[#"<>&|`]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r?\n/g, ' ');
}
