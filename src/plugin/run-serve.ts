import { readFile } from 'node:fs/promises';
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { ServeConfig } from '../config/serve-config.js';
import { ConfigError } from '../model/index.js';
import { newStoreFiles } from '../storage/new-store-files.js';
import { openStore } from '../storage/open-store.js';
import { goPluginPortRange, handshakeLine, isGoPluginLaunch } from './go-plugin.js';
import { createJsonLogger } from './log.js';
import { watchParent } from './parent-watch.js';
import { ServerMetrics, startMetricsServer } from './metrics.js';
import type { TlsFiles } from './server.js';
import { readLimitsFor, startServer } from './server.js';
import { defaultReadWorkers, ReadWorkers } from './read-workers.js';
import { type Ingest, ingestInProcess } from './ingest.js';
import { startWriteWorker } from './write-worker.js';

export interface ServeIo {
  env: NodeJS.ProcessEnv;
  /** stdout: only the go-plugin handshake line. */
  out(text: string): void;
  /** stderr: JSON log lines. */
  err(text: string): void;
  /** Where SIGINT/SIGTERM arrive (the process). */
  signals: NodeJS.EventEmitter;
  /** The parent process id, read afresh on each call; absent = the parent is not watched. */
  parentId?(): number;
}

/** Time running calls get to finish at shutdown before they are cancelled (stays within 10 s). */
const SHUTDOWN_GRACE_MS = 7000;

/**
 * Runs the gRPC storage server until SIGINT/SIGTERM (or go-plugin's Shutdown): opens the store,
 * serves, then stops accepting, drains running calls, closes the store. Resolves when all is closed.
 */
export async function runServe(config: ServeConfig, io: ServeIo): Promise<void> {
  const log = createJsonLogger(io.err, config.logLevel);
  // grpc-js' own diagnostics become our debug lines instead of raw text on stderr.
  grpc.setLogger({ error: (...args: unknown[]) => log.debug('grpc', { detail: format(...args).slice(0, 500) }) });
  const goPlugin = isGoPluginLaunch(io.env);
  const portRange = goPlugin ? goPluginPortRange(io.env) : undefined;
  const tls = config.tls ? await readTls(config.tls) : undefined;
  const created = newStoreFiles(config.store);
  const store = await openStore(config.store, { env: io.env, log: (line) => log.info(line) });
  let served = false;
  let stop!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const onSignal = (signal: string) => stop(signal);
  io.signals.once('SIGINT', onSignal);
  io.signals.once('SIGTERM', onSignal);
  // A sidecar always dies with Jaeger (go-plugin expects it); otherwise exit_with_parent decides.
  const parentWatch =
    io.parentId && (goPlugin || config.exitWithParent)
      ? watchParent({
          parentId: io.parentId,
          onOrphaned: ({ parent }) => {
            log.info('parent process is gone', { parent });
            stop('parent exited');
          },
        })
      : undefined;
  let readWorkers: ReadWorkers | undefined;
  let ingest: Ingest | undefined;
  try {
    ingest = (await writesOnWorker(config.store))
      ? await startWriteWorker(config.store, (error) => {
          log.error('write worker failed; stopping', { error: error.message });
          stop('write worker failed');
        })
      : ingestInProcess(store);
    const metrics = new ServerMetrics();
    const workerStoreUri = readWorkerStoreUri(config.store);
    if (workerStoreUri) {
      const limits = readLimitsFor(config.maxMessageSize, config.maxTraceSpans);
      readWorkers = new ReadWorkers({ storeUri: workerStoreUri, limits, workers: defaultReadWorkers(), metrics, log });
      await readWorkers.ready();
    }
    const server = await startServer({
      store,
      ingest,
      host: goPlugin ? '127.0.0.1' : config.listen.host,
      port: goPlugin ? 0 : config.listen.port,
      ...(portRange ? { portRange } : {}),
      ...(tls ? { tls } : {}),
      ...(config.tenancy ? { tenancy: { header: config.tenantHeader, tenants: config.tenants } } : {}),
      maxMessageSize: config.maxMessageSize,
      streamingSpanWriter: config.enableStreamingWriter,
      reads: {
        maxConcurrent: config.maxConcurrentReads,
        ...(config.maxTraceSpans !== undefined ? { maxTraceSpans: config.maxTraceSpans } : {}),
        ...(readWorkers ? { runner: readWorkers } : {}),
      },
      log,
      metrics,
      ...(goPlugin ? { goPlugin: { onShutdownRequest: () => stop('plugin shutdown request') } } : {}),
    });
    const metricsServer = config.metricsListen ? await startMetricsServer(config.metricsListen, metrics) : undefined;
    log.info('listening', {
      address: server.address,
      store: storeLabel(config.store),
      tls: tls ? (tls.ca ? 'mutual' : 'server') : 'off',
      tenancy: config.tenancy,
      mode: goPlugin ? 'go-plugin' : 'remote',
      metrics: metricsServer?.address,
    });
    served = true;
    if (goPlugin) io.out(handshakeLine(server.port));
    const reason = await stopped;
    log.info('shutting down', { reason });
    await server.close(SHUTDOWN_GRACE_MS);
    await readWorkers?.close();
    readWorkers = undefined;
    await ingest.close();
    await metricsServer?.close();
    log.info('stopped', { spansWritten: metrics.spansWritten, spansRead: metrics.spansRead, errors: metrics.errorCount() });
  } finally {
    await readWorkers?.close();
    parentWatch?.stop();
    io.signals.removeListener('SIGINT', onSignal);
    io.signals.removeListener('SIGTERM', onSignal);
    await ingest?.close();
    await store.close();
    // Failed before serving (port busy, bad TLS): a store file this run created is removed again.
    if (!served) await created.discard();
  }
}

/**
 * Writes go to a worker thread with its own connection when the store is a SQLite file (which two
 * connections can share); other stores are written on the serving thread.
 */
async function writesOnWorker(storeUri: string): Promise<boolean> {
  if (!/^sqlite:/i.test(storeUri)) return false;
  const { parseSqliteUri } = await import('../storage/sqlite/sqlite-store.js');
  return parseSqliteUri(storeUri).path !== ':memory:';
}

async function readTls(paths: NonNullable<ServeConfig['tls']>): Promise<TlsFiles> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new ConfigError(`cannot read TLS ${what} "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const files: TlsFiles = { cert: await read(paths.cert, 'certificate'), key: await read(paths.key, 'key') };
  if (paths.ca) files.ca = await read(paths.ca, 'CA');
  return files;
}

/**
 * The URI read workers open read-only, for stores that other connections can read while this one
 * writes (SQLite in WAL mode); undefined for stores read in this thread (memory, SLS, remote).
 */
function readWorkerStoreUri(uri: string): string | undefined {
  return /^sqlite:/i.test(uri) ? uri : undefined;
}

/** The store URI without its query (which may carry options), for logs. */
function storeLabel(uri: string): string {
  return uri.split('?')[0];
}
