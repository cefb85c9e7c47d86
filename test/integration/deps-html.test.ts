import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyGraphFromLinks } from '../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../src/analysis/dependency-report.js';
import { readLinksFile } from '../../src/commands/run-deps.js';
import { renderDepsHtml } from '../../src/render/graph-html.js';
import { buildDependencyGraph } from '../../src/analysis/dependency-graph.js';
import { errorLevel } from '../../src/render/error-levels.js';
import { defaultTopology } from '../../src/workload/default-topology.js';
import { generateWorkload } from '../../src/workload/workload.js';
import { shopReport } from '../support/deps-workload.js';
import { sharedDataPath } from '../support/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn('skipping: /usr/bin/chromium is not installed (.ci/run installs it)');

describe.skipIf(!hasChromium)('deps HTML page in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deps-html-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string): Promise<Page> {
    const file = path.join(dir, name);
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Any request other than the file itself would break "no network".
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="1"]', { timeout: 45_000 });
    expect(errors).toEqual([]);
    return page;
  }

  it('draws every node and edge of the shop graph, shows figures on hover, zooms', async () => {
    const report = shopReport();
    const page = await open(renderDepsHtml(report), 'shop.html');
    const drawn = await page.$$eval('#nodes g.node', (gs) =>
      gs.map((g) => {
        const r = g.getBoundingClientRect();
        return { label: g.textContent, w: r.width, h: r.height, x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }),
    );
    expect(drawn.map((d) => d.label).sort()).toEqual(report.nodes.map((n) => n.id).sort());
    for (const d of drawn) {
      expect(d.w).toBeGreaterThan(0);
      expect(d.x).toBeGreaterThan(0);
      expect(d.x).toBeLessThan(1280);
      expect(d.y).toBeGreaterThan(0);
      expect(d.y).toBeLessThan(800);
    }
    expect(await page.$$eval('#edges path', (ps) => ps.length)).toBe(report.edges.length);
    // Coloured by error rate, not by any error: orange from 1 %, red from 5 %.
    expect(await page.$$eval('#edges path.failing', (ps) => ps.length)).toBe(report.edges.filter((e) => errorLevel(e.errorRate) === 'failing').length);
    expect(await page.$$eval('#edges path.raised', (ps) => ps.length)).toBe(report.edges.filter((e) => errorLevel(e.errorRate) === 'raised').length);
    expect(await page.textContent('#legend')).toContain('error rate: grey < 1%, orange 1–5%, red ≥ 5%');

    // Hover the middle of the failing checkout → payments edge.
    const idx = report.edges.findIndex((e) => e.source === 'checkout' && e.target === 'payments');
    const mid = await page.$eval(`#edge-hits path[data-edge="${idx}"]`, (p) => {
      const path = p as SVGPathElement;
      const pt = path.getPointAtLength(path.getTotalLength() / 2);
      const m = path.getScreenCTM()!;
      return { x: pt.x * m.a + pt.y * m.c + m.e, y: pt.x * m.b + pt.y * m.d + m.f };
    });
    await page.mouse.move(mid.x, mid.y);
    const tip = page.locator('#tooltip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const text = await tip.textContent();
    expect(text).toContain('checkout → payments');
    expect(text).toContain('calls: 60');
    expect(text).toContain('errors: 6 (10.0%)');
    expect(text).toMatch(/latency p50 [\d.]+ms · p90 [\d.]+ms · p99 [\d.]+ms/);

    // Hover a node.
    const payments = drawn.find((d) => d.label === 'payments')!;
    const circle = await page.$eval('#nodes g.node:has(text:text-is("payments")) rect', (c) => {
      const r = c.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }).catch(() => ({ x: payments.x, y: payments.y }));
    await page.mouse.move(circle.x, circle.y);
    await expect.poll(() => tip.textContent()).toContain('requests: 75');

    // Zoom with the wheel changes the viewport transform.
    const before = await page.getAttribute('#viewport', 'transform');
    await page.mouse.move(640, 400);
    await page.mouse.wheel(0, -400);
    await expect.poll(() => page.getAttribute('#viewport', 'transform')).not.toBe(before);

    // Search focuses a service: it and its neighbours are highlighted, and it moves to the centre.
    await page.fill('#search', 'payments');
    await page.press('#search', 'Enter');
    await expect.poll(() => page.$$eval('#nodes g.node.near', (gs) => gs.map((g) => g.textContent).sort())).toEqual(['checkout', 'fraud', 'payments']);
    const centre = await page.$eval('#nodes g.node.near rect', () => {
      const g = [...document.querySelectorAll('#nodes g.node')].find((n) => n.textContent === 'payments')!;
      const r = g.querySelector('rect')!.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    expect(Math.abs(centre.x - 640)).toBeLessThan(5);
    expect(Math.abs(centre.y - 400)).toBeLessThan(5);

    await page.screenshot({ path: path.join(dir, 'shop.png') });
    expect(requests).toEqual([]);
    await page.close();
  });

  /** Pairs of node labels whose drawn boxes intersect (labels all shown, as when zoomed in). */
  async function overlappingLabels(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      document.getElementById('graph')!.classList.remove('labels-hidden', 'focused');
      const boxes = [...document.querySelectorAll('#nodes g.node text')].map((t) => ({ id: t.textContent!, r: t.getBoundingClientRect() }));
      boxes.sort((a, b) => a.r.left - b.r.left);
      const hits: string[] = [];
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length && boxes[j].r.left < boxes[i].r.right; j++) {
          const a = boxes[i].r;
          const b = boxes[j].r;
          if (a.width > 0 && b.width > 0 && a.top < b.bottom && b.top < a.bottom) hits.push(`${boxes[i].id} × ${boxes[j].id}`);
        }
      }
      return hits;
    });
  }

  it('no two node labels overlap: the demo graph (generate\'s shop, highlighted suspect) and the shop fixture', async () => {
    const start = Date.UTC(2026, 2, 1, 10) * 1000;
    const traces = [...generateWorkload({ topology: defaultTopology(), seed: 1, start, duration: 120_000_000, rate: 5, load: 'flat', faults: [] })].map((g) => g.trace);
    const b = buildDependencyGraph(traces);
    const demo = dependencyReport(b.graph, { input: 'traces', window: { start, end: start + 120_000_000 }, totals: b.totals });
    expect(demo.nodes.length).toBeGreaterThan(20);
    const page = await open(renderDepsHtml(demo, { highlight: ['cart-service'] }), 'demo.html');
    expect(await page.evaluate(() => (window as unknown as { __deps: { nodes: number } }).__deps.nodes)).toBe(demo.nodes.length);
    expect(await overlappingLabels(page)).toEqual([]);
    expect(await page.$$eval('#nodes g.node.suspect', (gs) => gs.map((g) => g.textContent))).toEqual(['cart-service']);
    // Layered left to right: every caller of an edge between distinct nodes is left of its callee, bar cycles.
    const x = new Map(await page.$$eval('#nodes g.node', (gs) => gs.map((g) => [g.textContent!, g.getBoundingClientRect().x] as [string, number])));
    const backwards = demo.edges.filter((e) => e.source !== e.target && x.get(e.source)! >= x.get(e.target)!);
    expect(backwards.length).toBeLessThanOrEqual(demo.cycles.length);
    await page.close();
    const shop = await open(renderDepsHtml(shopReport()), 'shop-labels.html');
    expect(await overlappingLabels(shop)).toEqual([]);
    await shop.close();
  });

  const large = sharedDataPath('sample-traces/jaeger-ui-fixtures/components__DependencyGraph__sample_data__large.json');
  it.skipIf(!large)('lays out and draws the 1,238-service sample graph', async () => {
    const b = dependencyGraphFromLinks(await readLinksFile(large!));
    const report = dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals });
    const started = Date.now();
    const page = await open(renderDepsHtml(report), 'large.html');
    const stats = await page.evaluate(() => (window as unknown as { __deps: Record<string, number> }).__deps);
    console.log(`large sample: page ready in ${Date.now() - started} ms`, stats);
    expect(stats).toMatchObject({ nodes: 1238, edges: 4271, drawnNodes: 1238, drawnEdges: 4271 });
    // Fit: the layered drawing fills the viewport along its longer side.
    const box = await page.$eval('#nodes', (g) => g.getBoundingClientRect().toJSON());
    expect(Math.max(box.width / 1280, box.height / 756)).toBeGreaterThan(0.8);
    expect(await overlappingLabels(page)).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
