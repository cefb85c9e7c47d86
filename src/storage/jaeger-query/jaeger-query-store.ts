/**
 * `http(s)://HOST:16686[/BASE][?limit=N]` — a read-only Store over a Jaeger query service's HTTP
 * API (the one Jaeger UI uses): /api/services, /api/operations, /api/traces, /api/traces/{id},
 * /api/dependencies. Traces are parsed with formats/jaeger-json.ts.
 *
 * Paging: the API has no cursor, only `limit` (newest first), so findTraces walks the window
 * backwards: a page of `limit` traces, then the window ending at the oldest start seen, until a page
 * comes back short. The query API needs a service, so a search without one runs per service; trace
 * ids already yielded are remembered so each trace is yielded once (memory: one id per trace).
 *
 * Credentials come only from the environment: JAEGER_SLS_QUERY_TOKEN (sent as a bearer token).
 * Writes reject with NotSupportedError.
 */
import type { DependencyLink, FoundTraceId, GetTraceQuery, Operation, OperationQuery, Span, Trace, TraceQuery } from '../../model/index.js';
import { ConfigError, InvalidArgumentError, NotSupportedError, PermissionError, StorageUnavailableError, TraceNotFoundError, traceIdToShortHex } from '../../model/index.js';
import { tracesFromJaegerJson } from '../../formats/jaeger-json.js';
import type { Store, TraceStore } from '../types.js';
import { WholeTraceReads } from '../whole-trace-reads.js';

export const JAEGER_QUERY_DEFAULTS = {
  /** Traces per /api/traces request. */
  pageLimit: 500,
  /** Per-request timeout, ms. */
  timeoutMs: 30_000,
  /** Jaeger's default tenant header. */
  tenantHeader: 'x-tenant',
};

export interface JaegerQueryStoreOptions {
  env?: NodeJS.ProcessEnv;
  pageLimit?: number;
  timeoutMs?: number;
}

/** Opens the store; no request is made until the first read. */
export function openJaegerQueryStore(uri: string, options: JaegerQueryStoreOptions = {}): Store {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(`invalid Jaeger query URI "${uri}": expected http(s)://HOST:16686[/BASE_PATH]`);
  }
  if (url.username || url.password) throw new ConfigError('Jaeger query URI must not carry credentials: set JAEGER_SLS_QUERY_TOKEN instead');
  const limitParam = url.searchParams.get('limit');
  const pageLimit = limitParam !== null ? Number(limitParam) : (options.pageLimit ?? JAEGER_QUERY_DEFAULTS.pageLimit);
  if (!Number.isInteger(pageLimit) || pageLimit <= 0) throw new ConfigError(`invalid limit "${limitParam}" in Jaeger query URI: expected a positive integer`);
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const client = new JaegerQueryClient(base, options.env?.JAEGER_SLS_QUERY_TOKEN, options.timeoutMs ?? JAEGER_QUERY_DEFAULTS.timeoutMs);
  const root = new JaegerQueryTenant(client, pageLimit, undefined);
  const tenants = new Map<string, TraceStore>();
  return {
    writeSpans: (s) => root.writeSpans(s),
    getTrace: (q) => root.getTrace(q),
    getServices: () => root.getServices(),
    getOperations: (q) => root.getOperations(q),
    findTraces: (q) => root.findTraces(q),
    findTraceIds: (q) => root.findTraceIds(q),
    getDependencies: (e, l) => root.getDependencies(e, l),
    getTraceParts: (q) => root.getTraceParts(q),
    findTraceParts: (q) => root.findTraceParts(q),
    forEachDependencySpans: (window, visit) => root.forEachDependencySpans(window, visit),
    forTenant(tenant: string): TraceStore {
      if (tenant === '') return root;
      let t = tenants.get(tenant);
      if (!t) tenants.set(tenant, (t = new JaegerQueryTenant(client, pageLimit, tenant)));
      return t;
    },
    async close() {},
  };
}

class JaegerQueryClient {
  constructor(
    readonly base: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /** GETs `path` and returns the `data` member of Jaeger's envelope. */
  async get(path: string, params: Record<string, string | undefined>, tenant: string | undefined): Promise<{ status: number; data: unknown }> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, v);
    const target = `${this.base}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (tenant !== undefined) headers[JAEGER_QUERY_DEFAULTS.tenantHeader] = tenant;
    let res: Response;
    try {
      res = await fetch(target, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).name ?? String(err);
      throw new StorageUnavailableError(`cannot reach Jaeger query at ${this.base}: ${why}`);
    }
    const text = await res.text();
    let body: { data?: unknown; errors?: { code?: number; msg?: string }[] } | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const msg = body?.errors?.[0]?.msg ?? text.slice(0, 200).replace(/\s+/g, ' ').trim();
    if (res.status === 401 || res.status === 403) throw new PermissionError(`Jaeger query at ${this.base} refused ${path}: HTTP ${res.status}`, res.status === 401);
    if (res.status === 404) return { status: 404, data: undefined };
    if (res.status >= 500) throw new StorageUnavailableError(`Jaeger query at ${this.base} failed on ${path}: HTTP ${res.status} ${msg}`);
    if (res.status >= 400) throw new InvalidArgumentError(`Jaeger query at ${this.base} rejected ${path}: HTTP ${res.status} ${msg}`);
    if (!body || typeof body !== 'object') throw new StorageUnavailableError(`Jaeger query at ${this.base} answered ${path} with non-JSON (is this a Jaeger query service?)`);
    return { status: res.status, data: body.data };
  }
}

class JaegerQueryTenant extends WholeTraceReads implements TraceStore {
  constructor(
    private readonly client: JaegerQueryClient,
    private readonly pageLimit: number,
    private readonly tenant: string | undefined,
  ) {
    super();
  }

  async writeSpans(_spans: readonly Span[]): Promise<void> {
    throw new NotSupportedError(`${this.client.base} is a Jaeger query service: read-only`);
  }

  async getServices(): Promise<string[]> {
    const { data } = await this.client.get('/api/services', {}, this.tenant);
    return Array.isArray(data) ? data.filter((s): s is string => typeof s === 'string').sort() : [];
  }

  async getOperations(query: OperationQuery): Promise<Operation[]> {
    const { data } = await this.client.get('/api/operations', { service: query.serviceName, spanKind: query.spanKind || undefined }, this.tenant);
    if (!Array.isArray(data)) return [];
    return data
      .map((o: { name?: unknown; spanKind?: unknown }) => ({ name: String(o?.name ?? ''), spanKind: typeof o?.spanKind === 'string' ? o.spanKind.toLowerCase() : '' }))
      .sort((a, b) => (a.name === b.name ? cmp(a.spanKind, b.spanKind) : cmp(a.name, b.name)));
  }

  async getTrace(query: GetTraceQuery): Promise<Trace> {
    const params = { start: query.startTime?.toString(), end: query.endTime?.toString() };
    const { status, data } = await this.client.get(`/api/traces/${traceIdToShortHex(query.traceId)}`, params, this.tenant);
    if (status === 404 || !Array.isArray(data) || data.length === 0) throw new TraceNotFoundError(query.traceId);
    const traces = tracesFromJaegerJson({ data }, `${this.client.base}/api/traces/${query.traceId}`);
    return { spans: traces.flatMap((t) => t.spans) };
  }

  async *findTraces(query: TraceQuery): AsyncIterable<Trace> {
    const services = query.serviceName ? [query.serviceName] : await this.getServices();
    const seen = new Set<string>();
    let remaining = query.limit && query.limit > 0 ? query.limit : Infinity;
    for (const service of services) {
      for await (const trace of this.pages({ ...query, serviceName: service })) {
        const id = trace.spans[0]?.traceId;
        if (id === undefined || seen.has(id)) continue;
        seen.add(id);
        yield trace;
        if (--remaining <= 0) return;
      }
    }
  }

  async findTraceIds(query: TraceQuery): Promise<FoundTraceId[]> {
    const out: FoundTraceId[] = [];
    for await (const t of this.findTraces(query)) {
      let start = Infinity;
      let end = -Infinity;
      for (const s of t.spans) {
        start = Math.min(start, s.startTime);
        end = Math.max(end, s.startTime + s.duration);
      }
      out.push({ traceId: t.spans[0].traceId, start, end });
    }
    return out;
  }

  async getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const { data } = await this.client.get('/api/dependencies', { endTs: String(Math.floor(endTime / 1000)), lookback: String(Math.floor(lookback / 1000)) }, this.tenant);
    if (!Array.isArray(data)) return [];
    return data
      .filter((l) => l && typeof l.parent === 'string' && typeof l.child === 'string')
      .map((l) => ({ parent: l.parent as string, child: l.child as string, callCount: Number(l.callCount) || 0 }));
  }

  /** One service's traces in the window, walking backwards page by page. */
  private async *pages(query: TraceQuery & { serviceName: string }): AsyncIterable<Trace> {
    let end = query.startTimeMax;
    const start = query.startTimeMin;
    const pageIds = new Set<string>();
    for (;;) {
      const params: Record<string, string | undefined> = {
        service: query.serviceName,
        operation: query.operationName || undefined,
        tags: query.tags && Object.keys(query.tags).length ? JSON.stringify(query.tags) : undefined,
        start: start?.toString(),
        end: end?.toString(),
        minDuration: query.durationMin ? `${query.durationMin}us` : undefined,
        maxDuration: query.durationMax ? `${query.durationMax}us` : undefined,
        limit: String(this.pageLimit),
      };
      const { data } = await this.client.get('/api/traces', params, this.tenant);
      const traces = Array.isArray(data) ? tracesFromJaegerJson({ data }, `${this.client.base}/api/traces`) : [];
      let oldest = Infinity;
      let fresh = 0;
      for (const t of traces) {
        if (t.spans.length === 0) continue;
        let first = Infinity;
        for (const s of t.spans) if (s.startTime < first) first = s.startTime;
        oldest = Math.min(oldest, first);
        const id = t.spans[0].traceId;
        if (pageIds.has(id)) continue;
        pageIds.add(id);
        fresh++;
        yield t;
      }
      // A short page is the last; a full page with nothing new means the rest share one start time.
      if (traces.length < this.pageLimit || fresh === 0 || !Number.isFinite(oldest)) return;
      const nextEnd = end !== undefined && oldest >= end ? end - 1 : oldest;
      if (start !== undefined && nextEnd < start) return;
      end = nextEnd;
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
