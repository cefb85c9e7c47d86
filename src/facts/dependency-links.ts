/**
 * Dependency links — Jaeger's service dependency links, as the stores' DependencyReader serves
 * them: one call count per (caller service, callee service), calls paired by the one rule
 * (call-pairing.ts) without virtual peers. Traces are added one at a time, so memory grows with
 * links, not spans.
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; Jaeger memstore
 * `GetDependencies`.
 */
import type { DependencyLink, Trace } from '../model/index.js';
import type { CallVisitor, PairingCounts } from './call-pairing.js';
import { CallPairing } from './call-pairing.js';
import type { DependencySpans } from './dependency-spans.js';
import { DependencySpansBuffer } from './dependency-spans.js';

export class DependencyLinkCounter {
  private readonly pairing = new CallPairing();
  private readonly counts: PairingCounts = { duplicateSpans: 0, orphanSpans: 0, crossTraceReferences: 0 };
  private readonly scratch = new DependencySpansBuffer();
  /** parent service → child service → calls, in first-seen order. */
  private readonly calls = new Map<string, Map<string, number>>();
  private current: DependencySpans | null = null;
  private readonly visitor: CallVisitor = {
    span: () => {},
    entry: () => {},
    peerCall: () => {},
    call: (caller, callee) => {
      const { names, service } = this.current!;
      const parent = names[service[caller]];
      const child = names[service[callee]];
      let m = this.calls.get(parent);
      if (!m) this.calls.set(parent, (m = new Map()));
      m.set(child, (m.get(child) ?? 0) + 1);
    },
  };

  addTrace(trace: Trace): void {
    this.addSpans(this.scratch.fromTrace(trace));
  }

  /** Adds one trace given as its dependency facts; `spans` is not kept. */
  addSpans(spans: DependencySpans): void {
    this.current = spans;
    this.pairing.pair(spans, this.visitor, this.counts);
    this.current = null;
  }

  /** Links sorted by parent then child. */
  links(): DependencyLink[] {
    const out: DependencyLink[] = [];
    for (const [parent, m] of this.calls) for (const [child, callCount] of m) out.push({ parent, child, callCount });
    return out.sort((a, b) => compareStrings(a.parent, b.parent) || compareStrings(a.child, b.child));
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
