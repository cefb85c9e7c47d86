/**
 * Worker-thread entry of the embedded store's writer (chunk-writer.ts starts it): owns one write
 * connection and runs each request (chunk-writes.ts) as one transaction, in arrival order, answering
 * `{ id, ok, result | message }`. First message: `{ ready: true }`, or `{ ready: false, message }`
 * when the file cannot be opened.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ChunkWrites, configureWriter } from './chunk-writes.js';
import type { WorkerReply, WorkerRequest, WriteWorkerData } from './chunk-writer.js';

const port = parentPort!;
const { path, synchronous, busyTimeoutMs } = workerData as WriteWorkerData;
let db: Database.Database | undefined;
let writes: ChunkWrites;
try {
  db = new Database(path, { fileMustExist: true });
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  configureWriter(db, synchronous);
  writes = new ChunkWrites(db);
  port.postMessage({ ready: true });
} catch (error) {
  db?.close();
  port.postMessage({ ready: false, message: error instanceof Error ? error.message : String(error) });
  port.close();
}

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    switch (request.kind) {
      case 'write':
        reply = { id: request.id, ok: true, result: writes.write(request.request) };
        break;
      case 'postings':
        reply = { id: request.id, ok: true, result: writes.writePostings(request.request) };
        break;
      case 'purge':
        writes.purge();
        reply = { id: request.id, ok: true, result: undefined };
        break;
      case 'close':
        db!.close();
        reply = { id: request.id, ok: true, result: undefined };
        break;
    }
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
  if (request.kind === 'close') port.close();
});
