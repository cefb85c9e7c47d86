// Over 400 lines: the SLS store's write and read paths share one client, its tenant logstore naming and its paging of GetLogs.
/**
 * `sls://PROJECT/INSTANCE?endpoint=…` — spans in Aliyun Log Service, SLS Trace schema.
 * - writes: validated, mapped (log-mapping.ts), encoded, handed to the batching producer; resolve on
 *   SLS acknowledgement;
 * - reads: search + SQL built by query-builder.ts; GetLogs repeated while x-log-progress is
 *   Incomplete; GetTrace paged 100 rows at a time; FindTraces fetches traces in batches of ids;
 *   dependencies from `<instance>-traces-deps` when it exists, else a self-join inside SLS;
 * - tenants: the default tenant uses `<instance>-traces`; tenant T uses `<instance>-t-<T>-traces`
 *   (created with its index on first write); archive: `…-traces-archive`.
 */
import type { DependencyLink, FoundTraceId, GetTraceQuery, Operation, OperationQuery, Span, Trace, TraceQuery } from '../../model/index.js';
import { ConfigError, PermissionError, StorageUnavailableError, TraceNotFoundError, validateSpan, InvalidArgumentError } from '../../model/index.js';
import { spanMatchesQuery, traceTimeRange } from '../trace-matching.js';
import type { ArchiveStore, FoundTraceParts, Store, TraceStore } from '../types.js';
import type { DependencySpans } from '../../facts/dependency-spans.js';
import { wholeTraceParts, WholeTraceReads } from '../whole-trace-reads.js';
import type { SlsStoreConfig } from './config.js';
import { LOGSTORE_DEFAULTS, spanIndexConfig, traceLogstores } from './index-config.js';
import type { TraceLogstores } from './index-config.js';
import { LogEncoder, LogEntriesBuilder } from './log-group.js';
import { rowToSpan, slsLogTime, spanColumns, timeUnitDivisor, toMicros } from './log-mapping.js';
import type { SlsRow } from './log-mapping.js';
import type { ProducerOptions, ProducerStats } from './producer.js';
import { Producer } from './producer.js';
import type { IndexedColumns } from './query-builder.js';
import {
  MAX_SQL_ROWS,
  needsExactFilter,
  buildDependenciesQuery,
  buildDepsLogstoreQuery,
  buildFindTraceIdsQuery,
  buildOperationsQuery,
  buildServicesQuery,
  buildTraceFetchQuery,
  buildTraceRangesQuery,
  traceIdBatches,
} from './query-builder.js';
import { SlsClient, SlsError } from './sls-client.js';
import type { GetLogsParams } from './sls-client.js';

export interface SlsStoreOptions {
  log?: (line: string) => void;
  /** Producer tuning (tests, benchmarks). */
  producer?: Partial<Omit<ProducerOptions, 'send' | 'isRetryable' | 'toError'>>;
  /** Clock, ms since epoch (tests). */
  nowMs?: () => number;
  /** Skip the start-up check of the logstore and index. */
  skipStartupCheck?: boolean;
}

const PAGE_LINES = 100;
const INCOMPLETE_RETRIES = 20;
const READ_RETRIES = 3;
const NOT_READY_GRACE_MS = 120_000;

export async function openSlsStore(config: SlsStoreConfig, options: SlsStoreOptions = {}): Promise<SlsStore> {
  const store = new SlsStore(config, options);
  if (!options.skipStartupCheck) await store.startupCheck();
  return store;
}

export class SlsStore implements Store {
  readonly client: SlsClient;
  readonly producer: Producer;
  private readonly root: SlsTenantView;
  private readonly tenants = new Map<string, SlsTenantView>();
  private readonly ensured = new Map<string, Promise<void>>();
  /** logstore → time it was created by us (SLS may 404 briefly after creation). */
  private readonly createdAt = new Map<string, number>();
  private depsLogstore?: Promise<boolean>;
  private readonly indexedColumnsOf = new Map<string, Promise<IndexedColumns>>();
  private closed?: Promise<void>;
  /** Encodes every write's logs, one write at a time (synchronously), reusing its buffers. */
  readonly logEncoder = new LogEncoder();
  readonly log: (line: string) => void;
  readonly nowMs: () => number;

  constructor(
    readonly config: SlsStoreConfig,
    options: SlsStoreOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.nowMs = options.nowMs ?? Date.now;
    this.client = new SlsClient({ endpoint: config.endpoint, credentials: config.credentials, timeoutMs: config.timeoutMs });
    this.producer = new Producer({
      maxBufferBytes: config.bufferBytes,
      ...options.producer,
      log: this.log,
      send: async (target, group) => {
        try {
          return await this.client.putLogGroup(config.project, target.logstore, group, config.compress);
        } catch (err) {
          const created = this.createdAt.get(target.logstore);
          if (err instanceof SlsError && err.code === 'LogStoreNotExist' && created !== undefined && this.nowMs() - created < NOT_READY_GRACE_MS) {
            throw new SlsError(`logstore ${target.logstore} is not ready yet`, 'LogStoreNotReady', 503);
          }
          throw err;
        }
      },
      isRetryable: (err) => err instanceof SlsError && err.retryable,
      toError: (err) => this.domainError(err),
    });
    this.root = new SlsTenantView(this, traceLogstores(config.instance), '');
  }

  get producerStats(): ProducerStats {
    return this.producer.stats;
  }

  get archive(): ArchiveStore {
    return this.root.archive;
  }

  /** Checks credentials, project, logstore and index; missing logstore or index is reported on stderr. */
  async startupCheck(): Promise<void> {
    const { project, instance } = this.config;
    const logstore = traceLogstores(instance).traces;
    try {
      await this.client.call((o) => this.client.getIndexConfig(project, logstore, o));
    } catch (err) {
      if (!(err instanceof SlsError)) throw err;
      const hint = `run \`jaeger-sls sls init --store sls://${project}/${instance}?endpoint=${this.config.endpoint}\``;
      if (err.code === 'IndexConfigNotExist') this.log(`sls: logstore ${logstore} in project ${project} has no index; queries will fail until you ${hint}`);
      else if (err.code === 'LogStoreNotExist') this.log(`sls: logstore ${logstore} does not exist in project ${project}; ${hint}`);
      else if (err.status === undefined || err.retryable) this.log(`sls: cannot reach SLS at ${this.config.endpoint} yet (${err.message}); writes will be retried`);
      else throw this.domainError(err);
    }
  }

  /** Maps an SLS failure to the domain's typed errors; messages carry SLS's code and text only. */
  domainError(err: unknown): Error {
    if (!(err instanceof SlsError)) return err instanceof Error ? err : new Error(String(err));
    const { project } = this.config;
    if (err.status === 401 || (err.status === 403 && !err.retryable)) return new PermissionError(`SLS rejected the request to project ${project}: ${err.message}`, err.status === 401);
    if (err.code === 'ProjectNotExist' || err.code === 'ProjectNotExists') return new ConfigError(`SLS project ${project} does not exist at ${this.config.endpoint}`);
    if (err.code === 'LogStoreNotExist') return new StorageUnavailableError(`${err.message}; run \`jaeger-sls sls init\` for this store`);
    if (err.code === 'IndexConfigNotExist') return new StorageUnavailableError(`SLS logstore has no index; run \`jaeger-sls sls init\` for this store`);
    if (err.status === 400 && err.code !== 'ParameterInvalid' && err.code !== 'InvalidQueryString') return new InvalidArgumentError(err.message);
    return new StorageUnavailableError(err.message);
  }

  /** Creates a logstore with the span index unless present. Idempotent. */
  async ensureLogstore(logstore: string): Promise<{ createdLogstore: boolean; createdIndex: boolean }> {
    const { project } = this.config;
    let createdLogstore = false;
    let createdIndex = false;
    try {
      await this.client.call((o) => this.client.createLogStore(project, logstore, LOGSTORE_DEFAULTS, o));
      createdLogstore = true;
      this.createdAt.set(logstore, this.nowMs());
    } catch (err) {
      if (!(err instanceof SlsError && err.code === 'LogStoreAlreadyExist')) throw this.domainError(err);
    }
    try {
      await this.client.call((o) => this.client.getIndexConfig(project, logstore, o));
    } catch (err) {
      if (!(err instanceof SlsError && err.code === 'IndexConfigNotExist')) throw this.domainError(err);
      try {
        await this.client.call((o) => this.client.createIndex(project, logstore, spanIndexConfig(), o));
        createdIndex = true;
      } catch (e) {
        if (!(e instanceof SlsError && e.code === 'IndexAlreadyExist')) throw this.domainError(e);
      }
    }
    return { createdLogstore, createdIndex };
  }

  /** ensureLogstore once per logstore for this process. */
  ensureOnce(logstore: string): Promise<void> {
    let p = this.ensured.get(logstore);
    if (!p) {
      p = this.ensureLogstore(logstore).then(() => undefined);
      p.catch(() => this.ensured.delete(logstore));
      this.ensured.set(logstore, p);
    }
    return p;
  }

  hasDepsLogstore(): Promise<boolean> {
    this.depsLogstore ??= this.client
      .call((o) => this.client.getLogStore(this.config.project, traceLogstores(this.config.instance).deps, o))
      .then(
        () => true,
        (err) => {
          if (err instanceof SlsError && err.code === 'LogStoreNotExist') return false;
          this.depsLogstore = undefined;
          throw this.domainError(err);
        },
      );
    return this.depsLogstore;
  }

  /**
   * The keys of the logstore's index that SQL can read (doc_value), read once per logstore: logstores
   * indexed by the SLS Trace app or an older jaeger-sls lack some keys of index-config.ts, and SLS
   * rejects SQL naming an unindexed key. Undefined (assume every key) when the index cannot be read.
   */
  indexedColumns(logstore: string): Promise<IndexedColumns> {
    let p = this.indexedColumnsOf.get(logstore);
    if (!p) {
      p = this.client.call((o) => this.client.getIndexConfig(this.config.project, logstore, o)).then(
        (index) => {
          const keys = (index as { keys?: Record<string, { doc_value?: boolean }> } | undefined)?.keys;
          return keys ? new Set(Object.entries(keys).filter(([, k]) => k.doc_value).map(([name]) => name)) : undefined;
        },
        () => {
          this.indexedColumnsOf.delete(logstore);
          return undefined;
        },
      );
      this.indexedColumnsOf.set(logstore, p);
    }
    return p;
  }

  /**
   * One GetLogs answer, repeated while SLS reports Incomplete progress and retried on transient
   * errors. Undefined when the logstore does not exist.
   */
  async query(logstore: string, params: GetLogsParams): Promise<SlsRow[] | undefined> {
    if (params.from >= params.to) return []; // SLS rejects an empty [from, to); nothing can match
    let transient = 0;
    for (let incomplete = 0; ; ) {
      try {
        const res = await this.client.getLogsOnce(this.config.project, logstore, params);
        if (res.complete) return res.rows;
        if (++incomplete > INCOMPLETE_RETRIES) throw new StorageUnavailableError(`SLS query on ${logstore} stayed Incomplete after ${INCOMPLETE_RETRIES} tries`);
        await sleep(Math.min(1000, 50 * incomplete));
      } catch (err) {
        if (err instanceof SlsError && err.code === 'LogStoreNotExist') return undefined;
        if (err instanceof SlsError && err.retryable && ++transient <= READ_RETRIES) {
          await sleep(100 * 2 ** transient * (0.5 + Math.random() / 2));
          continue;
        }
        throw this.domainError(err);
      }
    }
  }

  /** [from, to) in seconds covering the store's look-back, open towards the future. */
  window(fromUs?: number): { from: number; to: number } {
    const now = Math.floor(this.nowMs() / 1000);
    const lookbackFrom = now - Math.round(this.config.lookbackHours * 3600);
    const from = fromUs === undefined ? lookbackFrom : Math.max(0, Math.floor(fromUs / 1e6) - 900);
    return { from, to: now + 900 };
  }

  writeSpans(spans: readonly Span[]): Promise<void> {
    return this.root.writeSpans(spans);
  }
  getTrace(q: GetTraceQuery): Promise<Trace> {
    return this.root.getTrace(q);
  }
  getServices(): Promise<string[]> {
    return this.root.getServices();
  }
  getOperations(q: OperationQuery): Promise<Operation[]> {
    return this.root.getOperations(q);
  }
  findTraces(q: TraceQuery): AsyncIterable<Trace> {
    return this.root.findTraces(q);
  }
  findTraceIds(q: TraceQuery): Promise<FoundTraceId[]> {
    return this.root.findTraceIds(q);
  }
  getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    return this.root.getDependencies(endTime, lookback);
  }
  getTraceParts(q: GetTraceQuery): AsyncIterable<Span[]> {
    return this.root.getTraceParts(q);
  }
  findTraceParts(q: TraceQuery): AsyncIterable<FoundTraceParts> {
    return this.root.findTraceParts(q);
  }
  forEachDependencySpans(window: { startTimeMin: number; startTimeMax: number }, visit: (spans: DependencySpans) => void): Promise<void> {
    return this.root.forEachDependencySpans(window, visit);
  }

  forTenant(tenant: string): TraceStore {
    if (tenant === '') return this.root;
    let view = this.tenants.get(tenant);
    if (!view) this.tenants.set(tenant, (view = new SlsTenantView(this, traceLogstores(this.config.instance, tenant), tenant)));
    return view;
  }

  close(): Promise<void> {
    this.closed ??= this.producer.close().finally(() => this.client.close());
    return this.closed;
  }
}

class SlsTenantView extends WholeTraceReads implements TraceStore {
  readonly archive: ArchiveStore;

  constructor(
    private readonly store: SlsStore,
    private readonly logstores: TraceLogstores,
    private readonly tenant: string,
  ) {
    super();
    this.archive = {
      writeSpans: (spans) => this.write(this.logstores.archive, spans, true),
      getTrace: (q) => this.readTrace(this.logstores.archive, q),
      getTraceParts: (q) => wholeTraceParts(this.archive, q),
    };
  }

  writeSpans(spans: readonly Span[]): Promise<void> {
    return this.write(this.logstores.traces, spans, this.tenant !== '');
  }

  /** Not async, so that no frame keeps the spans alive while SLS acknowledges their encoded logs. */
  private write(logstore: string, spans: readonly Span[], ensure: boolean): Promise<void> {
    try {
      for (const s of spans) validateSpan(s);
      if (spans.length === 0) return Promise.resolve();
      if (ensure) return this.store.ensureOnce(logstore).then(() => this.enqueue(logstore, spans));
      return this.enqueue(logstore, spans);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private enqueue(logstore: string, spans: readonly Span[]): Promise<void> {
    const nowSec = Math.floor(this.store.nowMs() / 1000);
    const logs = new LogEntriesBuilder(this.store.logEncoder);
    for (const s of spans) {
      const { time, timeNs } = slsLogTime(s, nowSec);
      logs.addColumns(time, timeNs, spanColumns(s));
    }
    return this.store.producer.add({ logstore }, logs.finish());
  }

  getTrace(q: GetTraceQuery): Promise<Trace> {
    return this.readTrace(this.logstores.traces, q);
  }

  private async readTrace(logstore: string, q: GetTraceQuery): Promise<Trace> {
    const traces = await this.fetchTraces(logstore, [q.traceId], q.startTime);
    const spans = traces.get(q.traceId);
    if (!spans || spans.length === 0) throw new TraceNotFoundError(q.traceId);
    return { spans };
  }

  /** Every span of the traces, paged 100 rows per GetLogs; keyed by padded trace id. */
  private async fetchTraces(logstore: string, traceIds: readonly string[], hintUs?: number): Promise<Map<string, Span[]>> {
    const out = new Map<string, Span[]>(traceIds.map((id) => [id, []]));
    const win = this.store.window();
    if (hintUs !== undefined) win.from = Math.min(win.from, this.store.window(hintUs).from);
    const query = buildTraceFetchQuery(traceIds);
    for (let offset = 0; ; offset += PAGE_LINES) {
      const rows = await this.store.query(logstore, { ...win, query, line: PAGE_LINES, offset });
      if (!rows) break;
      for (const row of rows) {
        const span = rowToSpan(row);
        out.get(span.traceId)?.push(span);
      }
      if (rows.length < PAGE_LINES) break;
    }
    return out;
  }

  async getServices(): Promise<string[]> {
    const rows = await this.store.query(this.logstores.traces, { ...this.store.window(), query: buildServicesQuery() });
    const services = (rows ?? []).map((r) => r.service).filter((s): s is string => s !== undefined && s !== 'null');
    return [...new Set(services)].sort();
  }

  async getOperations(q: OperationQuery): Promise<Operation[]> {
    const rows = await this.store.query(this.logstores.traces, { ...this.store.window(), query: buildOperationsQuery(q.serviceName, q.spanKind || undefined) });
    const seen = new Set<string>();
    const ops: Operation[] = [];
    for (const r of rows ?? []) {
      const name = r.name ?? '';
      const spanKind = r.kind === undefined || r.kind === 'null' ? '' : r.kind.toLowerCase();
      const key = `${name}\u0000${spanKind}`;
      if (!seen.has(key)) {
        seen.add(key);
        ops.push({ name, spanKind });
      }
    }
    return ops.sort((a, b) => cmp(a.name, b.name) || cmp(a.spanKind, b.spanKind));
  }

  /** One page of matching trace ids, newest first, as SQL selects them. */
  private async matchingIds(q: TraceQuery, page?: { offset: number; size: number }): Promise<string[]> {
    const columns = await this.store.indexedColumns(this.logstores.traces);
    const rows = await this.store.query(this.logstores.traces, { ...this.store.window(q.startTimeMin), query: buildFindTraceIdsQuery(q, columns, page) });
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const r of rows ?? []) {
      const id = (r.traceid ?? r.traceID ?? '').toLowerCase().padStart(32, '0');
      if (!/^[0-9a-f]{32}$/.test(id) || seen.has(id)) continue;
      seen.add(id);
      ids.push(id);
    }
    return q.limit && !page ? ids.slice(0, q.limit) : ids;
  }

  /**
   * Traces matching a query whose SQL is a superset (needsExactFilter), newest first: pages of ids
   * from SQL, each trace fetched and kept when one of its spans satisfies the rule
   * (trace-matching.ts), until `limit` traces are found or SQL has no more.
   */
  private async *exactlyMatchingTraces(q: TraceQuery): AsyncIterable<Trace> {
    const size = q.limit ? Math.min(q.limit, MAX_SQL_ROWS) : MAX_SQL_ROWS;
    let found = 0;
    for (let offset = 0; ; offset += size) {
      const ids = await this.matchingIds(q, { offset, size });
      for (const batch of traceIdBatches(ids)) {
        const traces = await this.fetchTraces(this.logstores.traces, batch);
        for (const id of batch) {
          const spans = traces.get(id);
          if (!spans || !spans.some((s) => spanMatchesQuery(s, q))) continue;
          yield { spans };
          if (q.limit && ++found >= q.limit) return;
        }
      }
      if (ids.length < size) return;
    }
  }

  async findTraceIds(q: TraceQuery): Promise<FoundTraceId[]> {
    if (needsExactFilter(q)) {
      const found: FoundTraceId[] = [];
      for await (const t of this.exactlyMatchingTraces(q)) found.push({ traceId: t.spans[0].traceId, ...traceTimeRange(t.spans) });
      return found;
    }
    const ids = await this.matchingIds(q);
    const ranges = new Map<string, { start: number; end: number }>();
    for (const batch of traceIdBatches(ids)) {
      const rows = await this.store.query(this.logstores.traces, { ...this.store.window(), query: buildTraceRangesQuery(batch) });
      for (const r of rows ?? []) {
        const id = (r.traceid ?? '').toLowerCase().padStart(32, '0');
        const tmin = Number(r.tmin);
        const tmax = Number(r.tmax);
        if (!Number.isFinite(tmin) || !Number.isFinite(tmax)) continue;
        const d = timeUnitDivisor(tmin);
        const range = { start: toMicros(tmin, d), end: toMicros(tmax, d) };
        const prev = ranges.get(id);
        ranges.set(id, prev ? { start: Math.min(prev.start, range.start), end: Math.max(prev.end, range.end) } : range);
      }
    }
    return ids.filter((id) => ranges.has(id)).map((id) => ({ traceId: id, ...ranges.get(id)! }));
  }

  async *findTraces(q: TraceQuery): AsyncIterable<Trace> {
    if (needsExactFilter(q)) {
      yield* this.exactlyMatchingTraces(q);
      return;
    }
    const ids = await this.matchingIds(q);
    for (const batch of traceIdBatches(ids)) {
      const traces = await this.fetchTraces(this.logstores.traces, batch);
      for (const id of batch) {
        const spans = traces.get(id);
        if (spans && spans.length > 0) yield { spans };
      }
    }
  }

  async getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const startMin = endTime - lookback;
    const links = new Map<string, number>();
    if (this.tenant === '' && (await this.store.hasDepsLogstore())) {
      const from = Math.floor(startMin / 1e6);
      const rows = await this.store.query(this.logstores.deps, { from, to: Math.max(from + 1, Math.floor(endTime / 1e6) + 1), query: buildDepsLogstoreQuery() });
      for (const r of rows ?? []) {
        const parent = r.parent_service ?? '';
        const child = r.child_service ?? '';
        if (parent === 'None' || parent === '' || child === '' || parent === child) continue;
        const key = `${parent}\u0000${child}`;
        links.set(key, (links.get(key) ?? 0) + (Number(r.callcount) || 0));
      }
    } else {
      const win = this.store.window(startMin);
      win.from = Math.max(0, win.from - 3600);
      const rows = await this.store.query(this.logstores.traces, { ...win, query: buildDependenciesQuery(startMin, endTime) });
      for (const r of rows ?? []) {
        const key = `${r.parent}\u0000${r.child}`;
        links.set(key, (links.get(key) ?? 0) + (Number(r.callcount) || 0));
      }
    }
    return [...links]
      .map(([key, callCount]) => {
        const [parent, child] = key.split('\u0000');
        return { parent, child, callCount };
      })
      .sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
