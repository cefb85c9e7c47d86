/**
 * Service links from trace summaries — Jaeger's dependency rule (a call from the parent span's
 * service to the child span's service when they differ) applied to the span tree of span-tree.ts,
 * plus a link from a leaf client span's service to the uninstrumented peer it calls (database,
 * cache) when no instrumented link between the two exists. Counts by key ids while adding, names
 * only at the end, so adding a trace builds no strings.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; Grafana Tempo service
 * graphs, virtual nodes for uninstrumented peers (`servicegraphs.go`).
 */
import type { DependencyLink } from '../model/index.js';
import type { OperationKeys } from './operation-keys.js';
import type { TraceSummary } from './span-tree.js';

export class ServiceLinkCounter {
  /** parent key id → child key id → calls; peers are stored as child id −(nameId + 1). */
  private readonly counts = new Map<number, Map<number, number>>();

  constructor(private readonly keys: OperationKeys) {}

  add(trace: TraceSummary): void {
    const { key, parent, peer } = trace;
    for (let i = 0; i < key.length; i++) {
      const p = parent[i];
      if (p >= 0 && key[p] !== key[i]) this.bump(key[p], key[i]);
      if (peer[i] >= 0) this.bump(key[i], -(peer[i] + 1));
    }
  }

  /** Links sorted by parent then child; self-links excluded. */
  links(): DependencyLink[] {
    const calls = new Map<string, Map<string, number>>();
    const peerCalls = new Map<string, Map<string, number>>();
    for (const [pk, children] of this.counts) {
      const from = this.keys.key(pk).service;
      for (const [ck, n] of children) {
        const peer = ck < 0;
        const to = peer ? this.keys.name(-ck - 1) : this.keys.key(ck).service;
        if (to === from) continue;
        const target = peer ? peerCalls : calls;
        let m = target.get(from);
        if (!m) target.set(from, (m = new Map()));
        m.set(to, (m.get(to) ?? 0) + n);
      }
    }
    for (const [from, m] of peerCalls) {
      for (const [to, n] of m) {
        if (calls.get(from)?.has(to)) continue; // an instrumented callee already counts these calls
        let c = calls.get(from);
        if (!c) calls.set(from, (c = new Map()));
        c.set(to, n);
      }
    }
    const out: DependencyLink[] = [];
    for (const [parent, m] of calls) for (const [child, callCount] of m) out.push({ parent, child, callCount });
    return out.sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child));
  }

  private bump(from: number, to: number): void {
    let m = this.counts.get(from);
    if (!m) this.counts.set(from, (m = new Map()));
    m.set(to, (m.get(to) ?? 0) + 1);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
