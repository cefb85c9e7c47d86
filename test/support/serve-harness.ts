/**
 * Test harness for `jaeger-sls serve`: spawns `node bin/jaeger-sls.js serve …` (needs a built dist/),
 * finds the bound address in its JSON "listening" log line on stderr, and builds real @grpc/grpc-js
 * clients from proto/ (the same definitions the server loads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { clientConstructor, type ServiceKey } from '../../src/storage/grpc/protos.js';
import { BIN } from './cli.js';

export interface ServeProcess {
  /** host:port from the "listening" log line. */
  readonly address: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when the process has exited, with its exit code. */
  exited: Promise<number | null>;
}

export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; goPlugin?: boolean } = {}): Promise<ServeProcess> {
  const argv = options.goPlugin ? args : ['serve', ...args];
  const child = spawn(process.execPath, [BIN, ...argv], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave a server behind when the test process ends early.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  const logs = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time; stderr: ${stderr}`)), options.timeoutMs ?? 20_000);
    const check = () => {
      const line = logs().find((l) => l['@message'] === 'listening');
      if (line) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(String(line.address));
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return {
    address,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export type AnyClient = grpc.Client & Record<string, (...args: any[]) => any>;

/** A real grpc-js client of one service of proto/. */
export function grpcClient(key: ServiceKey, address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): AnyClient {
  const Ctor = clientConstructor(key);
  return new Ctor(address, credentials, options) as unknown as AnyClient;
}

export function metadataFor(tenant?: string | string[]): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const t of tenant === undefined ? [] : Array.isArray(tenant) ? tenant : [tenant]) md.add('x-tenant', t);
  return md;
}

/** Closes a client's channel (SpanWriterPlugin's rpc `Close` shadows Client#close on its client). */
export function closeClient(client: grpc.Client | undefined): void {
  if (client) grpc.Client.prototype.close.call(client);
}

/** Promise of a unary call; rejects with the grpc ServiceError. */
export function unary<Res = any>(client: AnyClient, method: string, request: object, metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: Date.now() + 20_000 }, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res))),
  );
}

/** Every message of a server stream; rejects with the grpc ServiceError. */
export async function collectStream<Res = any>(client: AnyClient, method: string, request: object, metadata = new grpc.Metadata()): Promise<Res[]> {
  const call = client[method](request, metadata) as grpc.ClientReadableStream<Res>;
  const out: Res[] = [];
  for await (const m of call) out.push(m as Res);
  return out;
}

/** Writes messages on a client stream, ends it and resolves with the response. */
export function clientStream<Res = any>(client: AnyClient, method: string, messages: object[], metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    const call = client[method](metadata, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res))) as grpc.ClientWritableStream<object>;
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Health Check status number (1 = SERVING); rejects on error. */
export async function healthStatus(address: string, service: string, credentials?: grpc.ChannelCredentials): Promise<number> {
  const client = grpcClient('health', address, credentials);
  try {
    return (await unary<{ status: number }>(client, 'Check', { service })).status;
  } finally {
    closeClient(client);
  }
}
