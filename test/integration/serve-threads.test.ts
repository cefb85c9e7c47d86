/**
 * serve names its worker threads (plugin/thread-name.ts) so that `top -H`, `ps -L` and bench:serve
 * can tell the write worker and the read workers from grpc-js and libuv threads.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_THREAD_NAME } from '../../src/plugin/read-worker.js';
import { WRITE_THREAD_NAME } from '../../src/plugin/write-worker.js';
import { healthStatus, startServe, type ServeProcess } from '../support/serve-harness.js';

const procTasks = existsSync('/proc/self/task');
if (!procTasks) console.warn('serve thread names: skipped, this system has no /proc/PID/task');

describe.skipIf(!procTasks)('serve thread names', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jaeger-sls-threads-'));
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the write worker and the read workers in /proc', async () => {
    serve = await startServe(['--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(dir, 'threads.db')}`]);
    expect(await healthStatus(serve.address, '')).toBe(1);
    const pid = serve.child.pid!;
    const names = readdirSync(`/proc/${pid}/task`).map((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        return ''; // the thread ended between the listing and the read
      }
    });
    expect(names.filter((n) => n === WRITE_THREAD_NAME)).toHaveLength(1);
    expect(names.filter((n) => n === READ_THREAD_NAME).length).toBeGreaterThanOrEqual(1);
  });
});
