/**
 * Call pairing — the one rule for which spans of a trace are calls between services; `deps`,
 * `anomalies`, the stores' GetDependencies (dependency-links.ts) and the SLS SQL path (checked by
 * test/integration/sls-store.test.ts) all count calls through it. Pure: it reads one trace's
 * dependency facts (dependency-spans.ts) and reports, in a fixed order, to a `CallVisitor`:
 *
 * 1. **Spans**: every span, except a duplicate (same span id, service and kind as an earlier span
 *    of the trace), which is counted in `duplicateSpans` and otherwise ignored.
 * 2. **References** (Jaeger spark-dependencies): every CHILD_OF or FOLLOWS_FROM reference to a span
 *    of the same trace whose service differs from the span's own is one call referenced span →
 *    span. Same-service references are no call. A span whose first reference is to a span absent
 *    from the trace counts one orphan; references into another trace count as cross-trace.
 *    Evidence (Tempo service graphs): `client+server` when the caller is a CLIENT/PRODUCER and the
 *    callee a SERVER/CONSUMER span, `client-only` / `server-only` with one half, else `reference`.
 *    Async: FOLLOWS_FROM references and PRODUCER→CONSUMER pairs.
 * 3. **Shared span ids** (Zipkin): a CLIENT/PRODUCER and a SERVER/CONSUMER span of different
 *    services under one id are one call client → server (`shared-span`); the server half's own
 *    reference (to the client's parent) is then no call, or it would count twice.
 * 4. **Entries**: a span whose first reference does not lead to a span of its own service, and
 *    which is not a CLIENT/PRODUCER half, is an entry into its service.
 * 5. **Virtual peers** (Tempo): a span with a peer (dependency-spans.ts `spanFacts`) other than its
 *    own service, without a callee span in another service, calls that peer when it is a
 *    CLIENT/PRODUCER span, or a leaf span tagged `peer.service`.
 *
 * A call fails when its callee span fails, or its caller span fails and is the CLIENT/PRODUCER
 * half (`callFailed`).
 *
 * Reference: jaegertracing/spark-dependencies `SpansToDependencyLinks.java`; grafana/tempo
 * `modules/generator/processor/servicegraphs/servicegraphs.go`.
 */
import type { DependencySpans, SpanFacts } from './dependency-spans.js';
import { REF_OTHER_TRACE } from './dependency-spans.js';

export type CallEvidence = 'client+server' | 'client-only' | 'server-only' | 'reference' | 'shared-span' | 'peer-tag';

/** Receives one trace's spans and calls, by span index, in the order of the module banner. */
export interface CallVisitor {
  /** Span i counts (rule 1); called for all such spans, in order, before any other method. */
  span(i: number): void;
  /** One call from span `caller` to span `callee` of another service (rules 2, 3). */
  call(caller: number, callee: number, evidence: CallEvidence, isAsync: boolean): void;
  /** Span i is an entry into its service (rule 4). */
  entry(i: number): void;
  /** Span i calls its uninstrumented peer `facts[i].peer` (rule 5). */
  peerCall(i: number): void;
}

/** Counts of what pairing ignored, summed over the traces paired. */
export interface PairingCounts {
  duplicateSpans: number;
  orphanSpans: number;
  crossTraceReferences: number;
}

/** True for the calling half of a call: a CLIENT or PRODUCER span. */
export function isCallerKind(kind: string): boolean {
  return kind === 'client' || kind === 'producer';
}

/** True for the called half of a call: a SERVER or CONSUMER span. */
export function isCalleeKind(kind: string): boolean {
  return kind === 'server' || kind === 'consumer';
}

/** Whether the call caller → callee failed (see the module banner). */
export function callFailed(facts: readonly SpanFacts[], caller: number, callee: number): boolean {
  return facts[callee].error || (isCallerKind(facts[caller].kind) && facts[caller].error);
}

/** The shared-id pairs of a trace without shared ids (most): never written to. */
const NO_PAIRS: readonly [number, number][] = Object.freeze([]);

// Per-span flag bits used while pairing a trace.
const SKIP = 1;
const HAS_CHILD = 2;
const HAS_REMOTE_CHILD = 4;
const NOT_ENTRY = 8;
const SHARED_SERVER_HALF = 16;

/** The span a reference points to: for a shared id, the server (non-client) half. */
function resolveParent(entry: number | number[] | undefined, self: number, facts: readonly SpanFacts[]): number | undefined {
  if (entry === undefined) return undefined;
  if (typeof entry === 'number') return entry === self ? undefined : entry;
  if (entry.includes(self)) return undefined; // the span's own id: rule 3 covers it
  return entry.find((j) => !isCallerKind(facts[j].kind)) ?? entry[0];
}

/** Pairs the calls of one trace at a time; holds only scratch arrays reused from trace to trace. */
export class CallPairing {
  private flags = new Uint8Array(64);
  private firstById = new Int32Array(64);
  private readonly sharedIds = new Map<number, number[]>();

  /** Reports the spans and calls of the trace `ds` to `visit` and adds to `counts`. */
  pair(ds: DependencySpans, visit: CallVisitor, counts: PairingCounts): void {
    const n = ds.length;
    if (this.flags.length < n) {
      this.flags = new Uint8Array(Math.max(n, this.flags.length * 2));
      this.firstById = new Int32Array(this.flags.length);
    }
    const flags = this.flags;
    flags.fill(0, 0, n);
    const firstById = this.firstById;
    firstById.fill(-1, 0, n);
    const { id, service, facts, refStart, refTarget, refFollowsFrom, names } = ds;
    // Span ids shared by several spans (Zipkin style): every distinct (service, kind) span, in order.
    const sharedIds = this.sharedIds;
    // Clearing reallocates the table: only when a trace had shared ids (few do).
    if (sharedIds.size > 0) sharedIds.clear();
    for (let i = 0; i < n; i++) {
      const sid = id[i];
      const first = firstById[sid];
      if (first < 0) {
        firstById[sid] = i;
        continue;
      }
      let list = sharedIds.get(sid);
      if (list === undefined) list = [first];
      const f = facts[i];
      if (list.some((j) => service[j] === service[i] && facts[j].kind === f.kind)) {
        flags[i] |= SKIP;
        counts.duplicateSpans++;
        continue;
      }
      list.push(i);
      sharedIds.set(sid, list);
    }
    for (let i = 0; i < n; i++) if (!(flags[i] & SKIP)) visit.span(i);
    let pairs = NO_PAIRS;
    if (sharedIds.size > 0) {
      const found: [number, number][] = [];
      pairs = found;
      const lists = [...sharedIds.values()].sort((a, b) => a[0] - b[0]);
      for (const entry of lists) {
        const client = entry.find((j) => isCallerKind(facts[j].kind));
        const server = entry.find((j) => isCalleeKind(facts[j].kind));
        if (client === undefined || server === undefined || service[client] === service[server]) continue;
        flags[server] |= SHARED_SERVER_HALF;
        found.push([client, server]);
      }
    }
    for (let i = 0; i < n; i++) {
      if (flags[i] & (SKIP | SHARED_SERVER_HALF)) continue;
      const r0 = refStart[i];
      const r1 = refStart[i + 1];
      if (r0 === r1) continue;
      const svc = service[i];
      let first = true;
      for (let r = r0; r < r1; r++) {
        const target = refTarget[r];
        if (target === REF_OTHER_TRACE) {
          counts.crossTraceReferences++;
          continue;
        }
        const p = target < 0 ? undefined : sharedIds.size === 0 ? (firstById[target] === i ? undefined : firstById[target]) : resolveParent(sharedIds.get(target) ?? firstById[target], i, facts);
        if (p === undefined) {
          if (first) counts.orphanSpans++;
          first = false;
          continue;
        }
        flags[p] |= HAS_CHILD;
        if (service[p] === svc) {
          if (first) flags[i] |= NOT_ENTRY;
          first = false;
          continue;
        }
        first = false;
        flags[p] |= HAS_REMOTE_CHILD;
        const pk = facts[p].kind;
        const ck = facts[i].kind;
        const callerHalf = isCallerKind(pk);
        const calleeHalf = isCalleeKind(ck);
        const evidence: CallEvidence = callerHalf ? (calleeHalf ? 'client+server' : 'client-only') : calleeHalf ? 'server-only' : 'reference';
        visit.call(p, i, evidence, refFollowsFrom[r] === 1 || (pk === 'producer' && ck === 'consumer'));
      }
    }
    for (const [client, server] of pairs) {
      flags[client] |= HAS_REMOTE_CHILD;
      visit.call(client, server, 'shared-span', facts[client].kind === 'producer');
    }
    for (let i = 0; i < n; i++) {
      const fl = flags[i];
      if (fl & SKIP) continue;
      const f = facts[i];
      if (!(fl & NOT_ENTRY) && !isCallerKind(f.kind)) visit.entry(i);
      if (f.peer === undefined || fl & HAS_REMOTE_CHILD || f.peer === names[service[i]]) continue;
      if (isCallerKind(f.kind) || (f.peerServiceTagged && !(fl & HAS_CHILD))) visit.peerCall(i);
    }
  }
}
