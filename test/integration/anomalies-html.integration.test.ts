/**
 * `anomalies --format html` opened in headless Chromium: the page is self-contained (no request
 * leaves the file), the latency histograms and the service graph are drawn, and the suspect is
 * highlighted. A screenshot is written to $JAEGER_SLS_SCREENSHOT_DIR (or the temp dir) for review.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkload } from '../../src/workload/workload.js';
import { defaultTopology } from '../../src/workload/default-topology.js';
import { runCli } from '../support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const START = Date.parse('2026-03-01T10:00:00Z') * 1000;
const MINUTE = 60_000_000;

let dir: string;
let htmlFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-anomalies-html-'));
  // A small labelled workload written as Jaeger JSON lines (the `file:` store reads it).
  const lines: string[] = [];
  const { jaegerJsonFromTrace } = await import('../../src/formats/jaeger-json.js');
  const fault = { type: 'db-slow' as const, database: 'catalog-db', start: START + 20 * MINUTE, end: START + 30 * MINUTE, fraction: 1, factor: 20 };
  for (const g of generateWorkload({ topology: defaultTopology(), seed: 5, start: START, duration: 30 * MINUTE, rate: 1, faults: [fault] })) {
    lines.push(JSON.stringify(jaegerJsonFromTrace(g.trace)));
  }
  const traces = path.join(dir, 'traces.ndjson');
  await writeFile(traces, `${lines.join('\n')}\n`);
  htmlFile = path.join(dir, 'report.html');
  const r = await runCli(['anomalies', '--store', `file:${traces}`, '--start', '2026-03-01T10:20:00Z', '--end', '2026-03-01T10:30:00Z', '--baseline', '20m', '--format', 'html', '-o', htmlFile, '--quiet'], { timeoutMs: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('anomalies --format html in Chromium', () => {
  it('draws the histograms and the service graph with the suspect highlighted, offline', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const external: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) external.push(req.url());
      });
      await page.goto(pathToFileURL(htmlFile).href);
      expect(await page.title()).toBe('Trace anomalies — catalog-db');
      // Histograms: one per top operation, each with drawn baseline and window bars of real size.
      const histograms = page.locator('svg.histogram');
      expect(await histograms.count()).toBeGreaterThan(0);
      const first = histograms.first();
      expect(await first.locator('rect.baseline').count()).toBeGreaterThan(0);
      expect(await first.locator('rect.window').count()).toBeGreaterThan(0);
      const box = await first.locator('rect.window').first().boundingBox();
      expect(box!.width).toBeGreaterThan(1);
      expect(box!.height).toBeGreaterThan(0);
      // Service graph: nodes and edges laid out, the suspect drawn in red.
      const graph = page.locator('#service-graph');
      expect(await graph.locator('g.node').count()).toBeGreaterThan(10);
      expect(await graph.locator('path.edge').count()).toBeGreaterThan(10);
      const suspect = graph.locator('g.node.suspect[data-service="catalog-db"] rect');
      expect(await suspect.count()).toBe(1);
      expect(await suspect.evaluate((el) => getComputedStyle(el).stroke)).toBe('rgb(214, 39, 40)');
      expect(await page.locator('.verdict').innerText()).toContain('catalog-db');
      expect(external).toEqual([]);
      const shotDir = process.env.JAEGER_SLS_SCREENSHOT_DIR ?? dir;
      const shot = path.join(shotDir, 'anomalies-report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
