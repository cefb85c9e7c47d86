/**
 * Runs the store's write transactions (chunk-writes.ts): on a worker thread with its own
 * connection for database files, so the event loop keeps serving while SQLite commits and
 * checkpoints; inline on the store's connection for `:memory:` databases, which a second
 * connection cannot see. Requests run one at a time in call order; each promise settles after its
 * transaction committed (resolves) or rolled back (rejects with Error carrying SQLite's message).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { ChunkWriteRequest, PostingsWriteRequest, Synchronous } from './chunk-writes.js';
import { ChunkWrites } from './chunk-writes.js';

export interface ChunkWriter {
  write(request: ChunkWriteRequest): Promise<number[]>;
  writePostings(request: PostingsWriteRequest): Promise<boolean>;
  purge(): Promise<void>;
  close(): Promise<void>;
}

export interface WriteWorkerData {
  path: string;
  synchronous: Synchronous;
  busyTimeoutMs: number;
}

export type WorkerRequest =
  | { id: number; kind: 'write'; request: ChunkWriteRequest }
  | { id: number; kind: 'postings'; request: PostingsWriteRequest }
  | { id: number; kind: 'purge' | 'close' };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };

/** Writes on `db` itself, synchronously inside each call. */
export function inlineChunkWriter(db: Database.Database): ChunkWriter {
  const writes = new ChunkWrites(db);
  return {
    write: async (request) => writes.write(request),
    writePostings: async (request) => writes.writePostings(request),
    purge: async () => writes.purge(),
    close: async () => {},
  };
}

/**
 * The compiled worker entry. Always the built one (dist/), also when this module runs from src/
 * under tsx or vitest: worker threads load plain JavaScript.
 */
const WORKER_URL = new URL('../../../dist/storage/sqlite/write-worker.js', import.meta.url);

/** Starts the writer thread on an existing, migrated database file. Throws Error when it cannot open it. */
export async function startWorkerChunkWriter(data: WriteWorkerData): Promise<ChunkWriter> {
  if (!existsSync(WORKER_URL)) throw new Error(`${fileURLToPath(WORKER_URL)} is missing (run npm run build)`);
  const worker = new Worker(WORKER_URL, { workerData: data });
  const calls = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; message?: string }) => (m.ready ? resolve() : reject(new Error(m.message))));
    worker.once('error', reject);
  });
  worker.on('message', (reply: WorkerReply) => {
    const call = calls.get(reply.id);
    if (!call) return;
    calls.delete(reply.id);
    if (reply.ok) call.resolve(reply.result as never);
    else call.reject(new Error(reply.message));
  });
  const fail = (error: Error) => {
    failure = error;
    for (const call of calls.values()) call.reject(error);
    calls.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`writer thread exited (code ${code})`)));

  // The thread keeps the process alive only while a call waits for it, or until it exits once closing.
  let closing = false;
  worker.unref();
  const call = <T>(request: WithoutId<WorkerRequest>): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    if (calls.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage({ ...request, id });
    }).finally(() => {
      if (calls.size === 0 && !closing) worker.unref();
    });
  };
  return {
    write: (request) => call<number[]>({ kind: 'write', request }),
    writePostings: (request) => call<boolean>({ kind: 'postings', request }),
    purge: () => call<void>({ kind: 'purge' }),
    close: async () => {
      if (failure) return;
      closing = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await call<void>({ kind: 'close' });
      await exited;
    },
  };
}
