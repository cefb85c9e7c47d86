import { describe, expect, it } from 'vitest';
import { buildDependencyGraph, DependencyGraphBuilder, dependencyGraphFromLinks } from '../../../src/analysis/dependency-graph.js';
import { DependencyLinkCounter } from '../../../src/facts/dependency-links.js';
import { trace } from '../../support/deps-span-builder.js';

function edge(b: DependencyGraphBuilder, source: string, target: string) {
  const key = `${source}\u0000${target}`;
  return b.graph.hasEdge(key) ? b.graph.getEdgeAttributes(key) : undefined;
}

function edgeList(b: DependencyGraphBuilder): string[] {
  return b.graph.mapEdges((_k, a, s, t) => `${s}->${t}:${a.calls}`).sort();
}

describe('dependency graph rules', () => {
  it('links a cross-service CHILD_OF reference parent → child, once per call', () => {
    const b = buildDependencyGraph([
      trace('1', [
        { id: 'a1', service: 'frontend' },
        { id: 'b1', service: 'cart', parent: 'a1', duration: 400 },
        { id: 'b2', service: 'cart', parent: 'a1', duration: 600 },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['frontend->cart:2']);
    const e = edge(b, 'frontend', 'cart')!;
    expect(e.async).toBe(0);
    expect(e.evidence.reference).toBe(2);
    expect(e.latency!.count).toBe(2);
    expect(e.latency!.max).toBe(600);
  });

  it('links FOLLOWS_FROM references and flags them async', () => {
    const b = buildDependencyGraph([
      trace('2', [
        { id: 'a1', service: 'orders' },
        { id: 'c1', service: 'mailer', refs: [['FOLLOWS_FROM', 'a1']] },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['orders->mailer:1']);
    expect(edge(b, 'orders', 'mailer')!.async).toBe(1);
  });

  it('treats a PRODUCER → CONSUMER pair as async client+server evidence', () => {
    const b = buildDependencyGraph([
      trace('3', [
        { id: 'a1', service: 'orders', kind: 'producer' },
        { id: 'c1', service: 'billing', kind: 'consumer', parent: 'a1' },
      ]),
    ]);
    const e = edge(b, 'orders', 'billing')!;
    expect(e.async).toBe(1);
    expect(e.evidence['client+server']).toBe(1);
  });

  it('does not link spans of the same service', () => {
    const b = buildDependencyGraph([
      trace('4', [
        { id: 'a1', service: 'api' },
        { id: 'a2', service: 'api', parent: 'a1' },
        { id: 'a3', service: 'api', parent: 'a2', refs: [['FOLLOWS_FROM', 'a1']] },
      ]),
    ]);
    expect(b.graph.size).toBe(0);
    expect(b.graph.order).toBe(1);
    expect(b.graph.getNodeAttributes('api').spans).toBe(3);
    expect(b.graph.getNodeAttributes('api').calls).toBe(1); // only the root is an entry span
  });

  it('pairs client and server spans and keeps both latencies', () => {
    const b = buildDependencyGraph([
      trace('5', [
        { id: 'a1', service: 'frontend', kind: 'server', duration: 5000 },
        { id: 'a2', service: 'frontend', kind: 'client', parent: 'a1', duration: 3000 },
        { id: 'b1', service: 'cart', kind: 'server', parent: 'a2', start: 100, duration: 2000 },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['frontend->cart:1']);
    const e = edge(b, 'frontend', 'cart')!;
    expect(e.evidence['client+server']).toBe(1);
    expect(e.latency!.max).toBe(2000);
    expect(e.clientLatency!.max).toBe(3000);
    // Entry spans: frontend's server root and cart's server span; the client span is not one.
    expect(b.graph.getNodeAttributes('frontend').calls).toBe(1);
    expect(b.graph.getNodeAttributes('cart').calls).toBe(1);
  });

  it('labels one-sided evidence server-only and client-only', () => {
    const b = buildDependencyGraph([
      trace('6', [
        { id: 'a1', service: 'a', kind: 'internal' },
        { id: 'b1', service: 'b', kind: 'server', parent: 'a1' },
        { id: 'a2', service: 'a', kind: 'client', parent: 'a1' },
        { id: 'c1', service: 'c', kind: 'internal', parent: 'a2' },
      ]),
    ]);
    expect(edge(b, 'a', 'b')!.evidence['server-only']).toBe(1);
    expect(edge(b, 'a', 'c')!.evidence['client-only']).toBe(1);
  });

  it('links Zipkin shared span ids client → server once', () => {
    const b = buildDependencyGraph([
      trace('7', [
        { id: 'a1', service: 'web', kind: 'server' },
        { id: 'b1', service: 'web', kind: 'client', parent: 'a1', duration: 900 },
        { id: 'b1', service: 'search', kind: 'server', parent: 'a1', duration: 700 },
        { id: 'c1', service: 'search', kind: 'internal', parent: 'b1' },
      ]),
    ]);
    // The shared server half also references web's root span: that is the same call, not a second.
    const e = edge(b, 'web', 'search')!;
    expect(e.evidence['shared-span']).toBe(1);
    expect(edgeList(b)).toEqual(['web->search:1']);
    expect(e.latency!.max).toBe(700);
    expect(e.clientLatency!.max).toBe(900);
    expect(b.graph.hasEdge('search\u0000search')).toBe(false);
  });

  it('adds virtual nodes for uninstrumented peers with Tempo precedence', () => {
    const b = buildDependencyGraph([
      trace('8', [
        { id: 'a1', service: 'api', kind: 'server' },
        { id: 'a2', service: 'api', kind: 'client', parent: 'a1', tags: { 'peer.service': 'payments-gw', 'server.address': 'pay.example' } },
        { id: 'a3', service: 'api', kind: 'client', parent: 'a1', tags: { 'db.system': 'postgresql', 'db.name': 'orders', 'server.address': 'pg-1' } },
        { id: 'a4', service: 'api', kind: 'client', parent: 'a1', tags: { 'db.system': 'redis' } },
        { id: 'a5', service: 'api', kind: 'producer', parent: 'a1', tags: { 'messaging.system': 'kafka' } },
        { id: 'a6', service: 'api', kind: 'client', parent: 'a1', tags: { 'server.address': 'search.internal' } },
        { id: 'a7', service: 'api', kind: 'internal', parent: 'a1', tags: { 'peer.service': 'legacy' } },
        { id: 'a8', service: 'api', kind: 'internal', parent: 'a1', tags: { 'server.address': 'not-a-call' } },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['api->kafka:1', 'api->legacy:1', 'api->payments-gw:1', 'api->pg-1:1', 'api->redis:1', 'api->search.internal:1']);
    expect(b.graph.getNodeAttributes('pg-1')).toMatchObject({ virtual: true, connectionType: 'database' });
    expect(b.graph.getNodeAttributes('kafka')).toMatchObject({ virtual: true, connectionType: 'messaging' });
    expect(b.graph.getNodeAttributes('payments-gw')).toMatchObject({ virtual: true, connectionType: 'virtual' });
    expect(edge(b, 'api', 'kafka')!.async).toBe(1);
    expect(edge(b, 'api', 'pg-1')!.evidence['peer-tag']).toBe(1);
  });

  it('adds no virtual node when the client span has an instrumented callee', () => {
    const b = buildDependencyGraph([
      trace('9', [
        { id: 'a1', service: 'api', kind: 'client', tags: { 'peer.service': 'users' } },
        { id: 'b1', service: 'users-svc', kind: 'server', parent: 'a1' },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['api->users-svc:1']);
  });

  it('turns a virtual node into a real one when its service shows up instrumented', () => {
    const b = buildDependencyGraph([
      trace('a', [{ id: 'a1', service: 'api', kind: 'client', tags: { 'peer.service': 'users' } }]),
      trace('b', [{ id: 'b1', service: 'users', kind: 'server' }]),
    ]);
    expect(b.graph.getNodeAttributes('users').virtual).toBe(false);
    expect(edgeList(b)).toEqual(['api->users:1']);
  });

  it('counts errors from error tag, OTel status, HTTP ≥ 500 and gRPC status ≠ 0 on either side of a call', () => {
    const b = buildDependencyGraph([
      trace('c', [
        { id: 'a1', service: 'fe', kind: 'server' },
        { id: 'a7', service: 'fe', kind: 'client', parent: 'a1' },
        { id: 'b7', service: 'be', kind: 'server', parent: 'a7', tags: { 'rpc.grpc.status_code': 14 } },
        { id: 'a8', service: 'fe', kind: 'client', parent: 'a1', tags: { 'rpc.grpc.status_code': 0, 'otel.status_code': 'error' } },
        { id: 'b8', service: 'be', kind: 'server', parent: 'a8' },
        { id: 'a2', service: 'fe', kind: 'client', parent: 'a1', tags: { error: true } },
        { id: 'b2', service: 'be', kind: 'server', parent: 'a2' },
        { id: 'a3', service: 'fe', kind: 'client', parent: 'a1' },
        { id: 'b3', service: 'be', kind: 'server', parent: 'a3', tags: { 'otel.status_code': 'ERROR' } },
        { id: 'a4', service: 'fe', kind: 'client', parent: 'a1' },
        { id: 'b4', service: 'be', kind: 'server', parent: 'a4', tags: { 'http.status_code': 503 } },
        { id: 'a5', service: 'fe', kind: 'client', parent: 'a1' },
        { id: 'b5', service: 'be', kind: 'server', parent: 'a5', tags: { 'http.status_code': 404 } },
        { id: 'a6', service: 'fe', kind: 'client', parent: 'a1', tags: { 'http.status_code': '500' } },
        { id: 'b6', service: 'be', kind: 'server', parent: 'a6' },
      ]),
    ]);
    const e = edge(b, 'fe', 'be')!;
    expect(e.calls).toBe(7);
    expect(e.errors).toBe(6);
    expect(b.graph.getNodeAttributes('be')).toMatchObject({ calls: 7, errors: 3, errorSpans: 3 });
  });

  it("does not blame every child edge for a failing caller that is not the call's client half", () => {
    const b = buildDependencyGraph([
      trace('d', [
        { id: 'a1', service: 'fe', kind: 'server', tags: { error: true } },
        { id: 'b1', service: 'be', parent: 'a1' },
      ]),
    ]);
    expect(edge(b, 'fe', 'be')!.errors).toBe(0);
  });

  it('skips references to missing parents and counts them as orphans', () => {
    const b = buildDependencyGraph([
      trace('e', [
        { id: 'b1', service: 'cart', parent: 'ff' },
        { id: 'c1', service: 'db-proxy', parent: 'b1' },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['cart->db-proxy:1']);
    expect(b.totals.orphanSpans).toBe(1);
    // The orphan is an entry of its service.
    expect(b.graph.getNodeAttributes('cart').calls).toBe(1);
  });

  it('ignores references into other traces', () => {
    const b = new DependencyGraphBuilder();
    const t = trace('f', [{ id: 'a1', service: 'x' }]);
    t.spans[0].references.push({ refType: 'FOLLOWS_FROM', traceId: '9'.padStart(32, '0'), spanId: '00000000000000a1' });
    b.addTrace(t);
    expect(b.graph.size).toBe(0);
    expect(b.totals.crossTraceReferences).toBe(1);
  });

  it('is unaffected by clock skew: links by reference, latency from durations, skew counted', () => {
    const b = buildDependencyGraph([
      trace('10', [
        { id: 'a1', service: 'fe', kind: 'client', start: 1_000_000, duration: 2000 },
        // The callee's host clock runs 5 s behind: it "starts" before its caller.
        { id: 'b1', service: 'be', kind: 'server', parent: 'a1', start: -4_000_000, duration: 1500 },
      ]),
    ]);
    const e = edge(b, 'fe', 'be')!;
    expect(e.calls).toBe(1);
    expect(e.skewed).toBe(1);
    expect(e.latency!.max).toBe(1500);
    expect(e.clientLatency!.max).toBe(2000);
  });

  it('ignores duplicate spans (same id, service and kind)', () => {
    const t = trace('11', [
      { id: 'a1', service: 'fe' },
      { id: 'b1', service: 'be', parent: 'a1' },
      { id: 'b1', service: 'be', parent: 'a1' },
    ]);
    const b = buildDependencyGraph([t]);
    expect(edgeList(b)).toEqual(['fe->be:1']);
    expect(b.totals.duplicateSpans).toBe(1);
  });

  it('handles a child listed before its parent', () => {
    const b = buildDependencyGraph([
      trace('12', [
        { id: 'b1', service: 'be', parent: 'a1' },
        { id: 'a1', service: 'fe' },
      ]),
    ]);
    expect(edgeList(b)).toEqual(['fe->be:1']);
  });

  it('builds service+operation nodes at the operation level', () => {
    const b = buildDependencyGraph(
      [
        trace('13', [
          { id: 'a1', service: 'fe', op: 'GET /', kind: 'server' },
          { id: 'a2', service: 'fe', op: 'call cart', kind: 'client', parent: 'a1' },
          { id: 'b1', service: 'cart', op: 'GetCart', kind: 'server', parent: 'a2' },
          { id: 'a3', service: 'fe', op: 'query', kind: 'client', parent: 'a1', tags: { 'db.system': 'redis' } },
        ]),
      ],
      { level: 'operation' },
    );
    expect(edgeList(b)).toEqual(['fe::call cart->cart::GetCart:1', 'fe::query->redis:1']);
    expect(b.graph.getNodeAttributes('cart::GetCart')).toMatchObject({ service: 'cart', operation: 'GetCart' });
  });

  it('keeps memory proportional to edges: 10,000 traces over the same 3 services give 2 edges', () => {
    const b = new DependencyGraphBuilder();
    for (let i = 0; i < 10_000; i++) {
      b.addTrace(trace(i.toString(16), [
        { id: 'a1', service: 'a' },
        { id: 'b1', service: 'b', parent: 'a1', duration: 100 + (i % 100) },
        { id: 'c1', service: 'c', parent: 'b1' },
      ]));
    }
    expect(b.graph.order).toBe(3);
    expect(edgeList(b)).toEqual(['a->b:10000', 'b->c:10000']);
    const p50 = edge(b, 'a', 'b')!.latency!.quantile(0.5);
    expect(Math.abs(p50 - 149.5) / 149.5).toBeLessThan(0.02);
  });
});

describe('Jaeger-compatible links', () => {
  it('links() matches the stores\' DependencyLinkCounter on the same traces', () => {
    const traces = [
      trace('20', [
        { id: 'a1', service: 'fe' },
        { id: 'b1', service: 'be', parent: 'a1' },
        { id: 'c1', service: 'db', parent: 'b1', refs: [['FOLLOWS_FROM', 'a1']] },
        { id: 'b2', service: 'be', parent: 'b1' },
      ]),
      trace('21', [{ id: 'a1', service: 'fe' }, { id: 'b1', service: 'be', parent: 'a1' }]),
    ];
    const counter = new DependencyLinkCounter();
    for (const t of traces) counter.addTrace(t);
    const builder = buildDependencyGraph(traces, { virtualNodes: false, latency: false });
    expect(builder.links()).toEqual(counter.links());
    expect(builder.links()).toEqual([
      { parent: 'be', child: 'db', callCount: 1 },
      { parent: 'fe', child: 'be', callCount: 2 },
      { parent: 'fe', child: 'db', callCount: 1 },
    ]);
  });

  it('builds a calls-only graph from links and merges repeated pairs', () => {
    const b = dependencyGraphFromLinks([
      { parent: 'a', child: 'b', callCount: 3 },
      { parent: 'a', child: 'b', callCount: 2 },
      { parent: 'b', child: 'c', callCount: 1 },
    ]);
    expect(edgeList(b)).toEqual(['a->b:5', 'b->c:1']);
    expect(() => dependencyGraphFromLinks([{ parent: 'a' } as never])).toThrow(/link 0/);
  });
});
