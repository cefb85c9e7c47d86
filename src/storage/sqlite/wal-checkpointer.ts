/**
 * Copies the write-ahead log back into the database file on a worker thread, so the writing
 * connection never waits for a checkpoint: with SQLite's automatic checkpoints, the commit that
 * crossed the limit paid for copying and syncing the whole WAL (about 250 ms per 64 MB here).
 *
 * The writer turns automatic checkpoints off and reports the bytes it commits; past `walBytes`
 * the worker runs a PASSIVE checkpoint on its own connection, beside further commits (WAL mode
 * allows one checkpointer beside the writer and readers). Durability is unchanged: a commit is in
 * the WAL before it is acknowledged, checkpointed or not. The worker starts with the first
 * checkpoint, so small stores never start it; if it fails, the writer's automatic checkpoints are
 * turned back on.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { CheckpointResult, CheckpointWorkerData } from './wal-checkpoint-worker.js';

/**
 * The worker (wal-checkpoint-worker.ts) as `new Worker` takes it: the compiled module beside this
 * one under dist/. From the sources (vitest, tsx — run from the package root) the .ts file, behind a
 * two-line bootstrap that registers tsx's loader in the worker first.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./wal-checkpoint-worker.js', import.meta.url), eval: false };
  const source = new URL('./wal-checkpoint-worker.ts', import.meta.url).href;
  return { entry: `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, eval: true };
}

export class WalCheckpointer {
  private worker: Worker | undefined;
  private running = false;
  private failed = false;
  private pendingBytes = 0;
  private exited = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly synchronous: 'NORMAL' | 'FULL',
    /** Bytes committed between checkpoints. */
    private readonly walBytes: number,
    /** SQLite's autocheckpoint setting (pages) to go back to if the worker fails. */
    private readonly fallbackPages: number,
  ) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /** After a commit of about `bytes` bytes of rows: starts a checkpoint when due and none runs. */
  committed(bytes: number): void {
    this.pendingBytes += bytes;
    if (this.failed || this.running || this.pendingBytes < this.walBytes) return;
    this.pendingBytes = 0;
    this.running = true;
    try {
      this.start().postMessage('checkpoint');
    } catch {
      this.fail();
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { entry, eval: isSource } = workerEntry();
    const workerData: CheckpointWorkerData = { path: this.path, synchronous: this.synchronous };
    const worker = new Worker(entry, { eval: isSource, workerData });
    worker.unref();
    worker.on('message', (result: CheckpointResult) => {
      if (!result.ok) this.fail();
      this.settle();
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => {
      this.exited = true;
      if (this.worker === worker) this.fail();
    });
    this.worker = worker;
    return worker;
  }

  private settle(): void {
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when no checkpoint is running. */
  whenIdle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /** Back to SQLite's own checkpoints on the writing connection. */
  private fail(): void {
    this.settle();
    if (this.failed) return;
    this.failed = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.fallbackPages}`);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** Waits for a running checkpoint and closes the worker's connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker || this.exited) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Referenced again, so the process waits for the worker instead of ending mid-close.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
