/** Hand-built traces and workloads for the anomaly analysis tests. */
import type { KeyValue, Span, Trace } from '../../../src/model/index.js';
import { simpleTraces } from '../../../src/workload/simple-traces.js';

export interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  operation?: string;
  start: number;
  duration: number;
  kind?: 'client' | 'server' | 'internal' | 'producer' | 'consumer';
  error?: boolean;
  tags?: KeyValue[];
  refType?: 'CHILD_OF' | 'FOLLOWS_FROM';
  instance?: string;
}

export const TRACE_ID = '0123456789abcdef0123456789abcdef';

export function hex16(id: string): string {
  return Buffer.from(id).toString('hex').padStart(16, '0').slice(-16);
}

/** A span from a compact spec; ids are short names mapped to 16-hex span ids. */
export function span(spec: SpanSpec, traceId = TRACE_ID): Span {
  const tags: KeyValue[] = [...(spec.tags ?? [])];
  if (spec.kind) tags.push({ key: 'span.kind', type: 'string', value: spec.kind });
  if (spec.error) tags.push({ key: 'error', type: 'bool', value: true });
  return {
    traceId,
    spanId: hex16(spec.id),
    operationName: spec.operation ?? `${spec.service}-op`,
    references: spec.parent ? [{ refType: spec.refType ?? 'CHILD_OF', traceId, spanId: hex16(spec.parent) }] : [],
    flags: 1,
    startTime: spec.start,
    duration: spec.duration,
    tags,
    logs: [],
    process: { serviceName: spec.service, tags: spec.instance ? [{ key: 'hostname', type: 'string', value: spec.instance }] : [] },
    warnings: [],
  };
}

export function trace(specs: SpanSpec[], traceId = TRACE_ID): Trace {
  return { spans: specs.map((s) => span(s, traceId)) };
}

/**
 * simpleTraces workload: `traces` traces from `startTime`; when `slowService` is set, every span
 * of that service is `extraUs` longer (its ancestors stretched to keep containment), and the ids
 * of the traces it touched are returned.
 */
export function workload(opts: { seed: number; traces: number; startTime: number; intervalUs: number; slowService?: string; extraUs?: number; errorService?: string; services?: number }): { traces: Trace[]; faulty: Set<string> } {
  const traces: Trace[] = [];
  const faulty = new Set<string>();
  for (const t of simpleTraces({ seed: opts.seed, traces: opts.traces, spansPerTrace: 8, services: opts.services ?? 6, startTime: opts.startTime, intervalUs: opts.intervalUs })) {
    const spans = t.spans.map((s) => ({ ...s, tags: s.tags.filter((k) => k.key !== 'http.status_code') }));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      if (opts.slowService && s.process.serviceName === opts.slowService) {
        faulty.add(s.traceId);
        const extra = opts.extraUs ?? 100_000;
        s.duration += extra;
        // Stretch ancestors so they still cover the slower child.
        let p = s.references[0] ? byId.get(s.references[0].spanId) : undefined;
        let end = s.startTime + s.duration;
        while (p) {
          if (p.startTime + p.duration < end) p.duration = end - p.startTime;
          end = p.startTime + p.duration;
          p = p.references[0] ? byId.get(p.references[0].spanId) : undefined;
        }
      }
      if (opts.errorService && s.process.serviceName === opts.errorService) {
        faulty.add(s.traceId);
        s.tags = [...s.tags, { key: 'error', type: 'bool', value: true }];
      }
    }
    traces.push({ spans });
  }
  return { traces, faulty };
}

import { BaselineBuilder } from '../../../src/analysis/baselines.js';
import type { Baselines } from '../../../src/analysis/baselines.js';
import { criticalPathTimes } from '../../../src/analysis/critical-path.js';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import { TraceColumns } from '../../../src/analysis/trace-columns.js';
import type { TraceColumnsView } from '../../../src/analysis/trace-columns.js';

/** Summarises baseline and window traces with one key registry, as runAnomalies does. */
export function prepare(baselineTraces: Trace[], windowTraces: Trace[], baselineRange = { start: 0, end: 3_600_000_000 }): { keys: OperationKeys; baselines: Baselines; window: TraceColumnsView } {
  const keys = new OperationKeys();
  const b = new BaselineBuilder();
  for (const t of baselineTraces) b.add(summarizeTrace(t, keys));
  const cols = new TraceColumns();
  for (const t of windowTraces) {
    const s = summarizeTrace(t, keys);
    cols.add(s, criticalPathTimes(s));
  }
  return { keys, baselines: b.finish(baselineRange), window: cols.view() };
}

/** A three-tier trace (front → mid → db client) with the given durations in µs. */
export function threeTier(traceId: string, t0: number, durations: { front: number; mid: number; db: number }, opts: { midError?: boolean; instance?: string } = {}): Trace {
  const { front, mid, db } = durations;
  return trace(
    [
      { id: 'f', service: 'front', operation: 'GET /', start: t0, duration: front, kind: 'server' },
      { id: 'fc', parent: 'f', service: 'front', operation: 'mid.Call', start: t0 + 100, duration: mid + 200, kind: 'client' },
      { id: 'm', parent: 'fc', service: 'mid', operation: 'mid.Call', start: t0 + 200, duration: mid, kind: 'server', error: opts.midError, instance: opts.instance ?? 'mid-0' },
      { id: 'd', parent: 'm', service: 'mid', operation: 'SELECT', start: t0 + 300, duration: db, kind: 'client', tags: [{ key: 'peer.service', type: 'string', value: 'db' }] },
    ],
    traceId,
  );
}

export function traceIdOf(n: number): string {
  return n.toString(16).padStart(32, '0');
}

/** Deterministic jitter in [1 − a, 1 + a]. */
export function jitter(i: number, a = 0.2): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return 1 - a + 2 * a * (x - Math.floor(x));
}

/** `n` normal three-tier traces starting at t0, 1 s apart. */
export function normalTraces(n: number, t0: number, idBase: number): Trace[] {
  return Array.from({ length: n }, (_, i) => {
    const db = Math.round(2000 * jitter(i + idBase));
    const mid = db + Math.round(3000 * jitter(i * 7 + idBase));
    return threeTier(traceIdOf(idBase + i), t0 + i * 1_000_000, { front: mid + 1000, mid, db });
  });
}
