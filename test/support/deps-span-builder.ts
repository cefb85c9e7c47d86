import type { KeyValue, Span, SpanRef, Trace } from '../../src/model/index.js';

/** Compact hand-built spans for dependency tests: ids are short hex, times µs. */
export interface SpanSpec {
  id: string;
  service: string;
  op?: string;
  parent?: string;
  /** Extra references, e.g. [['FOLLOWS_FROM', 'a1']]. */
  refs?: [SpanRef['refType'], string][];
  kind?: 'client' | 'server' | 'producer' | 'consumer' | 'internal';
  start?: number;
  duration?: number;
  tags?: Record<string, string | number | boolean>;
}

export const T0 = 1_700_000_000_000_000;

export function span(traceId: string, s: SpanSpec): Span {
  const tid = traceId.padStart(32, '0');
  const references: SpanRef[] = [];
  if (s.parent) references.push({ refType: 'CHILD_OF', traceId: tid, spanId: s.parent.padStart(16, '0') });
  for (const [refType, id] of s.refs ?? []) references.push({ refType, traceId: tid, spanId: id.padStart(16, '0') });
  const tags: KeyValue[] = [];
  if (s.kind) tags.push({ key: 'span.kind', type: 'string', value: s.kind });
  for (const [key, v] of Object.entries(s.tags ?? {})) {
    if (typeof v === 'boolean') tags.push({ key, type: 'bool', value: v });
    else if (typeof v === 'number') tags.push({ key, type: 'int64', value: BigInt(v) });
    else tags.push({ key, type: 'string', value: v });
  }
  return {
    traceId: tid,
    spanId: s.id.padStart(16, '0'),
    operationName: s.op ?? `${s.service}-op`,
    references,
    flags: 1,
    startTime: T0 + (s.start ?? 0),
    duration: s.duration ?? 1000,
    tags,
    logs: [],
    process: { serviceName: s.service, tags: [] },
    warnings: [],
  };
}

export function trace(traceId: string, specs: SpanSpec[]): Trace {
  return { spans: specs.map((s) => span(traceId, s)) };
}
