/**
 * `file:PATH` — a read-only store over trace files, for the offline commands (deps, anomalies,
 * export). PATH is one trace file or a folder searched recursively for *.json, *.ndjson and *.jsonl;
 * every file is read through the trace file reader (content-detected Jaeger or OTLP JSON / NDJSON)
 * into an in-memory index when the store is opened. Writes reject with NotSupportedError.
 *
 * In a folder, a file that holds no trace data at all (e.g. a dependency list, queries.json) is
 * skipped with a note on the log; a trace file with a bad entry fails the open, naming the entry.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, InvalidArgumentError, NotSupportedError } from '../../model/index.js';
import type { Span } from '../../model/index.js';
import { readTraceFile, TRACE_FILE_READ_CHUNK } from '../../formats/trace-file-reader.js';
import { createMemoryStore } from '../memory/memory-store.js';
import type { Store, TraceStore } from '../types.js';

const TRACE_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;

export interface FileStoreOptions {
  log?: (line: string) => void;
}

/** `file:` URI → path: `file:traces/`, `file:/abs/x.json` or `file:///abs/x.json`. */
export function fileStorePath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  return uri.slice('file:'.length);
}

/**
 * The trace files under `target`: the file itself, or every *.json / *.ndjson / *.jsonl (or .gz) below a
 * folder, sorted by path. Throws InvalidArgumentError when `target` does not exist.
 */
export async function traceFilesIn(target: string): Promise<{ files: string[]; isFolder: boolean }> {
  const info = await stat(target).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`${target}: ${err.code === 'ENOENT' ? 'no such file or folder' : err.message}`);
  });
  if (!info.isDirectory()) return { files: [target], isFolder: false };
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && TRACE_FILE.test(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
  return { files, isFolder: true };
}

/** Opens `file:PATH`, reading every trace file into memory. */
export async function openFileStore(uri: string, options: FileStoreOptions = {}): Promise<Store> {
  const target = fileStorePath(uri);
  if (!target) throw new ConfigError(`store "${uri}": expected file:PATH (a trace file or a folder of them)`);
  const { files, isFolder } = await traceFilesIn(target).catch((err: unknown) => {
    throw new ConfigError(`store "${uri}": ${err instanceof Error ? err.message : String(err)}`);
  });
  const memory = createMemoryStore();
  let loaded = 0;
  for (const file of files) {
    const spans: Span[] = [];
    let first = true;
    let skipped = false;
    for await (const entry of readTraceFile(file, createReadStream(file, { highWaterMark: TRACE_FILE_READ_CHUNK }))) {
      if (!entry.ok) {
        if (isFolder && first && entry.unrecognised) {
          options.log?.(`file store: skipping ${file}: ${entry.error.reason}`);
          skipped = true;
          break;
        }
        throw entry.error;
      }
      first = false;
      for (const s of entry.spans) spans.push(s);
    }
    if (skipped) continue;
    await memory.writeSpans(spans);
    loaded++;
  }
  if (isFolder && loaded === 0) options.log?.(`file store: no trace files under ${target}`);
  return readOnly(memory);
}

const READ_ONLY = 'file: stores are read-only';

function readOnlyTenant(store: TraceStore): TraceStore {
  return {
    writeSpans: async () => {
      throw new NotSupportedError(READ_ONLY);
    },
    getTrace: (q) => store.getTrace(q),
    getServices: () => store.getServices(),
    getOperations: (q) => store.getOperations(q),
    findTraces: (q) => store.findTraces(q),
    findTraceIds: (q) => store.findTraceIds(q),
    getDependencies: (end, lookback) => store.getDependencies(end, lookback),
    getTraceParts: (q) => store.getTraceParts(q),
    findTraceParts: (q) => store.findTraceParts(q),
    forEachDependencySpans: (window, visit) => store.forEachDependencySpans(window, visit),
  };
}

/** Files carry no tenants: every tenant sees the same traces. No archive. */
function readOnly(memory: Store): Store {
  const view = readOnlyTenant(memory);
  return { ...view, forTenant: () => view, close: () => memory.close() };
}
