import type { Span, Trace } from '../model/index.js';
import { Random } from './random.js';

export interface SimpleTraceOptions {
  seed: number;
  traces: number;
  spansPerTrace: number;
  services: number;
  /** µs since epoch of the first trace; traces are spread `intervalUs` apart. */
  startTime: number;
  intervalUs: number;
}

/**
 * A plain call tree workload for benchmarks: each trace is a random tree over `services` services,
 * two operations each, with http tags. Deterministic for a seed.
 */
export function* simpleTraces(opts: SimpleTraceOptions): Generator<Trace> {
  const rnd = new Random(opts.seed);
  const services = Array.from({ length: opts.services }, (_, i) => `service-${i}`);
  for (let t = 0; t < opts.traces; t++) {
    const traceId = rnd.hex(32);
    const start = opts.startTime + t * opts.intervalUs;
    const spans: Span[] = [];
    for (let i = 0; i < opts.spansPerTrace; i++) {
      const parent = i === 0 ? undefined : spans[rnd.int(i)];
      const service = i === 0 ? services[0] : rnd.pick(services);
      const begin = parent ? parent.startTime + rnd.int(Math.max(1, parent.duration >> 1)) : start;
      const duration = Math.max(1, Math.round(rnd.logNormal(parent ? parent.duration / 3 : 50_000, 0.5)));
      spans.push({
        traceId,
        spanId: rnd.hex(16),
        operationName: `${service}-op-${rnd.int(2)}`,
        references: parent ? [{ refType: 'CHILD_OF', traceId, spanId: parent.spanId }] : [],
        flags: 1,
        startTime: begin,
        duration,
        tags: [
          { key: 'span.kind', type: 'string', value: i === 0 ? 'server' : 'client' },
          { key: 'http.status_code', type: 'int64', value: BigInt(rnd.next() < 0.02 ? 500 : 200) },
          { key: 'customer.id', type: 'string', value: `c${rnd.int(1000)}` },
        ],
        logs: [],
        process: { serviceName: service, tags: [{ key: 'hostname', type: 'string', value: `${service}-host` }] },
        warnings: [],
      });
    }
    yield { spans };
  }
}
