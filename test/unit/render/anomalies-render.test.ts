import { beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyReport } from '../../../src/analysis/anomaly-report.js';
import { runAnomalies } from '../../../src/commands/run-anomalies.js';
import { renderAnomalies } from '../../../src/render/anomalies-render.js';
import { createMemoryStore } from '../../../src/storage/memory/memory-store.js';
import { normalTraces, threeTier, traceIdOf } from '../analysis/fixtures.js';

const HOUR = 3_600_000_000;
const T0 = 1_772_000_000_000_000;
const W0 = T0 + HOUR;
let report: AnomalyReport;
let empty: AnomalyReport;

beforeAll(async () => {
  const store = createMemoryStore();
  for (const t of normalTraces(400, T0, 1)) await store.writeSpans(t.spans);
  for (const t of normalTraces(60, W0, 5000)) await store.writeSpans(t.spans);
  for (let i = 0; i < 12; i++) await store.writeSpans(threeTier(traceIdOf(90_000 + i), W0 + i * 1_000_000 + 5, { front: 84_000, mid: 83_000, db: 80_000 }).spans);
  const opts = { window: { start: W0, end: W0 + HOUR }, baseline: { start: T0, end: W0 - 1 }, top: 3, method: 'ochiai' as const, pagerank: false };
  report = await runAnomalies(store, opts);
  empty = await runAnomalies(store, { ...opts, window: { start: W0 + 2 * HOUR, end: W0 + 3 * HOUR } });
});

describe('anomalies renderers', () => {
  it('json is the report, parseable and stable, with the abnormal-trace list bounded by maxTraces and counted', () => {
    const text = renderAnomalies(report, 'json');
    expect(JSON.parse(text)).toEqual({ ...JSON.parse(JSON.stringify(report)), abnormalTracesOmitted: 0 });
    expect(Object.keys(JSON.parse(text)).slice(0, 3)).toEqual(['version', 'window', 'baseline']);
    expect(JSON.parse(text).rootCauses[0]).toMatchObject({ rank: 1, service: 'db', operation: 'SELECT' });
    const bounded = JSON.parse(renderAnomalies(report, 'json', { maxTraces: 5 }));
    expect(bounded.abnormalTraces.map((t: { traceId: string }) => t.traceId)).toEqual(report.abnormalTraces.slice(0, 5).map((t) => t.traceId));
    expect(bounded.abnormalTracesOmitted).toBe(7);
    expect(bounded.window.abnormalTraces).toBe(12);
  });

  it('table (default) fits 120 columns, shows median and p99 shifts, and explains its abbreviations', () => {
    const text = renderAnomalies(report, 'table');
    expect(text).toMatch(/^Anomalies .*: 12 abnormal of 72 traces/);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(120);
    expect(text).toContain('Root causes (services)');
    const firstRow = text.split('\n').find((l) => /│ 1 +│/.test(l))!;
    expect(firstRow).toMatch(/│ db +│ SELECT +│ [\d.]+ +│ 100% +│ (latency 12, self-time 12|self-time 12, latency 12)/);
    // 12 of 72 traces slow: the p99 moved (×33), the median did not; the headline names the p99.
    expect(text).toMatch(/^Largest shift: mid \/ SELECT \[client\] p99 2\.\d+ms → 80\.0ms \(×33\)$/m);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toMatch(/Legend: .*"relay only" = .*ef\/ep = abnormal\/normal traces through the node, nf\/np = /);
  });

  it('table --wide shows every evidence column and both median and p99 shifts', () => {
    const text = renderAnomalies(report, 'table', { wide: true });
    const firstRow = text.split('\n').find((l) => /│ 1 +│/.test(l))!;
    expect(firstRow).toContain('ef 12 ep 60 nf 0 np 0'); // the database is in every trace
    expect(firstRow).toMatch(/100% \(12 traces\)/);
    expect(text).toMatch(/mid \/ SELECT \[client\] +│ latency, selfTime +│ latency 12, self-time 12 +│ median 2\.\d+ms → 2\.\d+ms \(×1\.00\), p99 2\.\d+ms → 80\.0ms \(×33\)/);
  });

  it('markdown is ticket-ready', () => {
    const text = renderAnomalies(report, 'markdown');
    expect(text).toContain('## Trace anomalies');
    // 12 origin traces of 12, far ahead of the relays: a clear verdict, with its margin.
    expect(text).toContain('**Root cause:** `db`');
    expect(text).toMatch(/Confidence clear: db is \d+% ahead of \w+ \(the noise of its 12 abnormal traces is ±29%\) and originates 100% of the abnormal traces\./);
    expect(text).toMatch(/^\| 1 \| db \| SELECT \| /m);
    expect(text).toContain(`\`${traceIdOf(90_000)}\``);
    const linked = renderAnomalies(report, 'markdown', { jaegerUi: 'http://jaeger.example:16686/' });
    expect(linked).toContain(`[\`${traceIdOf(90_000)}\`](http://jaeger.example:16686/trace/${traceIdOf(90_000)})`);
    expect(linked).toMatch(/_Legend:_ .*nf\/np/);
  });

  it('html is one self-contained page with histograms and the suspect graph', () => {
    const html = renderAnomalies(report, 'html');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('<svg class="histogram"');
    expect(html).toMatch(/<g class="node suspect" data-service="db">/);
    const linked = renderAnomalies(report, 'html', { jaegerUi: 'http://jaeger.example:16686' });
    expect(linked).toContain(`<a href="http://jaeger.example:16686/trace/${traceIdOf(90_000)}"><code>${traceIdOf(90_000)}</code></a>`);
  });

  it('every text format says "no clear root cause" when the ranking is flat, and never claims one', () => {
    const flat: AnomalyReport = {
      ...report,
      confidence: { level: 'none', margin: 0.04, contenders: ['db', 'mid'], reason: 'no clear root cause: db, mid score within the noise of each other (db is only 4% ahead of mid; the noise of its 12 abnormal traces is ±29%)' },
    };
    // The table wraps long lines at its width: compare with whitespace collapsed.
    const table = renderAnomalies(flat, 'table').replace(/\s+/g, ' ');
    expect(table).toContain('No clear root cause; first suspect: db. Confidence none: no clear root cause: db, mid score within the noise of each other (db is only 4% ahead of mid');
    const markdown = renderAnomalies(flat, 'markdown');
    expect(markdown).toContain('**No clear root cause; first suspect:** `db`');
    expect(markdown).not.toMatch(/\*\*(Most likely root cause|Root cause):/);
    const html = renderAnomalies(flat, 'html');
    expect(html).toMatch(/<div class="verdict">No clear root cause; first suspect: <b>db<\/b>.*Confidence none: no clear root cause/);
    expect(JSON.parse(renderAnomalies(flat, 'json')).confidence).toEqual(flat.confidence);
    const likely = renderAnomalies({ ...report, confidence: { ...flat.confidence!, level: 'likely', reason: 'db is 40% ahead of mid, but it originates only 30% of the abnormal traces' } }, 'markdown');
    expect(likely).toContain('**Most likely root cause:** `db`');
  });

  it('every format states an empty window instead of failing', () => {
    for (const f of ['table', 'markdown', 'html'] as const) expect(renderAnomalies(empty, f)).toMatch(/no traces in the window/);
    expect(JSON.parse(renderAnomalies(empty, 'json')).message).toMatch(/no traces in the window/);
  });
});

describe('anomalies text: the instance column', () => {
  it('names the instance slower than its siblings, with what moved, before the most frequent origin instance', async () => {
    const { instanceText } = await import('../../../src/render/anomalies-text.js');
    const evidence = { ef: 1, ep: 0, nf: 0, np: 0, spectrum: 1, originTraces: 1, originShare: 1, signals: { latency: 0, selfTime: 1, gap: 0, error: 0 }, criticalPathShare: 0, exampleTraceIds: [], topInstance: { name: 'mid-1', share: 0.5 } };
    const rc = { rank: 1, service: 'mid', operation: 'op', score: 1, evidence };
    expect(instanceText(rc)).toMatch(/^mid-1 \(50(\.0)?%\)$/);
    const shifted = { ...rc, evidence: { ...evidence, instanceShift: { instance: 'mid-2', operation: 'op', signal: 'selfTime' as const, z: 6, delta: 0.8, shift: Math.log(2), score: 0.55 } } };
    expect(instanceText(shifted)).toMatch(/^mid-2 \(self-time ×2(\.0+)? its siblings'\)$/);
  });
});
