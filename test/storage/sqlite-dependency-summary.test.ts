import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DependencyGraphBuilder } from '../../src/analysis/dependency-graph.js';
import type { GraphLevel } from '../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../src/analysis/dependency-report.js';
import type { DependencySpans } from '../../src/facts/dependency-spans.js';
import { DependencySpansBuffer, SPAN_FACTS_RULE_VERSION } from '../../src/facts/dependency-spans.js';
import { DependencyLinkCounter } from '../../src/facts/dependency-links.js';
import { findCycles } from '../../src/analysis/graph-cycles.js';
import type { Span, Trace } from '../../src/model/index.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { forEachDependencySpans } from '../../src/storage/dependency-spans-source.js';
import { DependencySummaryReader, encodeDependencySummary } from '../../src/storage/sqlite/dependency-summary.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { SpanReader } from '../../src/storage/types.js';
import { T0, trace } from '../support/deps-span-builder.js';
import { shopTraces, SHOP_WINDOW } from '../support/deps-workload.js';
import { collect } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-depsum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Traces for the rules the shop workload lacks: shared and duplicate ids, cross-trace and dangling references, peer tags, odd values. */
function edgeCases(): Trace[] {
  const zipkin = trace('e1', [
    { id: '1', service: 'web', kind: 'server', start: 0, duration: 9_000 },
    { id: '2', service: 'web', kind: 'client', parent: '1', start: 10, duration: 5_000 },
    { id: '2', service: 'api', kind: 'server', parent: '1', start: 20, duration: 4_000, tags: { 'otel.status_code': 'ERROR' } },
    { id: '2', service: 'api', kind: 'server', parent: '1', start: 20, duration: 4_000 },
    { id: '3', service: 'api', kind: 'client', parent: '2', start: 30, duration: 100, tags: { 'peer.service': 'légacy-ßvc', 'db.system': 'mysql' } },
    { id: '4', service: 'api', parent: '2', start: 40, duration: 5_000_000_000_000, tags: { 'peer.service': 'leaf-peer', error: true } },
    { id: '5', service: 'worker', kind: 'consumer', refs: [['FOLLOWS_FROM', '3'], ['CHILD_OF', 'dead']], start: 9_999_999, duration: 0 },
    { id: '6', service: 'worker', kind: 'producer', parent: '5', start: 10_000_000, duration: 7, tags: { 'messaging.system': 'rabbitmq', 'http.response.status_code': '502' } },
  ]);
  const other = zipkin.spans[6];
  const crossTrace: Span = { ...other, spanId: '00000000000000ff', references: [{ refType: 'CHILD_OF', traceId: 'f'.repeat(32), spanId: '0000000000000001' }] };
  zipkin.spans.push(crossTrace);
  const lonely = trace('e2', [{ id: '1', service: 'cron', kind: 'internal', parent: '9', start: 5, duration: 3, tags: { 'server.address': 'cron-host', 'span.kind': 'weird' } }]);
  return [zipkin, lonely];
}

/** The public parts of a DependencySpans, for comparison. */
function plain(ds: DependencySpans) {
  const n = ds.length;
  const refs = ds.refStart[n];
  return {
    id: [...ds.id.subarray(0, n)],
    service: [...ds.service.subarray(0, n)].map((k) => ds.names[k]),
    operation: [...ds.operation.subarray(0, n)].map((k) => ds.names[k]),
    start: [...ds.start.subarray(0, n)],
    duration: [...ds.duration.subarray(0, n)],
    facts: ds.facts.slice(0, n).map((f) => ({ ...f })),
    refStart: [...ds.refStart.subarray(0, n + 1)],
    refTarget: [...ds.refTarget.subarray(0, refs)],
    refFollowsFrom: [...ds.refFollowsFrom.subarray(0, refs)],
  };
}

function chunkOf(offset: number, spans: readonly Span[]) {
  const starts = spans.map((s) => s.startTime);
  return { offset, traceKey: Buffer.from(spans[0].traceId, 'hex'), startMin: Math.min(...starts), startMax: Math.max(...starts), spans };
}

describe('dependency summary encoding', () => {
  it('decodes, chunk by chunk, exactly what the dependency rules derive from the whole spans', () => {
    // Above 32 spans the encoder numbers ids through a map instead of comparing them: a chain of
    // 40 spans whose 30th repeats the 10th's id (a shared client/server span) and refers back to it.
    const long = trace('f3', [
      ...Array.from({ length: 40 }, (_, i) => ({ id: String(i + 1), service: `s${i % 3}`, kind: i % 2 ? 'server' : 'client', parent: i ? String(i) : undefined, start: i, duration: 50 - i })),
      { id: '10', service: 's9', kind: 'server', parent: '10', start: 45, duration: 1 },
    ]);
    const traces = [...shopTraces(12), ...edgeCases(), long];
    const chunks = traces.map((t, i) => chunkOf(1_000_000_000_000 + i * 3, t.spans));
    const reader = new DependencySummaryReader(Buffer.from(encodeDependencySummary(chunks)), 5);
    const decoded = new DependencySpansBuffer();
    const expected = new DependencySpansBuffer();
    for (const chunk of chunks) {
      expect(reader.next()).toBe(true);
      expect(reader.chunkId).toBe(5 + chunk.offset);
      expect([reader.startMin, reader.startMax]).toEqual([chunk.startMin, chunk.startMax]);
      expect(Buffer.from(reader.traceKey()).toString('hex')).toBe(chunk.spans[0].traceId);
      expect(plain(reader.read(decoded))).toEqual(plain(expected.fromTrace({ spans: chunk.spans })));
    }
    expect(reader.next()).toBe(false);
  });

  it('skips chunks without decoding them and rejects an unknown version', () => {
    const traces = shopTraces(3);
    const summary = Buffer.from(encodeDependencySummary(traces.map((t, i) => chunkOf(i + 1, t.spans))));
    const reader = new DependencySummaryReader(summary);
    const ids: number[] = [];
    while (reader.next()) ids.push(reader.chunkId);
    expect(ids).toEqual([1, 2, 3]);
    summary[0] = 9;
    expect(() => new DependencySummaryReader(summary)).toThrow(/unknown version 9/);
  });
});

describe('sqlite store dependency facts', () => {
  /** The report (cycles included) built from the reader's dependency facts, or from findTraces when `viaTraces`. */
  async function report(reader: SpanReader, window: { start: number; end: number }, level: GraphLevel, viaTraces: boolean) {
    const b = new DependencyGraphBuilder({ level });
    const w = { startTimeMin: window.start, startTimeMax: window.end };
    if (viaTraces) for (const t of await collect(reader.findTraces(w))) b.addTrace(t);
    else await forEachDependencySpans(reader, w, (ds) => b.addSpans(ds));
    const r = dependencyReport(b.graph, { input: 'traces', window, totals: b.totals });
    r.edges.sort((x, y) => (x.source + x.target < y.source + y.target ? -1 : 1));
    return { ...r, cycles: findCycles(b.graph).map((c) => c.nodes) };
  }

  it('gives the same graph as the spans for whole, split and pre-v3 traces, in any window', async () => {
    const file = path.join(dir, 'mixed.db');
    const store = await openSqliteStore(file);
    const traces = [...shopTraces(60), ...edgeCases()];
    const memory = createMemoryStore();
    await memory.writeSpans(traces.flatMap((t) => t.spans));
    // Traces 0–9 written before schema v3 (their summaries removed below), 8–9 completed after it;
    // 10–39 whole, one batch each of ten; 40–59 and the edge cases in halves over two batches
    // (first spans, then the later ones, so a window can end between a trace's chunks).
    await store.writeSpans(traces.slice(0, 10).flatMap((t, i) => (i >= 8 ? t.spans.slice(0, 3) : t.spans)));
    const db = new Database(file);
    db.exec('DELETE FROM dependency_summaries');
    db.close();
    await store.writeSpans(traces.slice(8, 10).flatMap((t) => t.spans.slice(3)));
    for (let i = 10; i < 40; i += 10) await store.writeSpans(traces.slice(i, i + 10).flatMap((t) => t.spans));
    const rest = traces.slice(40);
    await store.writeSpans(rest.flatMap((t) => t.spans.slice(0, 5)));
    await store.writeSpans(rest.flatMap((t) => t.spans.slice(5)));

    const windows = [
      SHOP_WINDOW,
      { start: T0 + 100_000_000, end: T0 + 300_000_000 },
      { start: T0 + 12_600, end: T0 + 12_600 },
      { start: T0 - 10, end: T0 + 10_000_005 },
      { start: T0 + 400_000_000, end: T0 + 400_005_000 },
      { start: T0 + 410_009_000, end: T0 + 590_000_000 },
      { start: T0 + 700_000_000, end: T0 + 800_000_000 },
    ];
    for (const window of windows) {
      for (const level of ['service', 'operation'] as const) {
        const fromSpans = await report(store, window, level, true);
        expect(fromSpans).toEqual(await report(memory, window, level, true));
        expect(await report(store, window, level, false)).toEqual(fromSpans);
      }
      expect(await store.getDependencies(window.end, window.end - window.start)).toEqual(await memory.getDependencies(window.end, window.end - window.start));
    }
    expect((await report(store, SHOP_WINDOW, 'service', false)).totals.traces).toBe(62);
    await store.close();
  });
});

describe('sqlite dependency summaries under another facts rule version', () => {
  /** The links of the store, with every stored summary's service name `payments` renamed `paymentZ` and its rule version byte set. */
  async function linksWithTamperedSummaries(name: string, ruleVersion: number) {
    const file = path.join(dir, name);
    const store = await openSqliteStore(file);
    await store.writeSpans(shopTraces(20).flatMap((t) => t.spans));
    await store.close();
    const db = new Database(file);
    const rows = db.prepare('SELECT rowid AS id, summary FROM dependency_summaries').all() as { id: number; summary: Buffer }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const s = Buffer.from(r.summary);
      const at = s.indexOf(Buffer.from('\x08payments')); // the string table entry: length 8, UTF-8
      expect(at).toBeGreaterThan(0);
      s.write('paymentZ', at + 1);
      s[5] = ruleVersion;
      db.prepare('UPDATE dependency_summaries SET summary = ? WHERE rowid = ?').run(s, r.id);
    }
    db.close();
    const reopened = await openSqliteStore(file);
    const counter = new DependencyLinkCounter();
    await forEachDependencySpans(reopened, { startTimeMin: SHOP_WINDOW.start, startTimeMax: SHOP_WINDOW.end }, (ds) => counter.addSpans(ds));
    await reopened.close();
    return counter.links().flatMap((l) => [l.parent, l.child]);
  }

  it('reads summaries of the current rule version, and derives the facts again from the spans for any other', async () => {
    expect(SPAN_FACTS_RULE_VERSION).toBe(0); // files written before the version byte was kept hold 0
    expect(await linksWithTamperedSummaries('current.db', SPAN_FACTS_RULE_VERSION)).toContain('paymentZ');
    const stale = await linksWithTamperedSummaries('stale.db', SPAN_FACTS_RULE_VERSION + 1);
    expect(stale).toContain('payments');
    expect(stale).not.toContain('paymentZ');
  });
});
