import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import Client from '@alicloud/log';
import { lz4CompressBlock, newLz4HashTable } from './lz4-block.js';

/**
 * The SLS SDK (`@alicloud/log`) extended through its own hooks, not rewritten:
 * - status and response headers (x-log-progress, x-log-count, x-log-requestid) are captured by a
 *   shared keep-alive agent whose `addRequest` sees a per-call context that `beforeRequest` adds;
 * - HTTP status is checked (the SDK only throws when the body carries errorCode);
 * - per-call timeouts go through the SDK's per-call options; https is the default scheme;
 * - a local endpoint (an IP literal or localhost) is reached by resolving `<project>.<ip>` to the IP;
 * - compressed PutLogs (lz4 block or deflate) reuse the SDK's `_request` and its signing.
 */

export type CompressType = 'lz4' | 'deflate' | 'none';

export interface SlsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface SlsClientOptions {
  /** host[:port], optionally with http:// or https:// (https when no scheme is given). */
  endpoint: string;
  credentials: SlsCredentials;
  /** Per-call timeout, ms. */
  timeoutMs?: number;
  userAgent?: string;
}

export interface SlsResponse<T> {
  body: T;
  status: number;
  headers: IncomingHttpHeaders;
}

export interface GetLogsParams {
  /** Seconds, [from, to). */
  from: number;
  to: number;
  query: string;
  line?: number;
  offset?: number;
  reverse?: boolean;
  topic?: string;
}

export interface GetLogsResult {
  rows: Record<string, string>[];
  complete: boolean;
  count: number;
}

/** A failed SLS call. Messages carry SLS's code and text and never any credential. */
export class SlsError extends Error {
  constructor(
    message: string,
    /** SLS error code (e.g. WriteQuotaExceed), `HttpStatusNNN`, or a network error name. */
    readonly code: string,
    /** HTTP status; undefined for network errors and timeouts. */
    readonly status: number | undefined,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'SlsError';
  }

  /** Transient: 429, 5xx, 403 quota errors, timeouts and network errors. 400/401/404 are final. */
  get retryable(): boolean {
    if (this.status === undefined) return true;
    if (this.status === 429 || this.status >= 500) return true;
    if (this.status === 403) return /QuotaExceed|QpsExceed|Throttl/i.test(this.code);
    return false;
  }
}

const CALL = Symbol('sls-call');
/** zlib on libuv's thread pool: deflate runs off the event loop. */
const deflateAsync = promisify(deflate);

/**
 * Output chunk for deflating `rawBytes`: big enough that a LogGroup compresses in one or two
 * thread-pool passes (zlib's 16 KB default costs the event loop a callback and a copy per chunk).
 */
function deflateChunkSize(rawBytes: number): number {
  return Math.min(4 << 20, Math.max(64 << 10, rawBytes >>> 2));
}

interface CallContext {
  status?: number;
  headers?: IncomingHttpHeaders;
}

function captureResponse(req: http.ClientRequest, options: Record<string | symbol, unknown>): void {
  const ctx = options[CALL] as CallContext | undefined;
  if (ctx) {
    req.once('response', (res: IncomingMessage) => {
      ctx.status = res.statusCode;
      ctx.headers = res.headers;
    });
  }
}

type LookupFn = NonNullable<http.AgentOptions['lookup']>;

/** Resolves `<anything>.<ip>` and `<anything>.localhost` to the endpoint's loopback address. */
function localLookup(localHost: string): LookupFn | undefined {
  const ip = net.isIP(localHost) ? localHost : localHost === 'localhost' ? '127.0.0.1' : undefined;
  if (!ip) return undefined;
  const family = net.isIP(ip);
  return ((hostname: string, opts: dns.LookupOptions, cb: (...args: unknown[]) => void) => {
    if (hostname === localHost || hostname.endsWith(`.${localHost}`)) {
      if (opts.all) cb(null, [{ address: ip, family }]);
      else cb(null, ip, family);
    } else {
      dns.lookup(hostname, opts, cb as never);
    }
  }) as unknown as LookupFn;
}

class CapturingHttpAgent extends http.Agent {
  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    captureResponse(req, options as Record<string | symbol, unknown>);
    // @ts-expect-error addRequest is public at run time but not in @types/node
    super.addRequest(req, options);
  }
}

class CapturingHttpsAgent extends https.Agent {
  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    captureResponse(req, options as Record<string | symbol, unknown>);
    // @ts-expect-error see above
    super.addRequest(req, options);
  }
}

export function splitEndpoint(endpoint: string): { scheme: 'http' | 'https'; host: string; port?: number } {
  const m = /^(?:(https?):\/\/)?([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/i.exec(endpoint.trim());
  if (!m) throw new Error(`invalid SLS endpoint "${endpoint}": expected HOST[:PORT], optionally with http:// or https://`);
  return { scheme: (m[1]?.toLowerCase() as 'http' | 'https' | undefined) ?? 'https', host: m[2].toLowerCase(), port: m[3] ? Number(m[3]) : undefined };
}

export class SlsClient extends Client {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  /** lz4CompressBlock's scratch, reused: compression is synchronous, so calls never share it at once. */
  private readonly lz4HashTable = newLz4HashTable();

  constructor(options: SlsClientOptions) {
    const { scheme, host, port } = splitEndpoint(options.endpoint);
    super({
      accessKeyId: options.credentials.accessKeyId,
      accessKeySecret: options.credentials.accessKeySecret,
      securityToken: options.credentials.securityToken,
      endpoint: `${scheme}://${host}${port ? `:${port}` : ''}`,
      userAgent: options.userAgent ?? 'jaeger-sls',
    });
    const agentOptions: http.AgentOptions = { keepAlive: true, maxSockets: 64, lookup: localLookup(host) };
    this.agent = scheme === 'https' ? new CapturingHttpsAgent(agentOptions) : new CapturingHttpAgent(agentOptions);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Runs one SDK call with response capture, a timeout and status checking. */
  async call<T>(run: (options: Client.RequestOptions) => Promise<unknown>, timeoutMs = this.timeoutMs): Promise<SlsResponse<T>> {
    const ctx: CallContext = {};
    const options: Client.RequestOptions = {
      agent: this.agent,
      timeout: timeoutMs,
      beforeRequest: (o) => ({ ...o, [CALL]: ctx }),
    };
    let body: unknown;
    try {
      body = await run(options);
    } catch (err) {
      throw toSlsError(err, ctx);
    }
    const status = ctx.status ?? 0;
    if (status < 200 || status >= 300) {
      const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').slice(0, 200) : JSON.stringify(body)?.slice(0, 200);
      throw new SlsError(`SLS answered HTTP ${status}: ${text}`, `HttpStatus${status}`, status, header(ctx.headers, 'x-log-requestid'));
    }
    return { body: body as T, status, headers: ctx.headers ?? {} };
  }

  /** PutLogs of one encoded LogGroup, compressed as asked; load-balanced shard. */
  async putLogGroup(project: string, logstore: string, logGroup: Buffer, compress: CompressType, timeoutMs?: number): Promise<{ bytesSent: number }> {
    const body = compress === 'lz4' ? lz4CompressBlock(logGroup, this.lz4HashTable) : compress === 'deflate' ? await deflateAsync(logGroup, { level: 1, chunkSize: deflateChunkSize(logGroup.length) }) : logGroup;
    const headers: Client.Headers = { 'x-log-bodyrawsize': logGroup.length, 'content-type': 'application/x-protobuf' };
    if (compress !== 'none') headers['x-log-compresstype'] = compress;
    await this.call((o) => this._request('POST', project, `/logstores/${logstore}/shards/lb`, {}, body, headers, o), timeoutMs);
    return { bytesSent: body.length };
  }

  /** One GetLogs call; rows as SLS returns them (string values), plus x-log-progress. */
  async getLogsOnce(project: string, logstore: string, p: GetLogsParams): Promise<GetLogsResult> {
    const data: Client.GetLogsData = { query: p.query, line: p.line ?? 100, offset: p.offset ?? 0, reverse: p.reverse ?? false, powerSql: false };
    if (p.topic) data.topic = p.topic;
    const res = await this.call<unknown>((o) => this.getLogs(project, logstore, new Date(p.from * 1000), new Date(p.to * 1000), data, o));
    if (!Array.isArray(res.body)) throw new SlsError(`SLS GetLogs answered an unexpected body (${typeof res.body})`, 'UnexpectedBody', res.status);
    return {
      rows: res.body as Record<string, string>[],
      complete: (header(res.headers, 'x-log-progress') ?? 'Complete') === 'Complete',
      count: Number(header(res.headers, 'x-log-count') ?? res.body.length),
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

function header(headers: IncomingHttpHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function toSlsError(err: unknown, ctx: CallContext): SlsError {
  if (err instanceof SlsError) return err;
  const e = err as { message?: string; code?: string; name?: string; requestid?: string };
  const message = String(e?.message ?? err);
  if (ctx.status !== undefined && e?.code) {
    return new SlsError(`SLS ${e.code}: ${message}`, e.code, ctx.status, e.requestid);
  }
  const code = e?.code ?? e?.name ?? 'NetworkError';
  return new SlsError(`SLS request failed (${code}): ${message.replace(/\s+/g, ' ').slice(0, 300)}`, code, undefined);
}
