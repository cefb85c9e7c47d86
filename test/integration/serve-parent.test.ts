/**
 * `serve` dies with the process that started it: a go-plugin sidecar whose Jaeger is killed -9, a
 * `serve` behind a wrapper (npx, a shell script) killed -9; and keeps running under a parent that
 * stays. The wrapper is a real process between the test and `serve`; `serve` writes straight into
 * the pipes the test reads (inherited through the wrapper), so the pipes close exactly when
 * `serve` exits — the test waits on that event, not on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { healthStatus, startServe } from '../support/serve-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-parent-'));
const wrappers: ChildProcess[] = [];
afterAll(() => {
  for (const w of wrappers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A parent that starts `serve` with the wrapper's own stdout/stderr and then just stays. */
const WRAPPER = `
const { spawn } = require('node:child_process');
const [bin, ...args] = process.argv.slice(1);
spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
setInterval(() => {}, 1 << 30);
`;

interface Wrapped {
  wrapper: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `serve` (the last writer of both pipes) has exited. */
  serveExited: Promise<void>;
}

function wrapped(args: string[], env: NodeJS.ProcessEnv = {}): Wrapped {
  const wrapper = spawn(process.execPath, ['-e', WRAPPER, BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  wrappers.push(wrapper);
  let stdout = '';
  let stderr = '';
  wrapper.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  wrapper.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = (s: NodeJS.ReadableStream) => new Promise<void>((resolve) => s.once('close', () => resolve()));
  return { wrapper, stdout: () => stdout, stderr: () => stderr, serveExited: Promise.all([closed(wrapper.stdout!), closed(wrapper.stderr!)]).then(() => undefined) };
}

/** Resolves with the first stdout or stderr text matching `pattern`. */
function waitFor(w: Wrapped, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(w[stream]());
      if (!m) return false;
      w.wrapper[stream]!.off('data', check);
      resolve(m);
      return true;
    };
    if (check()) return;
    w.wrapper[stream]!.on('data', check);
    void w.serveExited.then(() => check() || reject(new Error(`serve exited first; stderr: ${w.stderr()}`)));
  });
}

const logged = (w: Wrapped, message: string) => w.stderr().split('\n').some((l) => l.includes(`"@message":"${message}"`));

describe('serve and its parent process', () => {
  it('a go-plugin sidecar exits cleanly within 2 s of its parent being killed -9', async () => {
    const w = wrapped(['--config', ''], { STORAGE_PLUGIN: 'jaeger', PLUGIN_PROTOCOL_VERSIONS: '1', JAEGER_SLS_STORE: `sqlite:${path.join(dir, 'sidecar.db')}` });
    const [, port] = await waitFor(w, 'stdout', /^1\|1\|tcp\|127\.0\.0\.1:(\d+)\|grpc\n/);
    const address = `127.0.0.1:${port}`;
    expect(await healthStatus(address, 'plugin')).toBe(1);
    const killedAt = performance.now();
    w.wrapper.kill('SIGKILL');
    await w.serveExited;
    const took = performance.now() - killedAt;
    expect(logged(w, 'parent process is gone'), w.stderr()).toBe(true);
    // "stopped" is logged after the server drained; the store closes after it, before exit.
    expect(logged(w, 'stopped'), w.stderr()).toBe(true);
    // go-plugin's contract: the plugin is gone within 2 s of its host.
    expect(took).toBeLessThan(2000);
    await expect(healthStatus(address, '')).rejects.toMatchObject({ code: 14 });
  });

  it('serve behind a wrapper exits cleanly when the wrapper is killed -9; serve under a parent that stays keeps running', async () => {
    const staying = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:']);
    const w = wrapped(['serve', '--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(dir, 'wrapped.db')}`]);
    const [, address] = await waitFor(w, 'stderr', /"@message":"listening".*?"address":"([^"]+)"/);
    expect(await healthStatus(address, '')).toBe(1);
    w.wrapper.kill('SIGKILL');
    await w.serveExited;
    expect(logged(w, 'parent process is gone'), w.stderr()).toBe(true);
    expect(logged(w, 'stopped'), w.stderr()).toBe(true);
    await expect(healthStatus(address, '')).rejects.toMatchObject({ code: 14 });
    // The test process, serve's parent, is still there: serve has seen several polls and serves on.
    expect(await healthStatus(staying.address, '')).toBe(1);
    expect(staying.logs().some((l) => l['@message'] === 'parent process is gone')).toBe(false);
    expect(await staying.stop()).toBe(0);
  });
});
