/**
 * `npm run screenshots`: regenerates docs/deps.png and docs/anomalies.png from the README demo —
 * generate a shop workload with a cart-service latency fault, then `deps --format html` (suspects
 * highlighted from the anomalies report) and `anomalies --format html` — captured in headless
 * Chromium (/usr/bin/chromium). Everything runs in a temporary folder; only the PNGs are kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/jaeger-sls.js');
const DOCS = path.join(ROOT, 'docs');
const work = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-screenshots-'));
const cli = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });

try {
  const store = 'sqlite:demo.db';
  cli('generate', '--duration', '30m', '--rate', '2', '--store', store, '--fault', 'latency:service=cart-service,delay=300ms,start=20m,end=30m', '--quiet');
  cli('anomalies', '--store', store, '--end', 'latest', '--since', '10m', '--baseline', '20m', '--format', 'json', '-o', 'anomalies.json', '--quiet');
  cli('anomalies', '--store', store, '--end', 'latest', '--since', '10m', '--baseline', '20m', '--format', 'html', '-o', 'anomalies.html', '--quiet');
  cli('deps', '--store', store, '--end', 'latest', '--since', '30m', '--format', 'html', '--highlight', 'anomalies.json', '-o', 'deps.html', '--quiet');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const deps = await browser.newPage({ viewport: { width: 1400, height: 820 } });
    await deps.goto(pathToFileURL(path.join(work, 'deps.html')).href);
    await deps.waitForSelector('html[data-ready="1"]');
    await deps.screenshot({ path: path.join(DOCS, 'deps.png') });
    const anomalies = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await anomalies.goto(pathToFileURL(path.join(work, 'anomalies.html')).href);
    await anomalies.screenshot({ path: path.join(DOCS, 'anomalies.png') });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${path.join(DOCS, 'deps.png')} and ${path.join(DOCS, 'anomalies.png')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
