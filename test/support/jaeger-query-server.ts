import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jaegerJsonFromTrace } from '../../src/formats/jaeger-json.js';
import { parseTraceId, TraceNotFoundError } from '../../src/model/index.js';
import type { TraceQuery } from '../../src/model/index.js';
import type { TraceStore } from '../../src/storage/types.js';

export interface JaegerQueryServer {
  url: string;
  /** Every request path with its query string, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A small Jaeger query service (the HTTP API Jaeger UI uses) over a TraceStore, on 127.0.0.1:0.
 * Like Jaeger: /api/traces needs `service`, times are µs, `limit` keeps the newest traces,
 * answers are `{data, total, limit, offset, errors}` envelopes, unknown traces 404.
 * Requests with header `x-fail: 1`... are not needed; `failNext` makes the next request a 503.
 */
export async function startJaegerQueryServer(store: TraceStore): Promise<JaegerQueryServer & { failNext(): void }> {
  const requests: string[] = [];
  let fail = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, data: unknown, errors: { code: number; msg: string }[] | null = null) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data, total: Array.isArray(data) ? data.length : 0, limit: 0, offset: 0, errors }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    };
    const handle = async () => {
      if (fail) {
        fail = false;
        return send(503, null, [{ code: 503, msg: 'storage unavailable' }]);
      }
      const p = url.searchParams;
      if (url.pathname === '/api/services') return send(200, await store.getServices());
      if (url.pathname === '/api/operations') {
        const service = p.get('service');
        if (!service) return send(400, null, [{ code: 400, msg: 'parameter \'service\' is required' }]);
        return send(200, await store.getOperations({ serviceName: service, spanKind: p.get('spanKind') ?? undefined }));
      }
      const byId = /^\/api\/traces\/([0-9a-fA-F]+)$/.exec(url.pathname);
      if (byId) {
        try {
          const trace = await store.getTrace({ traceId: parseTraceId(byId[1]) });
          return send(200, [jaegerJsonFromTrace(trace)]);
        } catch (err) {
          if (err instanceof TraceNotFoundError) return send(404, null, [{ code: 404, msg: 'trace not found' }]);
          throw err;
        }
      }
      if (url.pathname === '/api/traces') {
        const service = p.get('service');
        if (!service) return send(400, null, [{ code: 400, msg: 'parameter \'service\' is required' }]);
        const q: TraceQuery = { serviceName: service, limit: Number(p.get('limit') ?? 20) };
        if (p.get('operation')) q.operationName = p.get('operation')!;
        if (p.get('start')) q.startTimeMin = Number(p.get('start'));
        if (p.get('end')) q.startTimeMax = Number(p.get('end'));
        if (p.get('tags')) q.tags = JSON.parse(p.get('tags')!);
        const out = [];
        for await (const t of store.findTraces(q)) out.push(jaegerJsonFromTrace(t));
        return send(200, out);
      }
      if (url.pathname === '/api/dependencies') {
        const endTs = Number(p.get('endTs'));
        const lookback = Number(p.get('lookback'));
        return send(200, await store.getDependencies(endTs * 1000, lookback * 1000));
      }
      return send(404, null, [{ code: 404, msg: `no route ${url.pathname}` }]);
    };
    handle().catch((err) => send(500, null, [{ code: 500, msg: String(err) }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext() {
      fail = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
