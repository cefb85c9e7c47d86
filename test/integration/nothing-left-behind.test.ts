/**
 * A failed or interrupted command leaves nothing behind (the real binary, real files): no store file
 * when it fails before writing, no temporary file after SIGINT/SIGTERM, and `-o` and
 * `--store sqlite:` refuse a missing folder alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/cli.js';

let dir: string;
/** An NDJSON trace file big enough that exporting it takes seconds. */
let big: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-left-'));
  big = path.join(dir, 'big.ndjson');
  const r = await runCli(['generate', '--duration', '3m', '--rate', '10', '-o', big, '--quiet'], { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).sort();
}

describe('nothing left behind', () => {
  it('a rejected import creates no store file', async () => {
    const work = await mkdtemp(path.join(dir, 'import-'));
    const bad = path.join(work, 'bad.json');
    await writeFile(bad, '{"data":[{"bad":1}]}');
    const r = await runCli(['import', '--store', `sqlite:${path.join(work, 'i.db')}`, bad]);
    expect(r.code, r.stderr).toBe(2);
    expect(await filesIn(work)).toEqual(['bad.json']);
  });

  it('serve that cannot bind creates no store file', async () => {
    const work = await mkdtemp(path.join(dir, 'serve-'));
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const r = await runCli(['serve', '--listen', `127.0.0.1:${(busy.address() as net.AddressInfo).port}`, '--store', `sqlite:${path.join(work, 's.db')}`]);
      expect(r.code, r.stderr).toBe(1);
    } finally {
      busy.close();
    }
    expect(await filesIn(work)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('export -o interrupted by %s removes its temporary file', async (signal) => {
    const work = await mkdtemp(path.join(dir, `export-${signal}-`));
    const out = path.join(work, 'out.json');
    const child = spawn(process.execPath, [BIN, 'export', '--store', `file:${big}`, '-o', out, '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    // Interrupt once the temporary file has data: the export is under way.
    await new Promise<void>((resolve) => {
      const watcher = watch(work, async () => {
        const temp = (await readdir(work)).find((f) => f.startsWith('out.json.tmp-'));
        if (temp && (await stat(path.join(work, temp)).catch(() => undefined))?.size) {
          watcher.close();
          resolve();
        }
      });
    });
    child.kill(signal);
    expect(await exited).toBe(signal);
    expect(await filesIn(work)).toEqual([]);
  });

  it('-o and --store sqlite: refuse a missing folder the same way (exit 2, naming the path)', async () => {
    const missing = path.join(dir, 'no-such-folder');
    const output = await runCli(['export', '--store', `file:${big}`, '--limit', '1', '-o', path.join(missing, 'out.json'), '--quiet']);
    expect(output.code, output.stderr).toBe(2);
    expect(output.stderr).toMatch(/cannot write .*no-such-folder\/out\.json: the folder .* does not exist/);
    const store = await runCli(['import', '--store', `sqlite:${path.join(missing, 'i.db')}`, big]);
    expect(store.code, store.stderr).toBe(2);
    expect(store.stderr).toMatch(/no-such-folder\/i\.db.*does not exist/);
    expect(existsSync(missing)).toBe(false);
  });
});
