import http from 'node:http';

interface MethodStats {
  calls: number;
  errors: number;
  seconds: number;
}

/** Counters of one server: spans written and read, calls, errors and latency per gRPC method. */
export class ServerMetrics {
  spansWritten = 0;
  spansRead = 0;
  private readonly methods = new Map<string, MethodStats>();

  /** Records one finished call; `seconds` is its wall time. */
  observe(method: string, seconds: number, failed: boolean): void {
    let m = this.methods.get(method);
    if (!m) this.methods.set(method, (m = { calls: 0, errors: 0, seconds: 0 }));
    m.calls++;
    m.seconds += seconds;
    if (failed) m.errors++;
  }

  errorCount(): number {
    let n = 0;
    for (const m of this.methods.values()) n += m.errors;
    return n;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines = [
      '# HELP jaeger_sls_spans_written_total Spans stored.',
      '# TYPE jaeger_sls_spans_written_total counter',
      `jaeger_sls_spans_written_total ${this.spansWritten}`,
      '# HELP jaeger_sls_spans_read_total Spans returned to clients.',
      '# TYPE jaeger_sls_spans_read_total counter',
      `jaeger_sls_spans_read_total ${this.spansRead}`,
    ];
    const sorted = [...this.methods.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const family = (name: string, help: string, type: string, value: (m: MethodStats) => number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [method, m] of sorted) lines.push(`${name}{method="${method}"} ${value(m)}`);
    };
    family('jaeger_sls_grpc_calls_total', 'gRPC calls handled.', 'counter', (m) => m.calls);
    family('jaeger_sls_grpc_errors_total', 'gRPC calls that ended with a non-OK status.', 'counter', (m) => m.errors);
    family('jaeger_sls_grpc_latency_seconds_sum', 'Total wall time of gRPC calls.', 'counter', (m) => Number(m.seconds.toFixed(6)));
    return `${lines.join('\n')}\n`;
  }
}

/** HTTP GET /metrics on host:port (port 0 = any); resolves with the bound address. */
export async function startMetricsServer(
  listen: { host: string; port: number },
  metrics: ServerMetrics,
): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : listen.port;
  return {
    address: `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
