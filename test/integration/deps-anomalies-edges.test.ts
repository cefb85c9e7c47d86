/**
 * `deps` and `anomalies` draw the same service graph for the same window: both pair calls by the
 * one rule of facts/call-pairing.ts (references, client/server pairs, FOLLOWS_FROM, Zipkin shared
 * ids, virtual peers), so the anomaly report's `dependencies` equal the deps report's service edges.
 */
import { describe, expect, it } from 'vitest';
import { runAnomalies } from '../../src/commands/run-anomalies.js';
import { runDeps } from '../../src/commands/run-deps.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Store } from '../../src/storage/types.js';
import { trace } from '../support/deps-span-builder.js';
import { SHOP_WINDOW, shopTraces } from '../support/deps-workload.js';

async function store(): Promise<Store> {
  const s = createMemoryStore();
  for (const t of shopTraces()) await s.writeSpans(t.spans);
  // A Zipkin-style RPC: client and server halves share one span id.
  const shared = trace('9999', [
    { id: '1', service: 'frontend', op: 'GET /search', kind: 'server', start: 1_000, duration: 9_000 },
    { id: '2', service: 'frontend', op: 'search.Query', kind: 'client', parent: '1', start: 1_100, duration: 5_000 },
    { id: '2', service: 'search', op: 'Query', kind: 'server', parent: '1', start: 1_200, duration: 4_000 },
  ]);
  await s.writeSpans(shared.spans);
  return s;
}

describe('deps and anomalies: one service graph', () => {
  it('report the same service edges, with the same call counts, for the same window', async () => {
    const s = await store();
    const deps = await runDeps({ source: { kind: 'store', uri: 'memory:', window: SHOP_WINDOW }, level: 'service' }, { openStore: async () => s });
    const anomalies = await runAnomalies(s, {
      window: SHOP_WINDOW,
      baseline: { start: SHOP_WINDOW.start - 3_600_000_000, end: SHOP_WINDOW.start - 1 },
      top: 5,
      method: 'ochiai',
      pagerank: false,
    });
    const depsEdges = deps.edges.map((e) => ({ parent: e.source, child: e.target, callCount: e.calls }));
    depsEdges.sort((a, b) => (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : a.child < b.child ? -1 : a.child > b.child ? 1 : 0));
    expect(anomalies.dependencies).toEqual(depsEdges);
    // Every kind of call the rule pairs is in the data, so the equality covers each of them.
    const has = (parent: string, child: string) => depsEdges.some((e) => e.parent === parent && e.child === child);
    expect(has('checkout', 'email')).toBe(true); // FOLLOWS_FROM, producer → consumer
    expect(has('cart', 'redis-cart')).toBe(true); // virtual peer
    expect(has('frontend', 'search')).toBe(true); // shared span id
    expect(has('fraud', 'payments')).toBe(true); // cycle back
  });
});
