import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { ConfigError, findTag, parentSpanId, spanKind } from '../../../src/model/index.js';
import { defaultTopology } from '../../../src/workload/default-topology.js';
import type { FaultSpec } from '../../../src/workload/faults.js';
import { acceptableRootCauses, parseFaultFlag } from '../../../src/workload/faults.js';
import { instanceHostname } from '../../../src/workload/instances.js';
import { generateWorkload, LabelCollector } from '../../../src/workload/workload.js';
import type { WorkloadOptions } from '../../../src/workload/workload.js';

const START = Date.UTC(2026, 0, 5, 14) * 1000;
const MINUTE = 60_000_000;
const WINDOW = { start: START + 2 * MINUTE, end: START + 4 * MINUTE };
const topology = defaultTopology();
const base: WorkloadOptions = { topology, seed: 9, start: START, duration: 6 * MINUTE, rate: 3 };

interface Run {
  spans: Map<string, Span>;
  labels: ReturnType<LabelCollector['labels']>;
}

function run(faults: FaultSpec[]): Run {
  const opts = { ...base, faults };
  const collector = new LabelCollector(opts);
  const spans = new Map<string, Span>();
  for (const g of generateWorkload(opts)) {
    collector.add(g);
    for (const s of g.trace.spans) spans.set(s.spanId, s);
  }
  return { spans, labels: collector.labels() };
}

const clean = run([]);

const isError = (s: Span) => findTag(s.tags, 'error')?.value === true;
const isServer = (s: Span) => spanKind(s) === 'server' || spanKind(s) === 'consumer';
const inWindow = (s: Span) => s.startTime >= WINDOW.start && s.startTime < WINDOW.end;
const children = (r: Run, s: Span) => [...r.spans.values()].filter((c) => c.traceId === s.traceId && parentSpanId(c) === s.spanId && c.references[0].refType === 'CHILD_OF');
const host = (s: Span) => String(findTag(s.process.tags, 'hostname')!.value);

/** Faulted spans paired with the same span (same id) in the fault-free run. */
function pairs(r: Run): Array<[Span, Span]> {
  return [...r.spans.values()].map((s) => [s, clean.spans.get(s.spanId)!]);
}

/** Traces whose spans differ from the fault-free run in duration, error or presence. */
function changedTraces(r: Run): Set<string> {
  const out = new Set<string>();
  for (const [s, c] of pairs(r)) if (!c || c.duration !== s.duration || isError(c) !== isError(s)) out.add(s.traceId);
  for (const c of clean.spans.values()) if (!r.spans.has(c.spanId)) out.add(c.traceId);
  return out;
}

function expectLabelsMatchChanges(r: Run): void {
  const labelled = new Set(r.labels.abnormalTraceIds);
  expect(labelled.size).toBeGreaterThan(5);
  expect(changedTraces(r)).toEqual(labelled);
}

describe('faults', () => {
  it('latency on a service adds own time to its server spans in the window only; children keep their durations', () => {
    const r = run([{ type: 'latency', service: 'cart-service', delayMs: 200, fraction: 1, ...WINDOW }]);
    let hit = 0;
    for (const [s, c] of pairs(r)) {
      const target = s.process.serviceName === 'cart-service' && isServer(s);
      if (target && inWindow(s)) {
        hit++;
        const added = s.duration - c.duration;
        expect(added).toBeGreaterThanOrEqual(170_000);
        expect(added).toBeLessThanOrEqual(230_000);
        for (const child of children(r, s)) expect(child.duration).toBe(clean.spans.get(child.spanId)!.duration);
      } else if (s.process.serviceName === 'cart-service' || !inWindow(s)) {
        if (!(s.startTime < WINDOW.start && s.startTime + s.duration > WINDOW.start)) expect(s.duration).toBe(c.duration);
      }
      expect(isError(s)).toBe(isError(c));
    }
    expect(hit).toBeGreaterThan(20);
    expectLabelsMatchChanges(r);
    expect(r.labels.faults[0].rootCauseServices).toEqual(['cart-service']);
  });

  it('latency on one operation leaves the other operations of the service alone', () => {
    const op = 'cart.CartService/GetCart';
    const r = run([{ type: 'latency', service: 'cart-service', operation: op, delayMs: 150, fraction: 1, ...WINDOW }]);
    let hit = 0;
    for (const [s, c] of pairs(r)) {
      if (s.process.serviceName !== 'cart-service' || !isServer(s)) continue;
      if (s.operationName === op && inWindow(s)) {
        hit++;
        expect(s.duration - c.duration).toBeGreaterThan(120_000);
      } else {
        expect(s.duration).toBe(c.duration);
      }
    }
    expect(hit).toBeGreaterThan(10);
    expectLabelsMatchChanges(r);
  });

  it('latency on one instance slows only the spans of that hostname', () => {
    const r = run([{ type: 'latency', service: 'product-catalog', instance: 2, delayMs: 100, fraction: 1, ...WINDOW }]);
    const target = instanceHostname('product-catalog', 2);
    let hit = 0;
    let others = 0;
    for (const [s, c] of pairs(r)) {
      if (s.process.serviceName !== 'product-catalog' || !isServer(s) || !inWindow(s)) continue;
      if (host(s) === target) {
        hit++;
        expect(s.duration - c.duration).toBeGreaterThan(80_000);
      } else {
        others++;
        expect(s.duration).toBe(c.duration);
      }
    }
    expect(hit).toBeGreaterThan(20);
    expect(others).toBeGreaterThan(2 * hit);
    expectLabelsMatchChanges(r);
    expect(r.labels.faults[0].target.hostname).toBe(target);
  });

  it('self-time inflation multiplies own time and keeps children durations; labels only what leaves the normal range', () => {
    const r = run([{ type: 'cpu', service: 'search-service', factor: 6, fraction: 1, ...WINDOW }]);
    // search-service Search: own time median 12 ms, σ 0.45 → natural p99 = 12 ms · e^(2.326·0.45).
    const p99 = 12_000 * Math.exp(2.326 * 0.45);
    const visible = new Set<string>();
    let hit = 0;
    for (const [s, c] of pairs(r)) {
      if (s.process.serviceName !== 'search-service' || !isServer(s) || !inWindow(s)) continue;
      hit++;
      const kids = children(r, s);
      for (const k of kids) expect(k.duration).toBe(clean.spans.get(k.spanId)!.duration);
      // own time = duration minus the time covered by children (they run in parallel, then sequentially).
      const covered = (spans: Span[]) => Math.max(...spans.map((k) => k.startTime + k.duration)) - Math.min(...spans.map((k) => k.startTime));
      const ownNow = s.duration - covered(kids);
      const ownBefore = c.duration - covered(kids.map((k) => clean.spans.get(k.spanId)!));
      expect(ownNow / ownBefore).toBeGreaterThan(4.5);
      expect(ownNow / ownBefore).toBeLessThan(7);
      if (ownNow > p99 * 1.02) visible.add(s.traceId);
    }
    expect(hit).toBeGreaterThan(10);
    const labelled = new Set(r.labels.abnormalTraceIds);
    expect(labelled.size).toBeGreaterThan(5);
    expect(labelled.size).toBeLessThan(r.labels.faults[0].touchedTraces);
    for (const id of visible) expect(labelled.has(id)).toBe(true);
    const changed = changedTraces(r);
    for (const id of labelled) expect(changed.has(id)).toBe(true);
  });

  it('a slow database lengthens only the client spans to it; there is no server span for it', () => {
    const r = run([{ type: 'db-slow', database: 'orders-db', factor: 20, fraction: 1, ...WINDOW }]);
    let hit = 0;
    for (const [s, c] of pairs(r)) {
      const peer = findTag(s.tags, 'peer.service')?.value;
      if (findTag(s.tags, 'db.system') && inWindow(s)) {
        if (peer === 'orders-db') {
          hit++;
          expect(s.duration / c.duration).toBeGreaterThan(16);
        } else {
          expect(s.duration).toBe(c.duration);
        }
      }
      expect(s.process.serviceName).not.toBe('orders-db');
    }
    expect(hit).toBeGreaterThan(5);
    expectLabelsMatchChanges(r);
    expect(r.labels.faults[0].rootCauseServices).toEqual(['orders-db', 'order-service', 'shipping-service']);
  });

  it('an error burst fails the target spans and propagates to callers; nothing outside the window changes', () => {
    const r = run([{ type: 'error', service: 'inventory-service', fraction: 1, ...WINDOW }]);
    let failed = 0;
    for (const s of r.spans.values()) {
      if (s.process.serviceName === 'inventory-service' && isServer(s) && inWindow(s)) {
        failed++;
        expect(isError(s)).toBe(true);
        expect(findTag(s.tags, 'rpc.grpc.status_code')?.value).toBe(13n);
        const parent = r.spans.get(parentSpanId(s)!)!;
        expect(isError(parent)).toBe(true);
      }
    }
    expect(failed).toBeGreaterThan(20);
    const changed = changedTraces(r);
    const roots = [...clean.spans.values()].filter((c) => c.references.length === 0);
    const outside = roots.filter((c) => c.startTime + 5_000_000 < WINDOW.start || c.startTime >= WINDOW.end);
    expect(outside.length).toBeGreaterThan(100);
    for (const root of outside) expect(changed.has(root.traceId)).toBe(false);
    expectLabelsMatchChanges(r);
  });

  it('a fraction hits about that share of the matching calls', () => {
    const r = run([{ type: 'latency', service: 'pricing-service', delayMs: 100, fraction: 0.3, ...WINDOW }]);
    let matching = 0;
    let hit = 0;
    for (const [s, c] of pairs(r)) {
      if (s.process.serviceName !== 'pricing-service' || !isServer(s) || !inWindow(s)) continue;
      matching++;
      if (s.duration - c.duration > 50_000) hit++;
    }
    expect(matching).toBeGreaterThan(200);
    expect(hit / matching).toBeGreaterThan(0.22);
    expect(hit / matching).toBeLessThan(0.38);
    expectLabelsMatchChanges(r);
  });

  it('labels two simultaneous faults separately', () => {
    const r = run([
      { type: 'latency', service: 'review-service', delayMs: 250, fraction: 1, ...WINDOW },
      { type: 'db-slow', database: 'redis-session', factor: 100, fraction: 1, ...WINDOW },
    ]);
    const [a, b] = r.labels.faults;
    expect(a.abnormalTraceIds.length).toBeGreaterThan(10);
    expect(b.abnormalTraceIds.length).toBeGreaterThan(10);
    expect(new Set(r.labels.abnormalTraceIds)).toEqual(new Set([...a.abnormalTraceIds, ...b.abnormalTraceIds]));
    for (const id of a.abnormalTraceIds) expect([...r.spans.values()].some((s) => s.traceId === id && s.process.serviceName === 'review-service')).toBe(true);
    expectLabelsMatchChanges(r);
  });

  it('counts a hit too small to notice as touched but not abnormal', () => {
    const r = run([{ type: 'cpu', service: 'currency-service', operation: 'currency.CurrencyService/GetSupportedCurrencies', factor: 1.2, fraction: 1, ...WINDOW }]);
    expect(r.labels.faults[0].touchedTraces).toBeGreaterThan(10);
    expect(r.labels.faults[0].abnormalTraceIds).toEqual([]);
  });
});

describe('parseFaultFlag', () => {
  const parsers = { duration: (t: string) => Number.parseFloat(t) * (t.endsWith('ms') ? 1000 : t.endsWith('m') ? 60_000_000 : 1_000_000), timestamp: () => 0 };
  const end = START + 60 * MINUTE;

  it('reads type, target, size, fraction and offsets', () => {
    const f = parseFaultFlag('latency:service=cart-service,operation=cart.CartService/GetCart,instance=1,delay=250ms,fraction=0.5,start=10m,end=20m', topology, START, end, parsers);
    expect(f).toEqual({
      type: 'latency',
      service: 'cart-service',
      operation: 'cart.CartService/GetCart',
      instance: 1,
      delayMs: 250,
      fraction: 0.5,
      start: START + 10 * MINUTE,
      end: START + 20 * MINUTE,
    });
    const byHost = parseFaultFlag(`cpu:service=cart-service,instance=${instanceHostname('cart-service', 2)}`, topology, START, end, parsers);
    expect(byHost.instance).toBe(2);
    expect(byHost.factor).toBe(5);
    expect(byHost.start).toBe(START + 20 * MINUTE);
    const db = parseFaultFlag('db-slow:database=users-db', topology, START, end, parsers);
    expect(acceptableRootCauses(db, topology)).toEqual(['users-db', 'auth-service', 'loyalty-service', 'user-service']);
  });

  it('rejects bad faults with a ConfigError naming the problem', () => {
    const bad: Array<[string, RegExp]> = [
      ['slow:service=cart-service', /unknown fault type "slow"/],
      ['latency', /expected TYPE:key=value/],
      ['latency:service=nope', /service=NAME/],
      ['latency:service=cart-service,operation=Nope', /unknown operation "Nope"/],
      ['latency:service=cart-service,instance=9', /unknown instance "9"/],
      ['db-slow:database=nope', /db-slow needs database=NAME/],
      ['error:service=cart-service,fraction=1.5', /fraction must be in \(0, 1\]/],
      ['latency:service=cart-service,colour=red', /unknown key "colour"/],
      ['latency:service=cart-service,start=20m,end=10m', /end must be after start/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseFaultFlag(text, topology, START, end, parsers)).toThrow(ConfigError);
      expect(() => parseFaultFlag(text, topology, START, end, parsers)).toThrow(message);
    }
  });
});
