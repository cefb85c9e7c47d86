import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { findTag, parentSpanId, spanKind } from '../../../src/model/index.js';
import { defaultTopology } from '../../../src/workload/default-topology.js';
import { arrivals } from '../../../src/workload/load-profile.js';
import { generateWorkload } from '../../../src/workload/workload.js';
import type { WorkloadOptions } from '../../../src/workload/workload.js';

const START = Date.UTC(2026, 0, 5, 9) * 1000;
const MINUTE = 60_000_000;

function spansOf(opts: WorkloadOptions): Span[] {
  return [...generateWorkload(opts)].flatMap((g) => g.trace.spans);
}

function serialize(spans: Span[]): string {
  return JSON.stringify(spans, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

function tag(span: Span, key: string): string | undefined {
  const kv = findTag(span.tags, key);
  return kv === undefined ? undefined : String(kv.value);
}

const base: WorkloadOptions = { topology: defaultTopology(), seed: 42, start: START, duration: 5 * MINUTE, rate: 4 };

describe('generateWorkload', () => {
  it('is deterministic for a seed and start, and differs for another seed', () => {
    const a = serialize(spansOf(base));
    const b = serialize(spansOf(base));
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThan(100_000);
    expect(serialize(spansOf({ ...base, seed: 43 }))).not.toBe(a);
  });

  it('covers the default topology: ≥ 20 services, several instances each, client/server pairs with status tags', () => {
    const spans = spansOf(base);
    const services = new Set(spans.map((s) => s.process.serviceName));
    expect(services.size).toBeGreaterThanOrEqual(20);
    const hosts = new Map<string, Set<string>>();
    for (const s of spans) {
      const host = findTag(s.process.tags, 'hostname');
      expect(host).toBeDefined();
      expect(findTag(s.process.tags, 'service.instance.id')).toBeDefined();
      if (!hosts.has(s.process.serviceName)) hosts.set(s.process.serviceName, new Set());
      hosts.get(s.process.serviceName)!.add(String(host!.value));
    }
    expect(hosts.get('product-catalog')!.size).toBe(4);
    expect(hosts.get('checkout-service')!.size).toBe(2);

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    let serverWithClientParent = 0;
    for (const s of spans) {
      const kind = spanKind(s);
      expect(['server', 'client', 'producer', 'consumer']).toContain(kind);
      if (kind === 'server' && s.references.length > 0) {
        const parent = byId.get(parentSpanId(s)!)!;
        expect(spanKind(parent)).toBe('client');
        expect(tag(parent, 'peer.service')).toBe(s.process.serviceName);
        expect(parent.process.serviceName).not.toBe(s.process.serviceName);
        expect(s.startTime).toBeGreaterThanOrEqual(parent.startTime);
        serverWithClientParent++;
      }
      if (kind === 'server' || (kind === 'client' && !tag(s, 'db.system'))) {
        expect(tag(s, 'http.status_code') ?? tag(s, 'rpc.grpc.status_code')).toBeDefined();
      }
    }
    expect(serverWithClientParent).toBeGreaterThan(1000);
    const roots = spans.filter((s) => s.references.length === 0);
    expect(new Set(roots.map((s) => s.process.serviceName))).toEqual(new Set(['frontend']));
  });

  it('has async FOLLOWS_FROM work through a queue, with producer and consumer spans', () => {
    const spans = spansOf(base);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const consumers = spans.filter((s) => s.references.some((r) => r.refType === 'FOLLOWS_FROM'));
    expect(consumers.length).toBeGreaterThan(10);
    for (const c of consumers) {
      expect(spanKind(c)).toBe('consumer');
      const producer = byId.get(c.references[0].spanId)!;
      expect(spanKind(producer)).toBe('producer');
      expect(tag(producer, 'messaging.system')).toBe('kafka');
      expect(tag(producer, 'peer.service')).toBe('kafka');
      expect(tag(c, 'messaging.destination.name')).toBe(tag(producer, 'messaging.destination.name'));
      expect(tag(c, 'messaging.operation')).toBe('process');
      expect(tag(c, 'rpc.system')).toBeUndefined();
      expect(c.startTime).toBeGreaterThanOrEqual(producer.startTime + producer.duration);
    }
  });

  it('has uninstrumented database and cache peers: client spans only, with db.system and peer tags', () => {
    const spans = spansOf(base);
    const services = new Set(spans.map((s) => s.process.serviceName));
    const dbSpans = spans.filter((s) => tag(s, 'db.system'));
    const systems = new Set(dbSpans.map((s) => tag(s, 'db.system')));
    expect(systems).toEqual(new Set(['postgresql', 'mysql', 'redis']));
    for (const s of dbSpans) {
      expect(spanKind(s)).toBe('client');
      const peer = tag(s, 'peer.service')!;
      expect(peer).toMatch(/-db$|^redis-/);
      expect(services.has(peer)).toBe(false);
      expect(tag(s, 'server.address')).toContain(peer);
    }
  });

  it('retries a client call after an error or a timeout', () => {
    const topology = defaultTopology();
    const window = { start: START, end: START + 5 * MINUTE };
    const errors = spansOf({ ...base, topology, faults: [{ type: 'error', service: 'payment-service', fraction: 1, ...window }] });
    const retried = errors.filter((s) => tag(s, 'http.request.resend_count') !== undefined && s.operationName === 'payment.PaymentService/Charge');
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried) {
      const earlier = errors.filter((s) => s.traceId === r.traceId && s.operationName === r.operationName && spanKind(s) === 'client' && s.startTime < r.startTime);
      expect(earlier.length).toBe(Number(tag(r, 'http.request.resend_count')));
      expect(earlier.every((s) => tag(s, 'error') === 'true')).toBe(true);
    }
    // fraud-detection slower than payment's 1 s deadline: DEADLINE_EXCEEDED, then checkout retries Charge.
    const slow = spansOf({ ...base, topology, faults: [{ type: 'latency', service: 'fraud-detection', delayMs: 1500, fraction: 1, ...window }] });
    const timedOut = slow.filter((s) => s.operationName === 'fraud.FraudService/Score' && spanKind(s) === 'client' && tag(s, 'rpc.grpc.status_code') === '4');
    expect(timedOut.length).toBeGreaterThan(0);
    for (const s of timedOut) expect(s.duration).toBe(1_000_000);
    expect(slow.some((s) => s.operationName === 'payment.PaymentService/Charge' && tag(s, 'http.request.resend_count') === '1')).toBe(true);
  });

  it('varies the load over the day and with noise; flat load stays level', () => {
    const day = Date.UTC(2026, 0, 5) * 1000;
    const perHour = (shape: 'diurnal' | 'flat') => {
      const counts = new Array(24).fill(0);
      for (const t of arrivals(1, shape, 7, day, day + 24 * 60 * MINUTE)) counts[Math.floor((t - day) / (60 * MINUTE))]++;
      return counts;
    };
    const diurnal = perHour('diurnal');
    expect(Math.max(...diurnal) / Math.min(...diurnal)).toBeGreaterThan(1.6);
    expect(diurnal[16]).toBeGreaterThan(diurnal[4]);
    const flat = perHour('flat');
    expect(Math.max(...flat) / Math.min(...flat)).toBeLessThan(1.3);
    const total = diurnal.reduce((a, b) => a + b, 0);
    expect(total / 86_400).toBeGreaterThan(0.85);
    expect(total / 86_400).toBeLessThan(1.15);
  });
});

describe('instance identities', () => {
  it('are Kubernetes-style pod names, distinct per instance and stable across seeds', async () => {
    const { instanceHostname } = await import('../../../src/workload/instances.js');
    const topology = defaultTopology();
    const all = Object.entries(topology.services).flatMap(([name, s]) => Array.from({ length: s.instances }, (_, i) => instanceHostname(name, i)));
    expect(new Set(all).size).toBe(all.length);
    for (const h of all) expect(h).toMatch(/^[a-z-]+-[a-z0-9]{9}-[a-z0-9]{5}$/);
    expect(instanceHostname('cart-service', 1)).toBe(instanceHostname('cart-service', 1));
  });
});
