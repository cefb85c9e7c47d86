/**
 * A read worker thread: opens the store read-only (SQLite in WAL mode lets it read beside the
 * writer's connection), runs read jobs and posts each response message already encoded, so the
 * serving thread only moves bytes. Protocol with read-workers.ts:
 *   in:  run {id, job, tenant} (a streamed read), answer {id, read, tenant} (a unary read),
 *        credit {id} (one message written to the client), cancel {id}
 *   out: message {id, bytes, spans} (bytes transferred), done {id, answer?, error?, stoppedAt?}, ready
 * `stoppedAt` (a cancelled job: when its work stopped, epoch ms from performance.timeOrigin)
 * A job keeps at most READ_AHEAD messages unacknowledged, so a slow client holds back its read.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../storage/types.js';
import { openStore } from '../storage/open-store.js';
import { type ErrorData, errorToData } from './ingest.js';
import type { ReadJob, ReadLimits, ReadSource, UnaryRead } from './read-stream.js';
import { answerRead, readMessages, readSourceOf } from './read-stream.js';
import { nameThisThread } from './thread-name.js';

/** Messages a job may have in flight to the serving thread: one being written, one ready. */
const READ_AHEAD = 2;
/**
 * Nice value of a read worker thread. Under CFS a nice-5 thread weighs 335 against the serving
 * thread's 1024: when the CPU is contended, writes and health get about three quarters of it and
 * reads still progress (at nice 10, weight 110, reads starved on a loaded machine until their
 * callers gave up).
 */
const READ_NICE = 5;
/** This thread's name in `top -H`, `ps -L` and /proc (at most 15 bytes). */
export const READ_THREAD_NAME = 'jsls-read';

/**
 * While writes wait, a read worker rests this many times as long as its last step took before it
 * takes the next: reads then work at most a quarter of the time, the share the scheduler gives a
 * nice-5 thread against a nice-0 one (335 / (1024 + 335)), held in wall time whatever else runs —
 * other processes, other scheduling groups, writes and reads on different cores — which nice
 * alone does not. With no write waiting, reads run flat out.
 */
const REST_PER_STEP_WHILE_WRITING = 3;

export interface ReadWorkerData {
  storeUri: string;
  limits: ReadLimits;
  /** Write requests in flight (ServerMetrics.writesInFlight): reads yield to writes while above zero. */
  writesInFlight: Int32Array;
}

export type ToWorker =
  | { type: 'run'; id: number; job: ReadJob; tenant: string }
  | { type: 'answer'; id: number; read: UnaryRead; tenant: string }
  | { type: 'credit'; id: number }
  | { type: 'cancel'; id: number };
export type FromWorker =
  | { type: 'message'; id: number; bytes: Uint8Array; spans: number }
  | { type: 'done'; id: number; answer?: unknown; error?: ErrorData; stoppedAt?: number }
  | { type: 'ready' };

interface JobState {
  credits: number;
  cancelled: boolean;
  /** Ends the job's current wait (for a credit or for its turn) early. */
  wake?: () => void;
}

/**
 * Runs the read jobs arriving on `port` against `store`. Jobs take turns step by step (a stored
 * part read, or SPANS_PER_STEP spans encoded): one step per event-loop iteration across all jobs,
 * in arrival order, so the port's messages (cancel, credit) are read between any two steps. A
 * cancelled job does not wait for its turn: it ends at the next step boundary.
 */
export function serveReadJobs(port: MessagePort, store: Store, limits: ReadLimits, writesInFlight: Int32Array): void {
  const jobs = new Map<number, JobState>();
  const turns = new Turns(() => Atomics.load(writesInFlight, 0) > 0);
  const storeFor = (tenant: string) => (tenant === '' ? store : store.forTenant(tenant));
  const sourceFor = (tenant: string): ReadSource => readSourceOf(storeFor(tenant));
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  const finish = (id: number, state: JobState, outcome: { answer?: unknown; error?: ErrorData } = {}) =>
    post({ type: 'done', id, ...outcome, ...(state.cancelled ? { stoppedAt: performance.timeOrigin + performance.now() } : {}) });
  /** Waits until `wait` resolves or the job is woken (cancelled); resolves whether it was cancelled. */
  const until = async (state: JobState, wait: Promise<void>): Promise<boolean> => {
    if (state.cancelled) return true;
    await Promise.race([wait, new Promise<void>((resolve) => (state.wake = resolve))]);
    state.wake = undefined;
    return state.cancelled;
  };

  const run = async (id: number, job: ReadJob, tenant: string, state: JobState): Promise<void> => {
    try {
      // readMessages waits for a turn before its first step too, not in the 'run' handler: the port
      // delivers every queued message in one go, so a burst of runs would otherwise each take a
      // step before any cancel or credit behind them is read.
      const between = () => until(state, turns.next());
      for await (const m of readMessages(sourceFor(tenant), job, limits, between)) {
        if (state.cancelled) break;
        // Transfer the buffer when the message owns it whole; copy out of Buffer's shared pool otherwise.
        const bytes = m.bytes;
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
        post({ type: 'message', id, bytes: own, spans: m.spans }, [own.buffer as ArrayBuffer]);
        state.credits--;
        while (state.credits <= 0 && !state.cancelled) await until(state, new Promise<void>(() => undefined));
        if (state.cancelled) break;
      }
      finish(id, state);
    } catch (err) {
      finish(id, state, { error: errorToData(err) });
    } finally {
      jobs.delete(id);
    }
  };

  const answer = async (id: number, read: UnaryRead, tenant: string, state: JobState): Promise<void> => {
    try {
      finish(id, state, { answer: await answerRead(storeFor(tenant), read, limits, () => until(state, turns.next())) });
    } catch (err) {
      finish(id, state, { error: errorToData(err) });
    } finally {
      jobs.delete(id);
    }
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'run' || message.type === 'answer') {
      const state: JobState = { credits: READ_AHEAD, cancelled: false };
      jobs.set(message.id, state);
      if (message.type === 'run') void run(message.id, message.job, message.tenant, state);
      else void answer(message.id, message.read, message.tenant, state);
      return;
    }
    const state = jobs.get(message.id);
    if (!state) return;
    if (message.type === 'credit') state.credits++;
    else state.cancelled = true;
    state.wake?.();
  });
  post({ type: 'ready' });
}

/**
 * Turns go one per event-loop iteration in request order: after each step the loop polls the
 * port (cancel, credit) before the next job steps. (One setImmediate per job would run every
 * job's step in the same check phase, so a cancel waited for all running jobs to step once.)
 * While `writing()` says writes wait, the next turn comes only after a rest of
 * REST_PER_STEP_WHILE_WRITING times the last step; a cancel does not wait for it (JobState.wake).
 */
class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;
  /** When the current step began, and before when the next may not begin (performance.now()). */
  private stepStart = 0;
  private restUntil = 0;

  constructor(private readonly writing: () => boolean) {}

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule();
      }
    });
  }

  private schedule(): void {
    const rest = this.restUntil - performance.now();
    if (rest > 0) setTimeout(this.give, rest);
    else setImmediate(this.give);
  }

  private readonly give = (): void => {
    const turn = this.waiting.shift();
    if (!turn) {
      this.scheduled = false;
      return;
    }
    this.stepStart = performance.now();
    turn();
    // Runs once the step's microtasks are done and the port was polled: the step has ended.
    setImmediate(this.afterStep);
  };

  private readonly afterStep = (): void => {
    const now = performance.now();
    this.restUntil = this.writing() ? now + REST_PER_STEP_WHILE_WRITING * (now - this.stepStart) : 0;
    if (this.waiting.length === 0) this.scheduled = false;
    else this.schedule();
  };
}

/**
 * Linux: lowers this thread's priority (setpriority on its id, /proc/thread-self, affects this
 * thread only) and names it. Elsewhere, or when not permitted: unchanged.
 */
function markReadThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, READ_NICE);
  } catch {
    // No /proc or not permitted: reads run at the process's priority.
  }
  nameThisThread(READ_THREAD_NAME);
}

if (parentPort) {
  const { storeUri, limits, writesInFlight } = workerData as ReadWorkerData;
  markReadThread();
  serveReadJobs(parentPort, await openStore(storeUri, { readOnly: true }), limits, writesInFlight);
}
