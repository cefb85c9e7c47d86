import { buildDependencyGraph } from '../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../src/analysis/dependency-report.js';
import type { DependencyReport } from '../../src/analysis/dependency-report.js';
import { findCycles } from '../../src/analysis/graph-cycles.js';
import type { Trace } from '../../src/model/index.js';
import { Random } from '../../src/workload/random.js';
import { T0, trace } from './deps-span-builder.js';
import type { SpanSpec } from './deps-span-builder.js';

/** The window the shop workload's traces start in: [T0, T0 + 10 min]. */
export const SHOP_WINDOW = { start: T0, end: T0 + 600_000_000 };

/**
 * A small deterministic "shop": frontend → cart (→ redis), frontend → checkout → payments (some
 * 503s), checkout → kafka producer → email consumer (FOLLOWS_FROM), checkout → postgres (virtual),
 * a payments → fraud → payments call cycle, and one orphan span. `traces` traces, seeded.
 */
export function shopTraces(traces = 60, seed = 1): Trace[] {
  const rnd = new Random(seed);
  const out: Trace[] = [];
  for (let t = 0; t < traces; t++) {
    const id = (0x1000 + t).toString(16);
    const start = Math.floor((t * 600_000_000) / traces);
    const d = (median: number) => Math.max(50, Math.round(rnd.logNormal(median, 0.4)));
    const specs: SpanSpec[] = [
      { id: '1', service: 'frontend', op: 'GET /checkout', kind: 'server', start, duration: d(40_000) },
      { id: '2', service: 'frontend', op: 'cart.Get', kind: 'client', parent: '1', start: start + 100, duration: d(8_000) },
      { id: '3', service: 'cart', op: 'GetCart', kind: 'server', parent: '2', start: start + 200, duration: d(6_000) },
      { id: '4', service: 'cart', op: 'HGET', kind: 'client', parent: '3', start: start + 300, duration: d(900), tags: { 'db.system': 'redis', 'server.address': 'redis-cart' } },
      { id: '5', service: 'frontend', op: 'checkout.Place', kind: 'client', parent: '1', start: start + 9_000, duration: d(25_000) },
      { id: '6', service: 'checkout', op: 'PlaceOrder', kind: 'server', parent: '5', start: start + 9_100, duration: d(22_000) },
      { id: '7', service: 'checkout', op: 'INSERT orders', kind: 'client', parent: '6', start: start + 9_200, duration: d(3_000), tags: { 'db.system': 'postgresql', 'db.name': 'orders' } },
      { id: '8', service: 'checkout', op: 'payments.Charge', kind: 'client', parent: '6', start: start + 12_500, duration: d(12_000) },
      { id: '9', service: 'payments', op: 'Charge', kind: 'server', parent: '8', start: start + 12_600, duration: d(10_000), tags: t % 10 === 3 ? { 'http.status_code': 503 } : { 'http.status_code': 200 } },
      { id: 'a', service: 'checkout', op: 'orders publish', kind: 'producer', parent: '6', start: start + 25_000, duration: d(500), tags: { 'messaging.system': 'kafka' } },
      { id: 'b', service: 'email', op: 'orders process', kind: 'consumer', refs: [['FOLLOWS_FROM', 'a']], start: start + 40_000, duration: d(2_000) },
    ];
    if (t % 4 === 0) {
      specs.push(
        { id: 'c', service: 'payments', op: 'fraud.Score', kind: 'client', parent: '9', start: start + 13_000, duration: d(3_000) },
        { id: 'd', service: 'fraud', op: 'Score', kind: 'server', parent: 'c', start: start + 13_100, duration: d(2_500) },
        { id: 'e', service: 'fraud', op: 'payments.History', kind: 'client', parent: 'd', start: start + 13_200, duration: d(1_000) },
        { id: 'f', service: 'payments', op: 'History', kind: 'server', parent: 'e', start: start + 13_300, duration: d(800) },
      );
    }
    if (t === 7) specs.push({ id: '10', service: 'email', op: 'retry', parent: 'ffff', start: start + 50_000, duration: 700 });
    out.push(trace(id, specs));
  }
  return out;
}

/** The shop workload's report over SHOP_WINDOW, cycles included. */
export function shopReport(): DependencyReport {
  const b = buildDependencyGraph(shopTraces());
  const r = dependencyReport(b.graph, { input: 'traces', window: SHOP_WINDOW, totals: b.totals });
  r.cycles = findCycles(b.graph);
  return r;
}
