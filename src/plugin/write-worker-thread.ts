/** Entry of the write worker (write-worker.ts): opens the store, then stores each request it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../storage/open-store.js';
import { errorToData, IngestQueue } from './ingest.js';
import { nameThisThread } from './thread-name.js';
import { type FromWorker, type Outcome, type ToWorker, unpack, WRITE_THREAD_NAME, type WriteWorkerData } from './write-worker.js';

async function run(port: NonNullable<typeof parentPort>, data: WriteWorkerData): Promise<void> {
  let store;
  try {
    store = await openStore(data.storeUri);
  } catch (error) {
    port.postMessage({ failed: errorToData(error) } satisfies FromWorker);
    return;
  }
  const opened = store;
  const queue = new IngestQueue(opened);
  const running = new Set<Promise<void>>();
  // Outcomes settled in one turn (a group commit settles many requests at once) go back in one message.
  let outcomes: Outcome[] = [];
  const answer = () => {
    const done = outcomes;
    outcomes = [];
    port.postMessage({ done } satisfies FromWorker);
  };
  port.on('message', (message: ToWorker) => {
    if ('close' in message) {
      void Promise.all(running)
        .then(() => opened.close())
        .then(() => port.postMessage({ closed: true } satisfies FromWorker));
      return;
    }
    const { requests, packed } = message;
    for (const request of requests) {
      const { id, start: _start, ends: _ends, ...rest } = request;
      const done: Promise<void> = queue.write({ ...rest, messages: unpack(packed, request) }).then((outcome) => {
        running.delete(done);
        if (outcomes.length === 0) setImmediate(answer);
        outcomes.push(outcome.error === undefined ? [id, outcome.written] : [id, outcome.written, errorToData(outcome.error)]);
      });
      running.add(done);
    }
  });
  port.postMessage({ ready: true } satisfies FromWorker);
}

if (parentPort) {
  nameThisThread(WRITE_THREAD_NAME);
  await run(parentPort, workerData as WriteWorkerData);
}
