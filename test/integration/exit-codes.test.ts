/**
 * The exit-code contract (src/cli/exit-codes.ts, README "Exit codes"), through the real binary:
 * 0 success, 1 runtime failure, 2 usage or bad input, 3 no data. Every failure is one line on
 * stderr naming the user's path or address, never a temporary file or an errno code alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';

const GOOD = fileURLToPath(new URL('../fixtures/files/good', import.meta.url));
const TRACES = path.join(GOOD, 'jaeger-envelope.json');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-exit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectFailure(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(/\.tmp|E[A-Z]{3,}\b/);
}

describe('exit codes', () => {
  it('0: success', async () => {
    const r = await runCli(['export', '--store', `file:${TRACES}`, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).data.length).toBeGreaterThan(0);
  });

  it('1: a busy port names the address', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--store', 'memory:']);
      expectFailure(r, 1, new RegExp(`^jaeger-sls: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    } finally {
      busy.close();
    }
  });

  it('1: an unwritable -o names the file, for export and generate alike ("cannot write")', async () => {
    const exported = await runCli(['export', '--store', `file:${TRACES}`, '-o', '/proc/out.json', '--quiet']);
    expectFailure(exported, 1, /^jaeger-sls: cannot write \/proc\/out\.json: /);
    const generated = await runCli(['generate', '--duration', '1m', '--rate', '1', '-o', '/proc/g.ndjson', '--quiet']);
    expectFailure(generated, 1, /^jaeger-sls: cannot write \/proc\/g\.ndjson: /);
  });

  it('2: usage and bad input', async () => {
    expectFailure(await runCli(['deps', '--since', 'soon']), 2, /--since: invalid duration "soon"/);
    expectFailure(await runCli(['anomalies', '--bogus']), 2, /unknown option '--bogus'/);
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"data":[{"bad":1}]}');
    expectFailure(await runCli(['import', '--store', 'memory:', bad]), 2, /bad\.json:1: data\[0\]: not trace data/);
  });

  it('3: no data in the window, for deps, anomalies and export alike', async () => {
    const store = `file:${TRACES}`;
    const empty = ['--start', '2001-01-01T00:00:00Z', '--end', '2001-01-01T01:00:00Z'];
    expectFailure(await runCli(['deps', '--store', store, ...empty]), 3, /^jaeger-sls: no traces in the window 2001-01-01T00:00:00\.000Z/);
    expectFailure(await runCli(['anomalies', '--store', store, ...empty]), 3, /^jaeger-sls: no traces in the window 2001-01-01T00:00:00\.000Z/);
    expectFailure(await runCli(['export', '--store', store, ...empty]), 3, /^jaeger-sls: no traces match the query/);
  });

  it('the contract is printed by --help, top-level and per command', async () => {
    for (const args of [['--help'], ['deps', '--help'], ['serve', '--help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Exit codes: 0 success, 1 runtime failure (I/O, network, store), 2 usage or bad input, 3 no data in the window');
    }
  });
});
