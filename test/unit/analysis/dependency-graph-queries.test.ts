import { DirectedGraph } from 'graphology';
import { describe, expect, it } from 'vitest';
import { dependencyGraphFromLinks } from '../../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../../src/analysis/dependency-report.js';
import { diffDependencyReports } from '../../../src/analysis/dependency-diff.js';
import { findCycles } from '../../../src/analysis/graph-cycles.js';
import { neighbourhood } from '../../../src/analysis/graph-neighbourhood.js';
import { simplePaths } from '../../../src/analysis/graph-paths.js';
import { buildDependencyGraph } from '../../../src/analysis/dependency-graph.js';
import { trace } from '../../support/deps-span-builder.js';

function graphOf(edges: string): DirectedGraph {
  return dependencyGraphFromLinks(edges.split(/\s+/).filter(Boolean).map((e) => {
    const [parent, child] = e.split('>');
    return { parent, child, callCount: 1 };
  })).graph as unknown as DirectedGraph;
}

describe('graph questions', () => {
  const g = graphOf('fe>api api>cart api>users cart>db users>db batch>db fe>cdn');

  it('neighbourhood follows callers and callees up to the depth', () => {
    expect([...neighbourhood(g, ['api'], 0)].sort()).toEqual(['api']);
    expect([...neighbourhood(g, ['api'], 1)].sort()).toEqual(['api', 'cart', 'fe', 'users']);
    expect([...neighbourhood(g, ['api'], 2)].sort()).toEqual(['api', 'cart', 'cdn', 'db', 'fe', 'users']);
    expect([...neighbourhood(g, ['api'], 3)].sort()).toEqual(['api', 'batch', 'cart', 'cdn', 'db', 'fe', 'users']);
    expect(() => neighbourhood(g, ['nope'], 1)).toThrow(/unknown node "nope"/);
  });

  it('paths lists every simple call path, shortest first', () => {
    expect(simplePaths(g, ['fe'], ['db'])).toEqual({
      paths: [['fe', 'api', 'cart', 'db'], ['fe', 'api', 'users', 'db']],
      truncated: false,
    });
    expect(simplePaths(g, ['db'], ['fe']).paths).toEqual([]);
    const capped = simplePaths(g, ['fe'], ['db'], { maxPaths: 1 });
    expect(capped.paths).toHaveLength(1);
    expect(capped.truncated).toBe(true);
  });

  it('cycles reports each strongly connected group with an example loop', () => {
    expect(findCycles(g)).toEqual([]);
    const c = graphOf('a>b b>c c>a c>d d>e e>d x>a');
    expect(findCycles(c)).toEqual([
      { nodes: ['a', 'b', 'c'], example: ['a', 'b', 'c', 'a'] },
      { nodes: ['d', 'e'], example: ['d', 'e', 'd'] },
    ]);
  });
});

describe('dependency diff', () => {
  const window = (h: number) => ({ start: h * 3_600_000_000, end: (h + 1) * 3_600_000_000 });
  const calls = (service: string, n: number, opts: { errors?: number; duration?: number } = {}) =>
    Array.from({ length: n }, (_, i) => trace(`${service}${i}`.replace(/[^0-9a-f]/g, '') + i.toString(16), [
      { id: 'a1', service: 'fe', kind: 'client' },
      { id: 'b1', service, kind: 'server', parent: 'a1', duration: opts.duration ?? 1000, tags: i < (opts.errors ?? 0) ? { error: true } : {} },
    ]));
  const report = (traces: ReturnType<typeof calls>, h: number) => {
    const b = buildDependencyGraph(traces);
    return dependencyReport(b.graph, { input: 'traces', window: window(h), totals: b.totals });
  };

  it('reports new, vanished and changed edges with reasons', () => {
    const before = report([...calls('cart', 100), ...calls('users', 50), ...calls('old', 10), ...calls('steady', 20)], 0);
    const after = report([...calls('cart', 100, { errors: 5 }), ...calls('users', 50, { duration: 4000 }), ...calls('new', 10), ...calls('steady', 20)], 1);
    const d = diffDependencyReports(before, after);
    expect(d.edges.map((e) => [e.change, e.target, e.reasons])).toEqual([
      ['new', 'new', []],
      ['vanished', 'old', []],
      ['changed', 'cart', ['errors']],
      ['changed', 'users', ['latency']],
    ]);
    expect(d.unchangedEdges).toBe(1);
    expect(d.newNodes).toEqual(['new']);
    expect(d.vanishedNodes).toEqual(['old']);
    const users = d.edges.find((e) => e.target === 'users')!;
    expect(users.p99Ratio).toBeCloseTo(4, 1);
    const cart = d.edges.find((e) => e.target === 'cart')!;
    expect([cart.errorRateBefore, cart.errorRateAfter]).toEqual([0, 0.05]);
  });

  it('a moved median is a latency change even when the p99 stayed (the baseline caught the fault\'s first seconds)', () => {
    let id = 0;
    const cartCalls = (n: number, duration: number) =>
      Array.from({ length: n }, () => trace((++id).toString(16).padStart(16, '0'), [
        { id: 'a1', service: 'fe', kind: 'client' },
        { id: 'b1', service: 'cart', kind: 'server', parent: 'a1', duration },
      ]));
    const before = report([...cartCalls(190, 2000), ...cartCalls(10, 312_000)], 0);
    const after = report(cartCalls(200, 305_000), 1);
    const [cart] = diffDependencyReports(before, after).edges;
    expect(cart).toMatchObject({ change: 'changed', target: 'cart', reasons: ['latency'] });
    expect(cart.p99Ratio!).toBeGreaterThan(0.9);
    expect(cart.p99Ratio!).toBeLessThan(1.1);
    expect(cart.p50Ratio!).toBeGreaterThan(100);
  });

  it('sub-millisecond moves of fast calls are not a change', () => {
    const before = report(calls('cache', 100, { duration: 200 }), 0);
    const after = report(calls('cache', 100, { duration: 600 }), 1);
    expect(diffDependencyReports(before, after).edges).toEqual([]);
  });
});
