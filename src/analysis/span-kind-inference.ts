/**
 * Span kind inference — client and server roles for spans that carry no `span.kind` tag, so the
 * client–server gap (network and queueing in front of a callee) can be measured on traces from
 * instrumentations that omit the kind (older OpenTracing and OpenCensus exporters, Nezha's Online
 * Boutique traces).
 *
 * Rule: a span without a kind whose children all belong to other services than its own, and which
 * has at least one child, is the caller's side of a remote call — a client span — and those
 * children (when they have no kind either) are the callee's server spans. A process calling another
 * process is what client and server mean in OpenTelemetry's span kind definition; a span that
 * also has children of its own service is doing local work and is left alone, as is every span
 * whose kind is given.
 *
 * Reference: OpenTelemetry trace specification, SpanKind ("CLIENT … describes a request to some
 * remote service", "SERVER … the server-side handling of a remote request"); Jaeger's dependency
 * rule (a parent–child pair crossing services is a call), used by spark-dependencies.
 */
import { AnalysisInputError } from '../model/index.js';

export const DEFAULTS = {};

/**
 * Fills in `kinds` (lower-case span.kind per span, '' when absent) in place. `parent` holds parent
 * indexes (−1 for roots), `service` the service (name or id) per span; children are grouped by
 * `childStart`/`childList` as in span-tree.ts. Returns the number of spans given a kind.
 */
export function inferSpanKinds(kinds: string[], parent: Int32Array, service: ArrayLike<string | number>, childStart: Int32Array, childList: Int32Array): number {
  const n = kinds.length;
  if (parent.length !== n || service.length !== n || childStart.length !== n + 1) {
    throw new AnalysisInputError(`analysis/span-kind-inference: ${n} kinds, ${parent.length} parents, ${service.length} services, ${childStart.length} child offsets`);
  }
  let inferred = 0;
  for (let i = 0; i < n; i++) {
    if (kinds[i] !== '' && kinds[i] !== 'client') continue;
    const a = childStart[i];
    const b = childStart[i + 1];
    if (a === b) continue;
    let remote = true;
    for (let c = a; c < b && remote; c++) {
      const ch = childList[c];
      remote = service[ch] !== service[i] && (kinds[ch] === '' || kinds[ch] === 'server');
    }
    if (!remote) continue;
    if (kinds[i] === '') {
      kinds[i] = 'client';
      inferred++;
    }
    for (let c = a; c < b; c++) {
      const ch = childList[c];
      if (kinds[ch] === '') {
        kinds[ch] = 'server';
        inferred++;
      }
    }
  }
  return inferred;
}
