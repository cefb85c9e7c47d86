import type {
  DependencyLink,
  FoundTraceId,
  GetTraceQuery,
  Operation,
  OperationQuery,
  Span,
  Trace,
  TraceQuery,
} from '../../model/index.js';
import { spanKind, TraceNotFoundError, validateSpan } from '../../model/index.js';
import { DependencyLinkCounter } from '../../facts/dependency-links.js';
import { spanMatchesQuery, traceTimeRange } from '../trace-matching.js';
import type { ArchiveStore, Store, TraceStore } from '../types.js';
import { wholeTraceParts, WholeTraceReads } from '../whole-trace-reads.js';

/** In-process store (`memory:`), the reference behaviour other backends are tested against. */
export function createMemoryStore(): Store {
  const tenants = new Map<string, MemoryTenant>();
  const tenant = (name: string): MemoryTenant => {
    let t = tenants.get(name);
    if (!t) tenants.set(name, (t = new MemoryTenant()));
    return t;
  };
  const root = tenant('');
  return {
    writeSpans: (spans) => root.writeSpans(spans),
    getTrace: (q) => root.getTrace(q),
    getServices: () => root.getServices(),
    getOperations: (q) => root.getOperations(q),
    findTraces: (q) => root.findTraces(q),
    findTraceIds: (q) => root.findTraceIds(q),
    getDependencies: (end, lookback) => root.getDependencies(end, lookback),
    getTraceParts: (q) => root.getTraceParts(q),
    findTraceParts: (q) => root.findTraceParts(q),
    forEachDependencySpans: (window, visit) => root.forEachDependencySpans(window, visit),
    archive: root.archive,
    forTenant: tenant,
    async purge() {
      tenants.clear();
      tenants.set('', root);
      root.clear();
    },
    async close() {},
  };
}

class SpanTable {
  readonly traces = new Map<string, Span[]>();

  add(spans: readonly Span[]): void {
    for (const s of spans) validateSpan(s);
    for (const s of spans) {
      const list = this.traces.get(s.traceId);
      if (list) list.push(s);
      else this.traces.set(s.traceId, [s]);
    }
  }

  get(q: GetTraceQuery): Trace {
    const spans = this.traces.get(q.traceId);
    if (!spans) throw new TraceNotFoundError(q.traceId);
    return { spans: [...spans] };
  }
}

class MemoryTenant extends WholeTraceReads implements TraceStore {
  private primary = new SpanTable();
  private archived = new SpanTable();
  /** service → "name\0kind" */
  private operations = new Map<string, Set<string>>();

  readonly archive: ArchiveStore = {
    writeSpans: async (spans) => this.archived.add(spans),
    getTrace: async (q) => this.archived.get(q),
    getTraceParts: (q) => wholeTraceParts(this.archive, q),
  };

  clear(): void {
    this.primary = new SpanTable();
    this.archived = new SpanTable();
    this.operations.clear();
  }

  async writeSpans(spans: readonly Span[]): Promise<void> {
    this.primary.add(spans);
    for (const s of spans) {
      let ops = this.operations.get(s.process.serviceName);
      if (!ops) this.operations.set(s.process.serviceName, (ops = new Set()));
      ops.add(`${s.operationName}\u0000${spanKind(s)}`);
    }
  }

  async getTrace(q: GetTraceQuery): Promise<Trace> {
    return this.primary.get(q);
  }

  async getServices(): Promise<string[]> {
    return [...this.operations.keys()].sort();
  }

  async getOperations(q: OperationQuery): Promise<Operation[]> {
    const out: Operation[] = [];
    for (const key of this.operations.get(q.serviceName) ?? []) {
      const [name, kind] = key.split('\u0000');
      if (!q.spanKind || q.spanKind === kind) out.push({ name, spanKind: kind });
    }
    return out.sort((a, b) => (a.name === b.name ? compare(a.spanKind, b.spanKind) : compare(a.name, b.name)));
  }

  async *findTraces(q: TraceQuery): AsyncIterable<Trace> {
    for (const spans of this.matching(q)) yield { spans: [...spans] };
  }

  async findTraceIds(q: TraceQuery): Promise<FoundTraceId[]> {
    return this.matching(q).map((spans) => ({ traceId: spans[0].traceId, ...traceTimeRange(spans) }));
  }

  async getDependencies(endTime: number, lookback: number): Promise<DependencyLink[]> {
    const counter = new DependencyLinkCounter();
    for (const spans of this.matching({ startTimeMin: endTime - lookback, startTimeMax: endTime })) {
      counter.addTrace({ spans });
    }
    return counter.links();
  }

  private matching(q: TraceQuery): Span[][] {
    const found: Span[][] = [];
    for (const spans of this.primary.traces.values()) {
      if (spans.some((s) => spanMatchesQuery(s, q))) found.push(spans);
    }
    found.sort((a, b) => b[0].startTime - a[0].startTime);
    return q.limit ? found.slice(0, q.limit) : found;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
