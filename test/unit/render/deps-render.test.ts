import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDependencyGraph, dependencyGraphFromLinks } from '../../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../../src/analysis/dependency-report.js';
import { diffDependencyReports } from '../../../src/analysis/dependency-diff.js';
import { DEPS_FORMATS, renderDeps } from '../../../src/render/deps-render.js';
import { formatDurationUs, formatPercent } from '../../../src/render/format-figures.js';
import { SHOP_WINDOW, shopReport, shopTraces } from '../../support/deps-workload.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/deps/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares with test/fixtures/deps/NAME; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, actual: string): void {
  const file = `${FIXTURES}${name}`;
  if (UPDATE) writeFileSync(file, actual);
  expect(actual, `golden ${name} (UPDATE_GOLDEN=1 to refresh after a deliberate change)`).toBe(readFileSync(file, 'utf8'));
}

const EXT: Record<string, string> = { table: 'txt', json: 'json', dot: 'dot', mermaid: 'mmd', graphml: 'graphml', html: 'html' };

describe('deps renderers: golden files', () => {
  const report = shopReport();
  for (const format of DEPS_FORMATS) {
    it(`${format} matches shop.${EXT[format]}`, () => {
      golden(`shop.${EXT[format]}`, renderDeps(report, format));
    });
  }

  it('links-only input renders calls without empty figure columns', () => {
    const b = dependencyGraphFromLinks([
      { parent: 'gateway', child: 'orders', callCount: 1200 },
      { parent: 'gateway', child: 'users', callCount: 300 },
      { parent: 'orders', child: 'users', callCount: 80 },
    ]);
    const r = dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals });
    golden('links.txt', renderDeps(r, 'table'));
    golden('links.dot', renderDeps(r, 'dot'));
    const json = JSON.parse(renderDeps(r, 'json'));
    expect(json.edges[0]).toMatchObject({ source: 'gateway', target: 'orders', calls: 1200, errorRate: null, latency: null });
  });

  it('diff renders as a table and inside the JSON', () => {
    const before = shopReport();
    const b = buildDependencyGraph(shopTraces(60, 2).map((t) => ({ spans: t.spans.filter((s) => s.process.serviceName !== 'email') })));
    const after = dependencyReport(b.graph, { input: 'traces', window: { start: SHOP_WINDOW.end, end: SHOP_WINDOW.end + 600_000_000 }, totals: b.totals });
    after.diff = diffDependencyReports(before, after);
    golden('shop-diff.txt', renderDeps(after, 'table'));
    const json = JSON.parse(renderDeps(after, 'json'));
    expect(json.diff.edges.find((e: { target: string }) => e.target === 'email')).toMatchObject({ change: 'vanished', source: 'checkout' });
  });
});

describe('deps renderers: escaping and highlighting', () => {
  const b = dependencyGraphFromLinks([
    { parent: 'svc "quoted"', child: 'a<b>&c', callCount: 5 },
    { parent: 'back\\slash', child: 'svc "quoted"', callCount: 1 },
    { parent: 'a<b>&c', child: 'pipe|hash#', callCount: 2 },
  ]);
  const r = dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals });

  it('DOT quotes ids', () => {
    const dot = renderDeps(r, 'dot');
    expect(dot).toContain('"svc \\"quoted\\"" -> "a<b>&c"');
    expect(dot).toContain('"back\\\\slash"');
  });

  it('Mermaid uses generated ids and entity-escaped labels', () => {
    const mmd = renderDeps(r, 'mermaid');
    expect(mmd).toContain('["svc #34;quoted#34;"]');
    expect(mmd).toContain('["pipe#124;hash#35;"]');
    expect(mmd).not.toMatch(/\["[^"\n]*"[^\]]/);
  });

  it('GraphML escapes XML', () => {
    const xml = renderDeps(r, 'graphml');
    expect(xml).toContain('<node id="a&lt;b&gt;&amp;c">');
    expect(xml).toContain('source="svc &quot;quoted&quot;"');
  });

  it('HTML keeps data inside its script element', () => {
    const weird = dependencyGraphFromLinks([{ parent: '</script><script>alert(1)</script>', child: 'x', callCount: 1 }]);
    const html = renderDeps(dependencyReport(weird.graph, { input: 'links', window: null, totals: weird.totals }), 'html');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('highlights failing edges and weights by calls in DOT', () => {
    const dot = renderDeps(shopReport(), 'dot');
    const failing = dot.split('\n').find((l) => l.includes('"checkout" -> "payments"'))!;
    expect(failing).toContain('color="#d62728"');
    const async = dot.split('\n').find((l) => l.includes('"checkout" -> "email"'))!;
    expect(async).toContain('style=dashed');
    const penwidth = (line: string) => Number(/penwidth=([\d.]+)/.exec(line)![1]);
    const light = dot.split('\n').find((l) => l.includes('"fraud" -> "payments"'))!;
    expect(penwidth(failing)).toBeGreaterThan(penwidth(light));
  });

  it('formats figures for people', () => {
    expect([formatDurationUs(850), formatDurationUs(12_345), formatDurationUs(1_250_000), formatDurationUs(null)]).toEqual(['850µs', '12.3ms', '1.25s', '-']);
    expect([formatPercent(0), formatPercent(0.0004), formatPercent(0.123), formatPercent(null)]).toEqual(['0%', '<0.1%', '12.3%', '-']);
  });
});
