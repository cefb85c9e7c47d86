/**
 * The WAL checkpoint worker (started by wal-checkpointer.ts): one connection to the database at
 * `workerData.path`, a PASSIVE checkpoint per 'checkpoint' message answered with { ok, reason? },
 * closed on 'close'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
}

export interface CheckpointResult {
  ok: boolean;
  reason?: string;
}

/** Same busy timeout as the writer's (sqlite-store.ts), so a checkpoint waits out a commit. */
const BUSY_TIMEOUT_MS = 5_000;

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker.ts runs as a worker thread');
const data = workerData as CheckpointWorkerData;
const db = new Database(data.path, { fileMustExist: true });
db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
// A checkpoint streams pages from the WAL to the file; it needs no large page cache (1 MiB).
db.pragma('cache_size = -1024');
db.pragma(`synchronous = ${data.synchronous}`);
port.on('message', (message: unknown) => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  let result: CheckpointResult;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    result = { ok: true };
  } catch (error) {
    result = { ok: false, reason: String(error instanceof Error ? error.message : error) };
  }
  port.postMessage(result);
});
