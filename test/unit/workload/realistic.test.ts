import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { findTag, parentSpanId, spanKind } from '../../../src/model/index.js';
import { defaultTopology } from '../../../src/workload/default-topology.js';
import { evalCaseKind, makeEvalCase, REALISTIC_CASE_KINDS } from '../../../src/workload/eval-cases.js';
import type { FaultSpec } from '../../../src/workload/faults.js';
import { instanceHostname } from '../../../src/workload/instances.js';
import { realismFor } from '../../../src/workload/realism.js';
import type { GeneratedTrace, WorkloadOptions } from '../../../src/workload/workload.js';
import { generateWorkload, LabelCollector } from '../../../src/workload/workload.js';

const START = Date.UTC(2026, 0, 5, 9) * 1000;
const SECOND = 1_000_000;
const topology = defaultTopology();
const realism = realismFor(topology, 7);
// Small, flat workloads: generation is CPU-heavy.
const base: WorkloadOptions = { topology, seed: 7, start: START, duration: 60 * SECOND, rate: 6, load: 'flat', realism };
const everywhere = { start: START, end: START + 60 * SECOND, fraction: 1 };

function run(opts: WorkloadOptions): { traces: GeneratedTrace[]; spans: Map<string, Span> } {
  const traces = [...generateWorkload(opts)];
  return { traces, spans: new Map(traces.flatMap((g) => g.trace.spans).map((s) => [s.spanId, s])) };
}

const host = (s: Span) => String(findTag(s.process.tags, 'hostname')!.value);
const isError = (s: Span) => findTag(s.tags, 'error')?.value === true;

/** Own time of a span: its duration minus the union of its children's (children here never overlap their parent's edges). */
function selfTimes(iterable: Iterable<Span>): Map<string, number> {
  const spans = [...iterable];
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    const p = parentSpanId(s);
    if (p) children.set(p, [...(children.get(p) ?? []), s]);
  }
  const out = new Map<string, number>();
  for (const s of spans) {
    const kids = (children.get(s.spanId) ?? []).filter((c) => c.references[0]?.refType === 'CHILD_OF').sort((a, b) => a.startTime - b.startTime);
    let covered = 0;
    let until = s.startTime;
    for (const k of kids) {
      const from = Math.max(until, k.startTime);
      const to = Math.min(s.startTime + s.duration, k.startTime + k.duration);
      if (to > from) covered += to - from;
      until = Math.max(until, to);
    }
    out.set(s.spanId, s.duration - covered);
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

describe('realistic workload profile', () => {
  const clean = run(base);

  it('a network-delay fault lengthens client spans to and from the pod, never the own time of a server span', () => {
    const target = 'inventory-service';
    const pod = instanceHostname(target, 0);
    const fault: FaultSpec = { ...everywhere, type: 'network', service: target, instance: 0, delayMs: 40 };
    const faulted = run({ ...base, faults: [fault] });
    const ownBefore = selfTimes(clean.spans.values());
    const ownAfter = selfTimes(faulted.spans.values());
    const serverOf = (spans: Map<string, Span>) => new Map([...spans.values()].filter((x) => spanKind(x) === 'server').map((x) => [parentSpanId(x), x]));
    const servers = { before: serverOf(clean.spans), after: serverOf(faulted.spans) };
    let calls = 0;
    for (const [id, before] of clean.spans) {
      const after = faulted.spans.get(id)!;
      const kind = spanKind(before);
      if (kind === 'server') {
        // The pod's server spans last longer only by their own delayed outgoing calls.
        expect(ownAfter.get(id), `server span ${before.process.serviceName} ${before.operationName}`).toBe(ownBefore.get(id));
        if (host(before) !== pod) expect(after.duration - before.duration).toBeGreaterThanOrEqual(0);
        continue;
      }
      if (kind !== 'client') continue;
      const toPod = findTag(before.tags, 'net.peer.name')?.value === pod;
      const fromPod = host(before) === pod;
      // To the pod: the time outside the server span grows; from the pod (its queries): the span grows.
      const outside = (side: 'before' | 'after', client: Span) => client.duration - (toPod ? servers[side].get(client.spanId)!.duration : 0);
      if (toPod || fromPod) {
        calls++;
        // 40 ms ± 15 %, plus nothing else.
        const added = outside('after', after) - outside('before', before);
        expect(added).toBeGreaterThanOrEqual(34_000);
        expect(added).toBeLessThanOrEqual(46_000);
      }
    }
    expect(calls).toBeGreaterThan(20);
    // Every hit is labelled against the client-side time it lengthened.
    expect(faulted.traces.filter((g) => g.faults.some((f) => f.abnormal)).length).toBeGreaterThan(20);
  });

  it('one-instance CPU contention inflates the own time of every operation of that pod only', () => {
    const target = 'product-catalog';
    const pod = instanceHostname(target, 2);
    const faulted = run({ ...base, faults: [{ ...everywhere, type: 'cpu', service: target, instance: 2, factor: 3 }] });
    const before = selfTimes(clean.spans.values());
    const after = selfTimes(faulted.spans.values());
    const operations = new Set<string>();
    const ratios: number[] = [];
    for (const [id, s] of clean.spans) {
      if (spanKind(s) !== 'server') continue;
      const ratio = after.get(id)! / before.get(id)!;
      if (s.process.serviceName === target && host(s) === pod) {
        operations.add(s.operationName);
        ratios.push(ratio);
        // ×3 on the handler's work; pauses and connection waits are not CPU and stay as they were.
        expect(ratio).toBeGreaterThan(1);
      } else {
        expect(faulted.spans.get(id)!.duration - s.duration).toBeGreaterThanOrEqual(0);
        if (s.process.serviceName === target) expect(after.get(id)).toBe(before.get(id));
      }
    }
    expect(operations.size).toBeGreaterThanOrEqual(2);
    expect(quantile(ratios, 0.5)).toBeGreaterThan(2);
  });

  it('a code fault fails calls of one operation without changing their latency', () => {
    const operation = 'pricing.PricingService/GetPrice';
    const faulted = run({ ...base, faults: [{ ...everywhere, type: 'error', service: 'pricing-service', operation, fraction: 0.5 }] });
    let failed = 0;
    let hit = 0;
    for (const [id, s] of clean.spans) {
      if (s.process.serviceName !== 'pricing-service' || s.operationName !== operation || spanKind(s) !== 'server') continue;
      // A failure ends the caller's sequence of calls, so spans after it in the trace differ: skip those.
      const after = faulted.spans.get(id);
      if (!after) continue;
      hit++;
      expect(after.duration).toBe(s.duration);
      if (isError(after) && !isError(s)) failed++;
    }
    expect(hit).toBeGreaterThan(40);
    expect(failed / hit).toBeGreaterThan(0.3);
    expect(failed / hit).toBeLessThan(0.7);
  });

  it('the incident window carries more load, and database-heavy own time follows it', () => {
    const mid = START + 60 * SECOND;
    const surged = run({ ...base, duration: 120 * SECOND, realism: { ...realism, dbUtilisation: { ...realism.dbUtilisation, 'catalog-db': 0.4 }, surge: { start: mid, end: mid + 60 * SECOND, factor: 2 } } });
    const before = surged.traces.filter((g) => g.startTime < mid).length;
    const during = surged.traces.length - before;
    expect(during / before).toBeGreaterThan(1.6);
    expect(during / before).toBeLessThan(2.5);
    // ListProducts checks out a catalog-db connection: at ρ 0.4 → 0.8 its mean wait quadruples.
    const self = selfTimes(surged.spans.values());
    const own = (after: boolean) =>
      [...surged.spans.values()]
        .filter((s) => s.operationName === 'catalog.ProductCatalog/ListProducts' && spanKind(s) === 'server' && s.startTime >= mid === after)
        .map((s) => self.get(s.spanId)!);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(own(false).length).toBeGreaterThan(30);
    expect(mean(own(true))).toBeGreaterThan(1.5 * mean(own(false)));
    const labels = new LabelCollector({ ...base, realism: { ...realism, surge: { start: mid, end: mid + 60 * SECOND, factor: 2 } } }).labels();
    expect(labels.profile).toBe('realistic');
    expect(labels.surge?.factor).toBe(2);
  });

  it('own times are heavy-tailed, with pauses the clean profile does not have', () => {
    // Share of server spans whose own time is over 5× their operation's median (a log-normal body of σ 0.35 almost never is).
    const tailShare = (spans: Map<string, Span>) => {
      const self = selfTimes(spans.values());
      const byOp = new Map<string, number[]>();
      for (const s of spans.values()) {
        if (spanKind(s) !== 'server') continue;
        const key = `${s.process.serviceName} ${s.operationName}`;
        byOp.set(key, [...(byOp.get(key) ?? []), self.get(s.spanId)!]);
      }
      let over = 0;
      let all = 0;
      for (const xs of byOp.values()) {
        const median = quantile(xs, 0.5);
        over += xs.filter((x) => x > 5 * median).length;
        all += xs.length;
      }
      return over / all;
    };
    const cleanProfile = run({ ...base, realism: undefined });
    expect(tailShare(clean.spans)).toBeGreaterThan(0.005);
    expect(tailShare(clean.spans)).toBeGreaterThan(3 * tailShare(cleanProfile.spans));
    // Background errors: some spans fail with no fault at all.
    expect([...clean.spans.values()].filter(isError).length).toBeGreaterThan(0);
  });

  it('eval cases: every kind in 8 seeds, realistic fault sizes, one pod for instance faults, a 1.3–2× busier window', () => {
    const kinds = new Set<string>();
    for (let seed = 1_000_000; seed < 1_000_008; seed++) {
      const c = makeEvalCase(topology, seed, evalCaseKind(seed, 'realistic'), undefined, 'realistic');
      kinds.add(c.kind);
      expect(c.profile).toBe('realistic');
      expect(c.realism?.surge).toMatchObject({ start: c.windowStart, end: c.windowEnd });
      expect(c.realism!.surge!.factor).toBeGreaterThanOrEqual(1.3);
      expect(c.realism!.surge!.factor).toBeLessThanOrEqual(2);
      for (const f of c.faults) {
        if (f.delayMs !== undefined) expect(f.delayMs).toBeGreaterThanOrEqual(10);
        if (f.delayMs !== undefined) expect(f.delayMs).toBeLessThanOrEqual(100);
        if (f.type === 'cpu' || f.type === 'network') expect(f.instance).toBeDefined();
        if (f.type === 'error') expect(f.operation).toBeDefined();
      }
    }
    expect(kinds).toEqual(new Set(REALISTIC_CASE_KINDS));
  });
});
