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

/** The worker thread's name in `top -H`, `ps -L` and /proc (at most 15 bytes). */
export const WRITE_THREAD_NAME = 'jsls-write';

/** What the worker is started with. */
export interface WriteWorkerData {
  /** The store URI it opens for writing (a file-backed store the serving thread also has open). */
  storeUri: string;
}

/** A request as it crosses to the worker: its messages are bytes [start, ends[0]), [ends[0], ends[1]), … of the batch's buffer. */
export interface PackedRequest extends Omit<IngestRequest, 'messages'> {
  id: number;
  start: number;
  ends: number[];
}

/**
 * Main → worker: the requests handed over in one event-loop turn, their messages packed into one
 * buffer that is transferred, not copied (posting the messages themselves would clone each one's
 * whole backing buffer — grpc-js hands over views into larger network buffers). One message per
 * turn rather than per request: each crossing costs a wake-up of the other thread.
 */
export type ToWorker = { requests: PackedRequest[]; packed: ArrayBuffer } | { close: true };
/** An outcome as it crosses back: [request id, spans written, why it was refused]. */
export type Outcome = [id: number, written: number, error?: ErrorData];
/** Worker → main: the store is open (or could not be), the outcomes settled in one turn, or closed. */
export type FromWorker = { ready: true } | { failed: ErrorData } | { done: Outcome[] } | { closed: true };

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

  const settle = (id: number, outcome: IngestOutcome) => {
    const w = waiting.get(id);
    waiting.delete(id);
    w?.resolve(outcome);
  };
  let closed!: () => void;
  const closedMessage = new Promise<void>((resolve) => (closed = resolve));
  worker.on('message', (m: FromWorker) => {
    if ('closed' in m) return closed();
    if (!('done' in m)) return;
    for (const [id, written, error] of m.done) settle(id, error === undefined ? { written } : { written, error: errorFromData(error) });
  });

  // The requests of this turn, handed over together at its end.
  let batch: IngestRequest[] = [];
  let batchIds: number[] = [];
  const handOver = () => {
    if (batch.length === 0) return;
    const requests = batch;
    const ids = batchIds;
    batch = [];
    batchIds = [];
    if (dead) return; // already answered by fail()
    const { packed, packedRequests } = pack(requests, ids);
    worker.postMessage({ requests: packedRequests, packed } satisfies ToWorker, [packed]);
  };

  return {
    write(request) {
      if (dead) return Promise.resolve({ written: 0, error: dead });
      const id = nextId++;
      if (batch.length === 0) setImmediate(handOver);
      batch.push(request);
      batchIds.push(id);
      return new Promise<IngestOutcome>((resolve) => waiting.set(id, { resolve }));
    },
    close() {
      closing ??= (async () => {
        if (dead) return;
        handOver();
        worker.postMessage({ close: true } satisfies ToWorker);
        await closedMessage;
        await worker.terminate();
      })();
      return closing;
    },
  };
}

/** The requests' messages copied end to end into one fresh buffer of their own. */
function pack(requests: readonly IngestRequest[], ids: readonly number[]): { packed: ArrayBuffer; packedRequests: PackedRequest[] } {
  let total = 0;
  for (const r of requests) for (const m of r.messages) total += m.byteLength;
  // Its own ArrayBuffer (never the shared pool's, so it can be transferred), not zero-filled: the copies below write every byte.
  const packed = Buffer.allocUnsafeSlow(total);
  const packedRequests: PackedRequest[] = [];
  let at = 0;
  requests.forEach(({ messages, ...request }, i) => {
    const start = at;
    const ends: number[] = [];
    for (const m of messages) {
      packed.set(m, at);
      at += m.byteLength;
      ends.push(at);
    }
    packedRequests.push({ ...request, id: ids[i], start, ends });
  });
  return { packed: packed.buffer, packedRequests };
}

/** The messages of a packed request (views, no copy). */
export function unpack(packed: ArrayBuffer, request: PackedRequest): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let start = request.start;
  for (const end of request.ends) {
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
