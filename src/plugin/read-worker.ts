/**
 * A read worker thread: opens the store read-only (SQLite in WAL mode lets it read beside the
 * serving thread's writer), runs read jobs and posts each response message already encoded, so
 * the serving thread only moves bytes. Protocol with read-workers.ts:
 *   in:  run {id, job, tenant}, credit {id} (one message written to the client), cancel {id}
 *   out: message {id, bytes, spans} (bytes transferred), done {id, error?}
 * A job keeps at most READ_AHEAD messages unacknowledged, so a slow client holds back its read.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../storage/types.js';
import { openStore } from '../storage/open-store.js';
import { serviceDefinition } from '../storage/grpc/protos.js';
import type { ReadJob, ReadLimits, ReadSource } from './read-stream.js';
import { readMessages, readSourceOf } from './read-stream.js';

/** Messages a job may have in flight to the serving thread: one being written, one ready. */
const READ_AHEAD = 2;
/**
 * Nice value of a read worker thread. Under CFS a nice-5 thread weighs 335 against the serving
 * thread's 1024: when the CPU is contended, writes and health get about three quarters of it and
 * reads still progress (at nice 10, weight 110, reads starved on a loaded machine until their
 * callers gave up).
 */
const READ_NICE = 5;

export interface ReadWorkerData {
  storeUri: string;
  limits: ReadLimits;
}

export type ToWorker = { type: 'run'; id: number; job: ReadJob; tenant: string } | { type: 'credit'; id: number } | { type: 'cancel'; id: number };
export type FromWorker =
  | { type: 'message'; id: number; bytes: Uint8Array; spans: number }
  | { type: 'done'; id: number; error?: { name: string; message: string } }
  | { type: 'ready' };

interface JobState {
  credits: number;
  cancelled: boolean;
  wake?: () => void;
}

const port = parentPort!;
const { storeUri, limits } = workerData as ReadWorkerData;
lowerThreadPriority();
const store: Store = await openStore(storeUri, { readOnly: true });
const sourceFor = (tenant: string): ReadSource => readSourceOf(tenant === '' ? store : store.forTenant(tenant));
const encode = {
  v1: serviceDefinition('spanReader').GetTrace.responseSerialize,
  v2: serviceDefinition('traceReader').GetTraces.responseSerialize,
};
const jobs = new Map<number, JobState>();
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') {
    const state: JobState = { credits: READ_AHEAD, cancelled: false };
    jobs.set(message.id, state);
    void run(message.id, message.job, message.tenant, state);
    return;
  }
  const state = jobs.get(message.id);
  if (!state) return;
  if (message.type === 'credit') state.credits++;
  else state.cancelled = true;
  state.wake?.();
});
post({ type: 'ready' });

async function run(id: number, job: ReadJob, tenant: string, state: JobState): Promise<void> {
  const serialize = job.kind.startsWith('v2.') ? encode.v2 : encode.v1;
  try {
    for await (const m of readMessages(sourceFor(tenant), job, limits, () => state.cancelled)) {
      if (state.cancelled) break;
      const bytes = serialize(m.message);
      // Transfer the buffer when the message owns it whole; copy out of Buffer's shared pool otherwise.
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
      post({ type: 'message', id, bytes: own, spans: m.spans }, [own.buffer as ArrayBuffer]);
      state.credits--;
      while (state.credits <= 0 && !state.cancelled) await new Promise<void>((resolve) => (state.wake = resolve));
      state.wake = undefined;
      if (state.cancelled) break;
      // One message per job per turn: jobs interleave, and cancels and credits are read in between.
      await nextTurn();
    }
    post({ type: 'done', id });
  } catch (err) {
    const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
    post({ type: 'done', id, error });
  } finally {
    jobs.delete(id);
  }
}

/** Linux: setpriority on this thread's id (/proc/thread-self) affects this thread only. Elsewhere: unchanged. */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, READ_NICE);
  } catch {
    // No /proc or not permitted: reads run at the process's priority.
  }
}
