import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ResourceExhaustedError, StorageUnavailableError } from '../model/index.js';
import type { ReadRunner, SendMessage } from './calls.js';
import { EncodedMessage } from './calls.js';
import { errorFromData } from './ingest.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import type { ReadJob, ReadLimits, UnaryAnswer, UnaryRead } from './read-stream.js';
import type { FromWorker, ReadWorkerData, ToWorker } from './read-worker.js';

/**
 * Heap of one read worker, MiB. A job holds one stored part and at most two encoded messages
 * (≤ 2 MiB each), so even eight interleaved jobs use a few tens of MB; the cap turns a runaway
 * read into RESOURCE_EXHAUSTED for the reads of that worker instead of growing serve's RSS.
 */
const WORKER_HEAP_MIB = 192;

/** Read workers: all cores but the one serving gRPC, at least one, at most four. */
export function defaultReadWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Job {
  /** Streamed reads only: hands a message to the call. */
  send?: SendMessage;
  resolve(outcome: { answer?: unknown; stoppedAt?: number }): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  started: boolean;
  jobs: Map<number, Job>;
}

/**
 * Runs streamed reads in worker threads with their own read-only store connection, so a large or
 * slow read never blocks writes or health checks on the serving thread. Each worker interleaves
 * its jobs message by message; a job goes to the worker with the fewest jobs.
 */
export class ReadWorkers implements ReadRunner {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly options: { storeUri: string; limits: ReadLimits; workers: number; metrics: ServerMetrics; log: Logger },
  ) {
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  /** Resolves once every worker has opened the store (rejects when one cannot). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  async run(job: ReadJob, tenant: string, _store: unknown, send: SendMessage, abandoned: Promise<void>): Promise<number | undefined> {
    return ((await this.start((id) => ({ type: 'run', id, job, tenant }), abandoned, send)) as { stoppedAt?: number }).stoppedAt;
  }

  async answer<R extends UnaryRead>(read: R, tenant: string, _store: unknown, abandoned: Promise<void>): Promise<UnaryAnswer<R>> {
    return ((await this.start((id) => ({ type: 'answer', id, read, tenant }), abandoned)) as { answer: UnaryAnswer<R> }).answer;
  }

  /** Posts a job to the worker with the fewest; resolves with its outcome (answer, stoppedAt) once the worker is done with it. */
  private start(message: (id: number) => ToWorker, abandoned: Promise<void>, send?: SendMessage): Promise<unknown> {
    if (this.closing) return Promise.reject(new StorageUnavailableError('server is shutting down'));
    const slot = this.slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      slot.jobs.set(id, { ...(send ? { send } : {}), resolve, reject });
      post(slot, message(id));
      void abandoned.then(() => post(slot, { type: 'cancel', id }));
    });
  }

  /** Stops the workers (after the server has stopped its calls). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const data: ReadWorkerData = { storeUri: this.options.storeUri, limits: this.options.limits, writesInFlight: this.options.metrics.writesInFlight };
    const worker = new Worker(new URL('./read-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MIB },
    });
    const jobs = new Map<number, Job>();
    let ready!: () => void;
    let failed!: (error: unknown) => void;
    const slot: Slot = { worker, jobs, started: false, ready: new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject))) };
    // Not the reason the process stays alive: the gRPC server is.
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.started = true;
        return ready();
      }
      const job = jobs.get(message.id);
      if (!job) return;
      if (message.type === 'done') {
        jobs.delete(message.id);
        // errorFromData knows the write path's errors; a read may also be refused for its size.
        if (message.error) job.reject(message.error.name === 'ResourceExhaustedError' ? new ResourceExhaustedError(message.error.message) : errorFromData(message.error));
        else job.resolve({ answer: message.answer, stoppedAt: message.stoppedAt });
        return;
      }
      if (!job.send) return;
      this.options.metrics.readSpansProduced += message.spans;
      const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      job.send(new EncodedMessage(bytes), message.spans).then(
        () => post(slot, { type: 'credit', id: message.id }),
        // The call has gone: its cancel is (or will be) posted; the worker stops at its next step.
        () => post(slot, { type: 'cancel', id: message.id }),
      );
    });
    worker.on('error', (err: Error & { code?: string }) => {
      failed(err);
      const error =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ResourceExhaustedError(`a read needed more than ${WORKER_HEAP_MIB} MiB; the reads of that worker were stopped`)
          : new StorageUnavailableError(`read worker failed: ${err.message}`);
      this.options.log.error('read worker failed', { error: err.message.slice(0, 300), reads: jobs.size });
      for (const job of jobs.values()) job.reject(error);
      jobs.clear();
    });
    worker.on('exit', () => {
      const at = this.slots.indexOf(slot);
      // A worker that could not open the store is not replaced (ready() reports it).
      if (this.closing || at < 0 || !slot.started) return;
      // Replace a worker that died (e.g. out of memory): later reads get a fresh one.
      this.slots[at] = this.spawn();
    });
    return slot;
  }
}

function post(slot: Slot, message: ToWorker): void {
  slot.worker.postMessage(message);
}
