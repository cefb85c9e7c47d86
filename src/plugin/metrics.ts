import http from 'node:http';

interface MethodStats {
  calls: number;
  errors: number;
  seconds: number;
}

/** Upper bounds (seconds) of the cancelled-read stop time histogram: Prometheus' default buckets. */
const CANCEL_STOP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Counters of one server: spans written and read, calls, errors and latency per gRPC method. */
export class ServerMetrics {
  spansWritten = 0;
  spansRead = 0;
  /** Spans read from the store and encoded for a response, sent or not (a cancelled read's work). */
  readSpansProduced = 0;
  /** Reads refused with RESOURCE_EXHAUSTED (--max-concurrent-reads). */
  readsRejected = 0;
  /** Reads the client cancelled (or whose deadline passed) before they finished, counted once their work stopped. */
  readsCancelled = 0;
  /** Seconds from a read's cancellation to its work stopping: sum and largest. */
  private cancelStopSeconds = 0;
  private cancelStopSecondsMax = 0;
  /** Cancelled reads by stop time: counts per CANCEL_STOP_BUCKETS bound (not cumulative). */
  private readonly cancelStops = new Array<number>(CANCEL_STOP_BUCKETS.length).fill(0);
  /** Current reads running and waiting, when a read gate reports them. */
  readGauges?: { runningNow: number; waitingNow: number };
  /**
   * Write requests received and not yet answered, in memory other threads read (read workers
   * yield to writes while it is above zero): element 0 of an Int32Array, updated with Atomics.
   */
  readonly writesInFlight = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly methods = new Map<string, MethodStats>();

  /** Records a cancelled read whose work stopped `stopSeconds` after the cancellation. */
  readCancelled(stopSeconds: number): void {
    this.readsCancelled++;
    this.cancelStopSeconds += stopSeconds;
    if (stopSeconds > this.cancelStopSecondsMax) this.cancelStopSecondsMax = stopSeconds;
    const bucket = CANCEL_STOP_BUCKETS.findIndex((le) => stopSeconds <= le);
    if (bucket >= 0) this.cancelStops[bucket]++;
  }

  /** A write request was received; pair with writeEnded. */
  writeStarted(): void {
    Atomics.add(this.writesInFlight, 0, 1);
  }

  writeEnded(): void {
    Atomics.sub(this.writesInFlight, 0, 1);
  }

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
    const lines: string[] = [];
    const metric = (name: string, help: string, type: 'counter' | 'gauge', value: number | string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    metric('jaeger_sls_spans_written_total', 'Spans stored.', 'counter', this.spansWritten);
    metric('jaeger_sls_spans_read_total', 'Spans returned to clients.', 'counter', this.spansRead);
    metric('jaeger_sls_read_spans_produced_total', 'Spans read from the store and encoded for a response, sent or not.', 'counter', this.readSpansProduced);
    metric('jaeger_sls_reads_rejected_total', 'Trace reads refused with RESOURCE_EXHAUSTED (--max-concurrent-reads).', 'counter', this.readsRejected);
    metric('jaeger_sls_reads_cancelled_total', 'Trace reads cancelled by the client or its deadline, counted when their work stopped.', 'counter', this.readsCancelled);
    metric('jaeger_sls_read_cancel_stop_seconds_max', 'Longest time from a read cancellation to its work stopping.', 'gauge', this.cancelStopSecondsMax.toFixed(6));
    const stops = 'jaeger_sls_read_cancel_stop_seconds';
    lines.push(`# HELP ${stops} Time from read cancellations to their work stopping.`, `# TYPE ${stops} histogram`);
    let cumulative = 0;
    CANCEL_STOP_BUCKETS.forEach((le, i) => lines.push(`${stops}_bucket{le="${le}"} ${(cumulative += this.cancelStops[i])}`));
    lines.push(`${stops}_bucket{le="+Inf"} ${this.readsCancelled}`, `${stops}_sum ${this.cancelStopSeconds.toFixed(6)}`, `${stops}_count ${this.readsCancelled}`);
    metric('jaeger_sls_writes_in_flight', 'Write requests received and not yet answered.', 'gauge', Atomics.load(this.writesInFlight, 0));
    if (this.readGauges) {
      metric('jaeger_sls_reads_running', 'Trace reads running now.', 'gauge', this.readGauges.runningNow);
      metric('jaeger_sls_reads_waiting', 'Trace reads waiting for a slot now.', 'gauge', this.readGauges.waitingNow);
    }
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
