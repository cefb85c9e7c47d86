/**
 * Dependency links — Jaeger's service dependency rule.
 *
 * For every span reference (CHILD_OF and FOLLOWS_FROM) whose referenced span is in the same trace
 * and belongs to a different service, count one call from the referenced span's service to the
 * span's service. Traces are added one at a time, so memory grows with links, not spans.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; Jaeger memstore
 * `GetDependencies` (cross-service CHILD_OF only).
 */
import type { DependencyLink, Trace } from '../model/index.js';

export class DependencyLinkCounter {
  private readonly counts = new Map<string, number>();

  addTrace(trace: Trace): void {
    const serviceBySpan = new Map<string, string>();
    for (const span of trace.spans) serviceBySpan.set(span.spanId, span.process.serviceName);
    for (const span of trace.spans) {
      for (const ref of span.references) {
        if (ref.traceId !== span.traceId) continue;
        const parent = serviceBySpan.get(ref.spanId);
        if (parent === undefined || parent === span.process.serviceName) continue;
        const key = `${parent}\u0000${span.process.serviceName}`;
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
    }
  }

  /** Links sorted by parent then child. */
  links(): DependencyLink[] {
    const out: DependencyLink[] = [];
    for (const [key, callCount] of this.counts) {
      const [parent, child] = key.split('\u0000');
      out.push({ parent, child, callCount });
    }
    return out.sort((a, b) => (a.parent === b.parent ? cmp(a.child, b.child) : cmp(a.parent, b.parent)));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
