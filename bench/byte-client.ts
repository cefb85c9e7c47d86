/**
 * What the ingest benchmarks (serve.ts, read-storm.ts) share: a client that only moves bytes,
 * starting and stopping `jaeger-sls serve` from bin/, and the figures read off /proc.
 *
 * The byte-moving client speaks gRPC's HTTP/2 mapping on `node:http2` directly: one POST per call
 * (`:path` the method, `content-type: application/grpc`, `te: trailers`) whose DATA is the request
 * messages, each framed once up front (a 0 byte: not compressed, then the 4-byte big-endian length,
 * then the encoded message), then END_STREAM; the call succeeded only when the answer carries
 * `grpc-status: 0` (in its trailers, or in its headers for a trailers-only answer). grpc-js' client
 * (kept as `grpcJsConnection` for comparison) spends several µs per span of its own on call
 * machinery (retries, load balancing, filters, Writable streams) that moving bytes does not need,
 * and on this 2-core machine that CPU is taken from the server being measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { Span } from '../src/model/index.js';
import { simpleTraces } from '../src/workload/simple-traces.js';

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const passThrough = (b: Buffer) => b;

/** `count` spans of 10-span traces over 8 services, starting an hour ago (seed 11). */
export function benchSpans(count: number): Span[] {
  const spans: Span[] = [];
  for (const t of simpleTraces({ seed: 11, traces: count / 10, spansPerTrace: 10, services: 8, startTime: Date.now() * 1000 - 3_600_000_000, intervalUs: 5000 })) spans.push(...t.spans);
  return spans;
}

/** One OTLP Export of pre-encoded request bytes through grpc-js. */
export function exportRaw(client: grpc.Client, request: Buffer): Promise<void> {
  return new Promise((resolve, reject) => client.makeUnaryRequest(EXPORT_PATH, passThrough, passThrough, request, (err) => (err ? reject(err) : resolve())));
}

/** gRPC's length prefix: one compressed-flag byte and the message length as a 32-bit big-endian integer. */
const PREFIX_BYTES = 5;

/** The messages as one call's DATA: each behind its 5-byte prefix (flag 0: not compressed), end to end. */
export function frameMessages(messages: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const m of messages) total += PREFIX_BYTES + m.byteLength;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const m of messages) {
    out[at] = 0;
    out.writeUInt32BE(m.byteLength, at + 1);
    out.set(m, at + PREFIX_BYTES);
    at += PREFIX_BYTES + m.byteLength;
  }
  return out;
}

/** A call the server answered with a non-zero grpc-status, or that ended without one. */
export class GrpcCallError extends Error {
  constructor(
    /** The grpc-status received; undefined when the answer carried none. */
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** A request as the chosen client sends it: the encoded messages, or the same messages framed once. */
export interface PreparedCall {
  messages: Buffer[];
  framed: Buffer;
}

/** One connection that sends prepared calls, one at a time or several at once. */
export interface CallConnection {
  /** Resolves when the server answered grpc-status 0; rejects otherwise (a failed call is no throughput). */
  call(path: string, clientStreaming: boolean, request: PreparedCall): Promise<void>;
  close(): void;
}

/** Which gRPC client moves the bytes: node:http2 directly, or grpc-js with pass-through serializers. */
export type ClientKind = 'http2' | 'grpc-js';

/** The call as `kind` needs it: http2 sends only the framed bytes, grpc-js only the messages. */
export function prepareCall(kind: ClientKind, messages: Buffer[]): PreparedCall {
  return kind === 'http2' ? { messages: [], framed: frameMessages(messages) } : { messages, framed: Buffer.alloc(0) };
}

/** A connection of its own (a distinct TCP connection and HTTP/2 session) to `address` (host:port). */
export function openConnection(kind: ClientKind, address: string): Promise<CallConnection> {
  return kind === 'http2' ? http2Connection(address) : grpcJsConnection(address);
}

const REQUEST_HEADERS = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' };

async function http2Connection(address: string): Promise<CallConnection> {
  const session = http2.connect(`http://${address}`);
  // A session error also fails its open streams, which reject their calls; this only keeps it from being thrown.
  let sessionError: Error | undefined;
  session.on('error', (err) => (sessionError = err));
  await Promise.race([once(session, 'connect'), once(session, 'error').then(([err]) => Promise.reject(err as Error))]);
  return {
    call(path, _clientStreaming, request) {
      if (sessionError) return Promise.reject(sessionError);
      return new Promise<void>((resolve, reject) => {
        const stream = session.request({ ...REQUEST_HEADERS, ':path': path });
        let status: string | undefined;
        let message = '';
        let httpStatus: number | undefined;
        const take = (headers: http2.IncomingHttpHeaders) => {
          const s = headers['grpc-status'];
          if (s !== undefined) {
            status = String(s);
            message = percentDecoded(String(headers['grpc-message'] ?? ''));
          }
        };
        stream.on('response', (headers) => {
          httpStatus = Number(headers[':status']);
          take(headers);
        });
        stream.on('trailers', take);
        // The answer's messages are not needed; reading them keeps the stream's window open.
        stream.resume();
        let failure: Error | undefined;
        stream.on('error', (err) => (failure = err));
        stream.on('close', () => {
          if (status === '0' && failure === undefined) return resolve();
          if (status !== undefined) return reject(new GrpcCallError(Number(status), `grpc-status ${status}: ${message}`));
          reject(new GrpcCallError(undefined, `call ended without grpc-status (HTTP ${httpStatus ?? 'none'}, RST_STREAM code ${stream.rstCode}${failure ? `, ${failure.message}` : ''})`));
        });
        // The framed body is already in memory; a full send buffer only means: wait until HTTP/2 flow control lets it out.
        if (stream.write(request.framed)) stream.end();
        else stream.once('drain', () => stream.end());
      });
    },
    close: () => session.close(),
  };
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** grpc-js' client: pass-through serializers, a subchannel pool of its own (a distinct connection). */
async function grpcJsConnection(address: string): Promise<CallConnection> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
  return {
    call(path, clientStreaming, { messages }) {
      return new Promise<void>((resolve, reject) => {
        const done = (err: grpc.ServiceError | null) => (err ? reject(new GrpcCallError(err.code, err.message)) : resolve());
        if (!clientStreaming) {
          client.makeUnaryRequest(path, passThrough, passThrough, messages[0], done);
          return;
        }
        const call = client.makeClientStreamRequest(path, passThrough, passThrough, done);
        for (const m of messages) call.write(m);
        call.end();
      });
    },
    close: () => client.close(),
  };
}

/** `node bin/jaeger-sls.js serve ARGS`, stderr piped (its JSON log lines name the bound addresses). */
export function spawnServe(args: string[], nodeArgs: string[] = []): ChildProcess {
  const bin = fileURLToPath(new URL('../bin/jaeger-sls.js', import.meta.url));
  return spawn(process.execPath, [...nodeArgs, bin, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The first match of `pattern` in the child's stderr; rejects when the child exits before it. */
export function waitForLog(child: ChildProcess, pattern: RegExp, label: string): Promise<RegExpExecArray> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = pattern.exec(stderr);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}: ${stderr}`)));
  });
}

/** SIGTERM, then wait for the exit (serve flushes and closes its store first). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident set size of a process (Linux VmHWM), bytes. */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/**
 * CPU time (user + system) of each thread of a process, seconds, by thread id with its name
 * (Linux /proc/PID/task/TID/stat; its tick unit, USER_HZ, is 100 in the /proc ABI).
 */
export function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const out = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the name: state is field 3, utime field 14, stime field 15.
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** CPU time (user + system) of a whole process, seconds (threads that ended included). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
