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
