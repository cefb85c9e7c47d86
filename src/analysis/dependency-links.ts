/**
 * Dependency links — Jaeger's service dependency rule, as the stores' DependencyReader serves it.
 *
 * A thin projection of the dependency graph builder (analysis/dependency-graph.ts) without virtual
 * peers and latency: for every span reference (CHILD_OF and FOLLOWS_FROM) whose referenced span is
 * in the same trace and belongs to a different service, one call from the referenced span's service
 * to the span's service; Zipkin shared span ids count once, client → server. Traces are added one
 * at a time, so memory grows with links, not spans.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; Jaeger memstore
 * `GetDependencies` (cross-service CHILD_OF only).
 */
import type { DependencyLink, Trace } from '../model/index.js';
import { DependencyGraphBuilder } from './dependency-graph.js';
import type { DependencySpans } from './dependency-spans.js';

export class DependencyLinkCounter {
  private readonly builder = new DependencyGraphBuilder({ virtualNodes: false, latency: false });

  addTrace(trace: Trace): void {
    this.builder.addTrace(trace);
  }

  /** Adds one trace given as its dependency facts. */
  addSpans(spans: DependencySpans): void {
    this.builder.addSpans(spans);
  }

  /** Links sorted by parent then child. */
  links(): DependencyLink[] {
    return this.builder.links();
  }
}
