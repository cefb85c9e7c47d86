import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { createMemoryStore } from '../../../src/storage/memory/memory-store.js';
import type { AnomaliesOptions } from '../../../src/commands/run-anomalies.js';
import { runAnomalies } from '../../../src/commands/run-anomalies.js';
import { normalTraces, threeTier, traceIdOf, workload } from '../analysis/fixtures.js';

const HOUR = 3_600_000_000;
const T0 = 1_772_000_000_000_000;
const W0 = T0 + HOUR;

function opts(over: Partial<AnomaliesOptions> = {}): AnomaliesOptions {
  return { window: { start: W0, end: W0 + HOUR }, baseline: { start: T0, end: W0 - 1 }, top: 5, method: 'ochiai', pagerank: false, ...over };
}

/** Every number in the JSON form is finite (JSON.stringify turns NaN/Infinity into null). */
function assertNoNaN(value: unknown, path = '$'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => assertNoNaN(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertNoNaN(v, `${path}.${k}`);
}

describe('runAnomalies', () => {
  it('finds the injected slow service in a simple-traces workload and labels its traces', async () => {
    const store = createMemoryStore();
    for (const t of workload({ seed: 1, traces: 2000, startTime: T0, intervalUs: 1_500_000 }).traces) await store.writeSpans(t.spans);
    const incident = workload({ seed: 2, traces: 400, startTime: W0, intervalUs: 5_000_000, slowService: 'service-3', extraUs: 2_000_000 });
    for (const t of incident.traces) await store.writeSpans(t.spans);
    const r = await runAnomalies(store, opts({ pagerank: true }));
    expect(r.window.traces).toBe(400);
    expect(r.baseline.traces).toBe(2000);
    expect(r.rootCauses[0].service).toBe('service-3');
    expect(r.rootCauses[0].rank).toBe(1);
    expect(r.rootCauses[0].evidence.originShare).toBeGreaterThan(0.9);
    expect(r.rootCauses[0].evidence.exampleTraceIds.every((id) => incident.faulty.has(id))).toBe(true);
    expect(r.operationRootCauses[0].service).toBe('service-3');
    const flagged = new Set(r.abnormalTraces.map((t) => t.traceId));
    let tp = 0;
    for (const id of flagged) if (incident.faulty.has(id)) tp++;
    expect(tp / incident.faulty.size).toBeGreaterThan(0.9); // recall
    expect(tp / flagged.size).toBeGreaterThan(0.9); // precision
    expect(r.histograms.length).toBeGreaterThan(0);
    expect(r.histograms[0].service).toBe('service-3');
    expect(r.dependencies.some((l) => l.child === 'service-3')).toBe(true);
    assertNoNaN(JSON.parse(JSON.stringify(r)));
  });

  it('reports an empty window with a clear message and no NaN', async () => {
    const store = createMemoryStore();
    for (const t of normalTraces(50, T0, 1)) await store.writeSpans(t.spans);
    const r = await runAnomalies(store, opts());
    expect(r.message).toMatch(/^no traces in the window 2026-.* nothing to analyse$/);
    expect(r).toMatchObject({ window: { traces: 0, spans: 0, abnormalTraces: 0 }, baseline: { traces: 50 }, rootCauses: [], abnormalTraces: [], anomalies: [] });
    assertNoNaN(r);
    expect(JSON.stringify(r)).not.toContain('null');
  });

  it('analyses a window with a single trace', async () => {
    const store = createMemoryStore();
    for (const t of normalTraces(300, T0, 1)) await store.writeSpans(t.spans);
    await store.writeSpans(threeTier(traceIdOf(77_777), W0 + 10, { front: 90_000, mid: 89_000, db: 2000 }).spans);
    const r = await runAnomalies(store, opts());
    expect(r.window.traces).toBe(1);
    expect(r.abnormalTraces.map((t) => t.traceId)).toEqual([traceIdOf(77_777)]);
    expect(r.abnormalTraces[0].origins).toContainEqual({ service: 'mid', operation: 'mid.Call', signal: 'selfTime' });
    expect(r.rootCauses[0]).toMatchObject({ rank: 1, service: 'mid', operation: 'mid.Call' });
    expect(r.rootCauses[0].evidence).toMatchObject({ ef: 1, ep: 0, nf: 0, np: 0, originTraces: 1 });
    assertNoNaN(r);
  });

  it('says when nothing shifted, and when there is no baseline', async () => {
    const store = createMemoryStore();
    for (const t of normalTraces(300, T0, 1)) await store.writeSpans(t.spans);
    for (const t of normalTraces(100, W0, 5000)) await store.writeSpans(t.spans);
    const calm = await runAnomalies(store, opts());
    expect(calm.message).toMatch(/no abnormal traces among 100/);
    expect(calm.operations.length).toBe(4);
    const noBase = await runAnomalies(store, opts({ baseline: { start: 0, end: 1 } }));
    expect(noBase.message).toMatch(/no traces in the baseline .* only errors are flagged/);
  });

  it('keeps a trace straddling the window edge in the window it starts in', async () => {
    const store = createMemoryStore();
    await store.writeSpans(threeTier(traceIdOf(1), W0 - 1000, { front: 50_000, mid: 40_000, db: 1000 }).spans);
    const r = await runAnomalies(store, opts());
    expect(r.baseline.traces).toBe(1);
    expect(r.window.traces).toBe(0);
  });

  it('restricts the analysis to traces through --service', async () => {
    const store = createMemoryStore();
    for (const t of workload({ seed: 1, traces: 600, startTime: T0, intervalUs: 5_000_000 }).traces) await store.writeSpans(t.spans);
    for (const t of workload({ seed: 2, traces: 200, startTime: W0, intervalUs: 5_000_000 }).traces) await store.writeSpans(t.spans);
    const all = await runAnomalies(store, opts());
    const some = await runAnomalies(store, opts({ service: 'service-5' }));
    expect(some.service).toBe('service-5');
    expect(some.window.traces).toBeGreaterThan(0);
    expect(some.window.traces).toBeLessThan(all.window.traces);
    expect(some.baseline.traces).toBeLessThan(all.baseline.traces);
    expect(some.dependencies.some((l) => l.child === 'service-5' || l.parent === 'service-5')).toBe(true);
  });

  it('rejects bad options with InvalidArgumentError', async () => {
    const store = createMemoryStore();
    await expect(runAnomalies(store, opts({ top: 0 }))).rejects.toThrow(InvalidArgumentError);
    await expect(runAnomalies(store, opts({ method: 'x' as never }))).rejects.toThrow(/--method/);
    await expect(runAnomalies(store, opts({ window: { start: 5, end: 1 } }))).rejects.toThrow(/window: start .* is after end/);
  });
});
