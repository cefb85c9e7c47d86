/**
 * What the ingest benchmarks (serve.ts, read-storm.ts) share: a client that only moves bytes
 * (requests encoded once, sent through a pass-through serializer), starting and stopping
 * `jaeger-sls serve` from bin/, and the figures read off /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/** One OTLP Export of pre-encoded request bytes. */
export function exportRaw(client: grpc.Client, request: Buffer): Promise<void> {
  return new Promise((resolve, reject) => client.makeUnaryRequest(EXPORT_PATH, passThrough, passThrough, request, (err) => (err ? reject(err) : resolve())));
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
