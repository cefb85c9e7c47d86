/**
 * The write path on a worker thread: the serving thread only receives gRPC messages and hands
 * their raw bytes over; the worker decodes them, validates, encodes and commits on its own store
 * connection (SQLite in WAL mode lets it write beside the serving thread's readers), then answers.
 * A call is acknowledged only after the worker's commit, so kill -9 still loses nothing acknowledged.
 * The serving thread keeps answering health checks and reads while a commit runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError } from '../model/index.js';
import type { ErrorData, Ingest, IngestOutcome, IngestRequest } from './ingest.js';
import { errorFromData } from './ingest.js';

/** What the worker is started with. */
export interface WriteWorkerData {
  /** The store URI it opens for writing (a file-backed store the serving thread also has open). */
  storeUri: string;
}

/**
 * Main → worker: a request's messages packed into one buffer that is transferred, not copied
 * (message i is bytes [ends[i − 1], ends[i])). Posting the messages themselves would clone each
 * one's whole backing buffer — grpc-js hands over views into larger network buffers.
 */
export type ToWorker = { id: number; request: Omit<IngestRequest, 'messages'>; packed: ArrayBuffer; ends: number[] } | { close: true };
/** Worker → main: the store is open (or could not be), a request's outcome, or closed. */
export type FromWorker =
  | { ready: true }
  | { failed: ErrorData }
  | { id: number; written: number; error?: ErrorData }
  | { closed: true };

interface Waiting {
  resolve(outcome: IngestOutcome): void;
}

/**
 * Starts the worker and waits until its store is open. `onFailure` is called once if the worker dies
 * unexpectedly (its pending writes are answered UNAVAILABLE; nothing unacknowledged is lost).
 */
export async function startWriteWorker(storeUri: string, onFailure: (error: Error) => void): Promise<Ingest> {
  const [entry, options] = workerEntry();
  const worker = new Worker(entry, { ...options, workerData: { storeUri } satisfies WriteWorkerData });
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let closing: Promise<void> | undefined;
  let dead: Error | undefined;

  const opened = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: FromWorker) => ('ready' in m ? resolve() : reject(errorFromData((m as { failed: ErrorData }).failed))));
    worker.once('error', reject);
  });
  const fail = (error: Error) => {
    if (dead) return;
    dead = new StorageUnavailableError(`write worker stopped: ${error.message}`);
    for (const w of waiting.values()) w.resolve({ written: 0, error: dead });
    waiting.clear();
    if (!closing) onFailure(dead);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  await opened;

  let closed!: () => void;
  const closedMessage = new Promise<void>((resolve) => (closed = resolve));
  worker.on('message', (m: FromWorker) => {
    if ('closed' in m) return closed();
    if (!('id' in m)) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    w?.resolve(m.error === undefined ? { written: m.written } : { written: m.written, error: errorFromData(m.error) });
  });

  return {
    write(request) {
      if (dead) return Promise.resolve({ written: 0, error: dead });
      const id = nextId++;
      const { messages, ...rest } = request;
      const { packed, ends } = pack(messages);
      return new Promise<IngestOutcome>((resolve) => {
        waiting.set(id, { resolve });
        worker.postMessage({ id, request: rest, packed, ends } satisfies ToWorker, [packed]);
      });
    },
    close() {
      closing ??= (async () => {
        if (dead) return;
        worker.postMessage({ close: true } satisfies ToWorker);
        await closedMessage;
        await worker.terminate();
      })();
      return closing;
    },
  };
}

/** The messages copied end to end into one fresh buffer of their own. */
function pack(messages: readonly Uint8Array[]): { packed: ArrayBuffer; ends: number[] } {
  let total = 0;
  for (const m of messages) total += m.byteLength;
  const packed = new Uint8Array(new ArrayBuffer(total));
  const ends: number[] = [];
  let at = 0;
  for (const m of messages) {
    packed.set(m, at);
    at += m.byteLength;
    ends.push(at);
  }
  return { packed: packed.buffer, ends };
}

/** The messages of a packed request (views, no copy). */
export function unpack(packed: ArrayBuffer, ends: readonly number[]): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let start = 0;
  for (const end of ends) {
    messages.push(new Uint8Array(packed, start, end - start));
    start = end;
  }
  return messages;
}

/** The worker's module: compiled JavaScript beside this file, or the TypeScript source under tsx (tests). */
function workerEntry(): [URL, { execArgv?: string[] }] {
  const js = new URL('./write-worker-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return [js, {}];
  return [new URL('./write-worker-thread.ts', import.meta.url), { execArgv: ['--import', 'tsx'] }];
}
