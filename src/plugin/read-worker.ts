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
import { parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../storage/types.js';
import { openStore } from '../storage/open-store.js';
import { serviceDefinition } from '../storage/grpc/protos.js';
import { type ErrorData, errorToData } from './ingest.js';
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
  | { type: 'done'; id: number; error?: ErrorData }
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
/** Jobs waiting for their next turn (see nextTurn), and whether a turn is scheduled. */
const turns: (() => void)[] = [];
let pumping = false;
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
    // Even the first message is built in a turn, not in the 'run' handler: the port delivers every
    // queued message in one go, so a burst of runs would otherwise build a message each before any
    // cancel or credit behind them is read (8 runs took 5 s on a loaded machine).
    await nextTurn();
    if (state.cancelled) return post({ type: 'done', id });
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
      // One message per event-loop turn across all jobs: jobs interleave, and cancels and credits
      // are read between any two messages, so a cancel stops a job within one message's work.
      await nextTurn();
      if (state.cancelled) break;
    }
    post({ type: 'done', id });
  } catch (err) {
    post({ type: 'done', id, error: errorToData(err) });
  } finally {
    jobs.delete(id);
  }
}

/**
 * Waits for this job's next turn. Turns go one per event-loop iteration in arrival order: after
 * each message the loop polls for port messages (cancel, credit) before any job builds the next.
 * (One setImmediate per job would run every job's step in the same check phase, so a cancel waited
 * for all running jobs to build a message each: 8 jobs × ~100 ms on a loaded machine.)
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    turns.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(giveTurn);
    }
  });
}

function giveTurn(): void {
  turns.shift()?.();
  if (turns.length > 0) setImmediate(giveTurn);
  else pumping = false;
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
