/** Entry of the write worker (write-worker.ts): opens the store, then stores each request it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../storage/open-store.js';
import { errorToData, ingestInto } from './ingest.js';
import { type FromWorker, type ToWorker, unpack, type WriteWorkerData } from './write-worker.js';

async function run(port: NonNullable<typeof parentPort>, data: WriteWorkerData): Promise<void> {
  let store;
  try {
    store = await openStore(data.storeUri);
  } catch (error) {
    port.postMessage({ failed: errorToData(error) } satisfies FromWorker);
    return;
  }
  const opened = store;
  const running = new Set<Promise<void>>();
  port.on('message', (message: ToWorker) => {
    if ('close' in message) {
      void Promise.all(running)
        .then(() => opened.close())
        .then(() => port.postMessage({ closed: true } satisfies FromWorker));
      return;
    }
    const { id, request, packed, ends } = message;
    const done: Promise<void> = ingestInto(opened, { ...request, messages: unpack(packed, ends) }).then((outcome) => {
      running.delete(done);
      port.postMessage(
        (outcome.error === undefined ? { id, written: outcome.written } : { id, written: outcome.written, error: errorToData(outcome.error) }) satisfies FromWorker,
      );
    });
    running.add(done);
  });
  port.postMessage({ ready: true } satisfies FromWorker);
}

if (parentPort) await run(parentPort, workerData as WriteWorkerData);
