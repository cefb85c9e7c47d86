/** `deps --format json`: the DependencyReport itself (schema jaeger-sls/deps@1, docs/deps-json.md). */
import type { DependencyReport } from '../analysis/dependency-report.js';

export function renderDepsJson(report: DependencyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
