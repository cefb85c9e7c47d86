/**
 * A local Aliyun Log Service (SLS) emulator for tests: an HTTP server on 127.0.0.1:0 that the
 * unmodified `@alicloud/log` SDK talks to (sls.md §7). It
 * - takes the project from the Host header (`<project>.<endpoint>`), checks the v1 signature,
 *   Content-MD5 and the Date skew, and answers SLS's JSON error bodies with their HTTP status;
 * - decodes PutLogs `LogGroup` protobuf (protobufjs with the SDK's own sls.proto) with compression
 *   none / deflate / lz4 (raw block, decoded by lz4js), checks x-log-bodyrawsize and the time window;
 * - stores rows per project/logstore; GetLogs with the search subset (search.ts) and SQL subset
 *   (sql.ts), x-log-progress / x-log-count headers; GetHistograms; logstore and index CRUD;
 *   IndexConfigNotExist when a logstore has no index;
 * - injects faults on demand: HTTP 429 / 500 / 503, 403 WriteQuotaExceed, slow answers, dropped
 *   connections, Incomplete progress.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { evaluateSearch, parseSearch, SearchSyntaxError } from './search.js';
import type { IndexConfig } from './search.js';
import { checkSqlColumns, executeSql, parseSql, SqlSyntaxError } from './sql.js';
import { signature, stringToSign } from './signature.js';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof import('protobufjs');
const lz4js = require('lz4js') as { decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number };
const LogGroupProto = protobuf.loadSync(require.resolve('@alicloud/log/lib/sls.proto')).lookupType('sls.LogGroup');

export type Row = Record<string, string>;

export interface EmulatorOptions {
  /** accessKeyId → accessKeySecret accepted. */
  credentials?: Record<string, string>;
  /** Projects that exist; others answer ProjectNotExist. Default: any project exists. */
  projects?: string[];
  /** Check signatures (default true). */
  verifySignature?: boolean;
  /** Reject log times outside [now − 7 d, now + 15 min] like SLS (default true). */
  enforceTimeWindow?: boolean;
  /**
   * 'rows' (default) keeps every log for queries; 'count' (benchmarks) validates the LogGroup wire
   * format, times and sizes but keeps only counts, so the emulator costs little next to the client.
   */
  retain?: 'rows' | 'count';
}

/** `outage`: every hit fails with one of 429, 500, 503, 403 WriteQuotaExceed or a dropped connection. */
export type FaultKind = 'http429' | 'http500' | 'http503' | 'quota' | 'drop' | 'slow' | 'incomplete' | 'outage';

export interface Fault {
  kind: FaultKind;
  /** Which requests: PutLogs only, GetLogs only, or every request. Default 'all'. */
  scope?: 'write' | 'read' | 'all';
  /** How many matching requests it hits; undefined = until cleared. */
  count?: number;
  /** For 'slow': delay before answering, ms. */
  delayMs?: number;
}

export interface EmulatorStats {
  requests: number;
  putLogsRequests: number;
  getLogsRequests: number;
  faultsInjected: number;
  /** Request body bytes received by PutLogs (as sent, compressed). */
  bytesReceived: number;
  /** Uncompressed LogGroup bytes. */
  rawBytesReceived: number;
  logsStored: number;
  maxConcurrentPutLogs: number;
  compressTypes: Record<string, number>;
  maxLogsPerRequest: number;
}

interface Logstore {
  name: string;
  ttl: number;
  shardCount: number;
  rows: Row[];
  index?: IndexConfig;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SlsEmulator {
  readonly credentials: Record<string, string>;
  private readonly projects = new Map<string, Map<string, Logstore>>();
  private readonly allowedProjects?: Set<string>;
  private readonly verify: boolean;
  private readonly enforceTimeWindow: boolean;
  private readonly retain: 'rows' | 'count';
  private faults: Fault[] = [];
  private server?: http.Server;
  private readonly sockets = new Set<net.Socket>();
  private putInFlight = 0;
  stats: EmulatorStats = SlsEmulator.emptyStats();
  port = 0;

  constructor(options: EmulatorOptions = {}) {
    this.credentials = options.credentials ?? { 'test-ak-id': 'test-ak-secret' };
    this.allowedProjects = options.projects ? new Set(options.projects) : undefined;
    this.verify = options.verifySignature ?? true;
    this.enforceTimeWindow = options.enforceTimeWindow ?? true;
    this.retain = options.retain ?? 'rows';
  }

  static emptyStats(): EmulatorStats {
    return { requests: 0, putLogsRequests: 0, getLogsRequests: 0, faultsInjected: 0, bytesReceived: 0, rawBytesReceived: 0, logsStored: 0, maxConcurrentPutLogs: 0, compressTypes: {}, maxLogsPerRequest: 0 };
  }

  /** `http://127.0.0.1:PORT`, the endpoint to give the store or SDK. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.server = undefined;
  }

  // --- fault injection ------------------------------------------------------------------------

  /** Adds a fault; faults are consulted in order, the first matching one applies. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private takeFault(scope: 'write' | 'read' | 'other'): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      const s = f.scope ?? 'all';
      if (s !== 'all' && s !== scope) continue;
      if (f.count !== undefined) {
        f.count--;
        if (f.count <= 0) this.faults.splice(i, 1);
      }
      this.stats.faultsInjected++;
      return f;
    }
    return undefined;
  }

  // --- direct access for tests ------------------------------------------------------------------

  createLogstore(project: string, name: string, index?: IndexConfig): void {
    this.project(project, true).set(name, { name, ttl: 30, shardCount: 2, rows: [], index });
  }

  logstore(project: string, name: string): { rows: readonly Row[]; index?: IndexConfig } | undefined {
    return this.projects.get(project)?.get(name);
  }

  logstoreNames(project: string): string[] {
    return [...(this.projects.get(project)?.keys() ?? [])];
  }

  /** Appends rows as if PutLogs had stored them (for foreign-writer fixtures). */
  putRows(project: string, logstore: string, rows: Row[]): void {
    const ls = this.requireLogstore(project, logstore);
    for (const r of rows) ls.rows.push({ __topic__: '', __source__: '127.0.0.1', ...r });
  }

  private project(name: string, create: boolean): Map<string, Logstore> {
    if (this.allowedProjects && !this.allowedProjects.has(name)) throw new HttpError(404, 'ProjectNotExist', `The Project does not exist : ${name}`);
    let p = this.projects.get(name);
    if (!p) {
      p = new Map();
      if (create || !this.allowedProjects) this.projects.set(name, p);
    }
    return p;
  }

  private requireLogstore(project: string, name: string): Logstore {
    const ls = this.project(project, false).get(name);
    if (!ls) throw new HttpError(404, 'LogStoreNotExist', `logstore ${name} does not exist`);
    return ls;
  }

  // --- HTTP -------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    res.setHeader('x-log-requestid', requestId);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const isPut = req.method === 'POST' && /^\/logstores\/[^/]+\/shards\/(lb|route)$/.test(path);
    const isGet = req.method === 'GET' && /^\/logstores\/[^/]+$/.test(path) && (url.searchParams.get('type') === 'log' || url.searchParams.get('type') === 'histogram');
    let body: Buffer;
    if (isPut) {
      this.putInFlight++;
      this.stats.maxConcurrentPutLogs = Math.max(this.stats.maxConcurrentPutLogs, this.putInFlight);
      res.once('close', () => this.putInFlight--);
    }
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    let fault = this.takeFault(isPut ? 'write' : isGet ? 'read' : 'other');
    if (fault?.kind === 'outage') {
      const kinds = ['http429', 'http500', 'http503', 'quota', 'drop'] as const;
      fault = { kind: kinds[this.stats.faultsInjected % kinds.length] };
    }
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 5000));
    // A client that gave up (timeout) gets nothing stored: the request is dropped before commit.
    if (res.destroyed || req.socket.destroyed) return;
    try {
      if (fault && fault.kind !== 'slow' && fault.kind !== 'incomplete') {
        const [status, code] = ({ http429: [429, 'TooManyRequests'], http500: [500, 'InternalServerError'], http503: [503, 'ServerBusy'], quota: [403, 'WriteQuotaExceed'] } as const)[fault.kind];
        throw new HttpError(status, code, code === 'WriteQuotaExceed' ? 'Project write quota exceed: inflow' : `injected ${code}`);
      }
      const project = projectFromHost(req.headers.host ?? '');
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      this.authenticate(req, path, query, body);
      if (isPut) {
        this.putLogs(project, path.split('/')[2], req, body);
        res.writeHead(200, { 'content-length': 0 }).end();
        return;
      }
      const result = this.route(req.method ?? 'GET', project, path, query, body, fault?.kind === 'incomplete');
      // Empty answers carry no JSON content-type (the SDK would JSON.parse the empty body).
      const headers: http.OutgoingHttpHeaders = result.body === undefined ? { ...result.headers } : { 'content-type': 'application/json', ...result.headers };
      const text = result.body === undefined ? '' : JSON.stringify(result.body);
      res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(text) }).end(text);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'InternalServerError', String((err as Error)?.message ?? err));
      const text = JSON.stringify({ errorCode: e.code, errorMessage: e.message });
      res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    }
  }

  private authenticate(req: http.IncomingMessage, path: string, query: Record<string, string>, body: Buffer): void {
    const h = req.headers as Record<string, string | undefined>;
    if (!h['date'] && !h['x-log-date']) throw new HttpError(400, 'MissingDate', 'Date header is missing');
    if (!h['x-log-apiversion']) throw new HttpError(400, 'MissingAPIVersion', 'x-log-apiversion is missing');
    if (h['x-log-signaturemethod'] !== 'hmac-sha1') throw new HttpError(400, 'InvalidSignatureMethod', 'signature method must be hmac-sha1');
    const date = Date.parse(h['x-log-date'] ?? h['date']!);
    if (!Number.isFinite(date)) throw new HttpError(400, 'InvalidDateFormat', 'invalid Date');
    if (Math.abs(Date.now() - date) > 15 * 60_000) throw new HttpError(400, 'RequestTimeTooSkewed', 'request time too skewed');
    if (body.length > 0) {
      const md5 = createHash('md5').update(body).digest('hex').toUpperCase();
      if (h['content-md5'] !== md5) throw new HttpError(400, 'InvalidContentMD5', 'Content-MD5 does not match the body');
    }
    if (!this.verify) return;
    const m = /^LOG ([^:]+):(.+)$/.exec(h['authorization'] ?? '');
    if (!m) throw new HttpError(401, 'Unauthorized', 'missing or malformed Authorization header');
    const secret = this.credentials[m[1]];
    if (secret === undefined) throw new HttpError(401, 'InvalidAccessKeyId', `AccessKeyId not found: ${m[1]}`);
    const expected = signature(secret, stringToSign({ verb: req.method ?? 'GET', path, query, headers: h }));
    if (expected !== m[2]) throw new HttpError(401, 'SignatureNotMatch', 'signature does not match');
  }

  private putLogs(project: string, logstore: string, req: http.IncomingMessage, body: Buffer): void {
    const ls = this.requireLogstore(project, logstore);
    const h = req.headers;
    if (!h['content-type']?.startsWith('application/x-protobuf')) throw new HttpError(415, 'InvalidContentType', 'content-type must be application/x-protobuf');
    const rawSize = Number(h['x-log-bodyrawsize']);
    if (h['x-log-bodyrawsize'] === undefined) throw new HttpError(400, 'MissingBodyRawSize', 'x-log-bodyrawsize is missing');
    if (!Number.isInteger(rawSize) || rawSize < 0) throw new HttpError(400, 'InvalidBodyRawSize', 'x-log-bodyrawsize is invalid');
    const compress = String(h['x-log-compresstype'] ?? 'none');
    this.stats.compressTypes[compress] = (this.stats.compressTypes[compress] ?? 0) + 1;
    let raw: Buffer;
    try {
      if (compress === 'none') raw = body;
      else if (compress === 'deflate') raw = inflateSync(body);
      else if (compress === 'lz4') {
        const dst = Buffer.alloc(rawSize);
        const end = lz4js.decompressBlock(body, dst, 0, body.length, 0);
        raw = dst.subarray(0, end);
      } else throw new HttpError(400, 'InvalidCompressType', `compress type ${compress} is not supported`);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'PostBodyUncompressError', 'cannot decompress the body');
    }
    if (raw.length !== rawSize) throw new HttpError(400, 'InvalidBodyRawSize', `x-log-bodyrawsize ${rawSize} but ${raw.length} bytes`);
    if (raw.length > 10 * 1024 * 1024) throw new HttpError(400, 'PostBodyTooLarge', 'body too large');
    if (this.retain === 'count') {
      const count = scanLogGroup(raw, this.enforceTimeWindow ? Math.floor(Date.now() / 1000) : undefined);
      this.stats.putLogsRequests++;
      this.stats.bytesReceived += body.length;
      this.stats.rawBytesReceived += raw.length;
      this.stats.logsStored += count;
      this.stats.maxLogsPerRequest = Math.max(this.stats.maxLogsPerRequest, count);
      return;
    }
    let group: { Logs?: { Time: number; TimeNs?: number; Contents?: { Key: string; Value: string }[] }[]; Topic?: string; Source?: string; LogTags?: { Key: string; Value: string }[] };
    try {
      group = LogGroupProto.decode(raw) as unknown as typeof group;
    } catch (err) {
      throw new HttpError(400, 'PostBodyInvalid', `invalid LogGroup: ${(err as Error).message}`);
    }
    const logs = group.Logs ?? [];
    if (logs.length > 4096) throw new HttpError(400, 'PostBodyInvalid', `${logs.length} logs in one request (at most 4096)`);
    const now = Math.floor(Date.now() / 1000);
    const rows: Row[] = [];
    for (const log of logs) {
      if (this.enforceTimeWindow && (log.Time < now - 7 * 86_400 || log.Time > now + 900)) {
        throw new HttpError(400, 'PostBodyInvalid', 'post data time is out of range');
      }
      const row: Row = { __time__: String(log.Time), __topic__: group.Topic ?? '', __source__: group.Source ?? '' };
      if (log.TimeNs) row.__time_ns_part__ = String(log.TimeNs);
      for (const t of group.LogTags ?? []) row[`__tag__:${t.Key}`] = t.Value;
      for (const c of log.Contents ?? []) row[c.Key] = c.Value;
      rows.push(row);
    }
    for (const r of rows) ls.rows.push(r);
    this.stats.putLogsRequests++;
    this.stats.bytesReceived += body.length;
    this.stats.rawBytesReceived += raw.length;
    this.stats.logsStored += rows.length;
    this.stats.maxLogsPerRequest = Math.max(this.stats.maxLogsPerRequest, rows.length);
  }

  private route(method: string, project: string, path: string, query: Record<string, string>, body: Buffer, incomplete: boolean): { body?: unknown; headers?: http.OutgoingHttpHeaders } {
    const parts = path.split('/').filter(Boolean);
    const json = () => {
      try {
        return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new HttpError(400, 'ParameterInvalid', 'body is not JSON');
      }
    };
    if (parts.length === 0) {
      if (method === 'GET') return { body: { projectName: project, status: 'Normal' } };
      throw new HttpError(400, 'ParameterInvalid', `${method} / is not supported`);
    }
    if (parts[0] !== 'logstores') throw new HttpError(404, 'ParameterInvalid', `unknown path ${path}`);
    if (parts.length === 1) {
      if (method === 'POST') {
        const b = json();
        const name = String(b.logstoreName ?? '');
        if (!/^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/.test(name)) throw new HttpError(400, 'ParameterInvalid', `invalid logstore name ${name}`);
        const p = this.project(project, true);
        if (p.has(name)) throw new HttpError(400, 'LogStoreAlreadyExist', `logstore ${name} already exists`);
        p.set(name, { name, ttl: Number(b.ttl ?? 30), shardCount: Number(b.shardCount ?? 2), rows: [] });
        return {};
      }
      if (method === 'GET') {
        const names = [...this.project(project, false).keys()].filter((n) => !query.logstoreName || n.includes(query.logstoreName));
        return { body: { count: names.length, total: names.length, logstores: names } };
      }
    }
    const ls = () => this.requireLogstore(project, parts[1]);
    if (parts.length === 2) {
      if (method === 'GET' && (query.type === 'log' || query.type === 'histogram')) return this.getLogs(ls(), query, incomplete);
      if (method === 'GET') {
        const l = ls();
        return { body: { logstoreName: l.name, ttl: l.ttl, shardCount: l.shardCount } };
      }
      if (method === 'DELETE') {
        ls();
        this.project(project, false).delete(parts[1]);
        return {};
      }
      if (method === 'PUT') return {};
    }
    if (parts.length === 3 && parts[2] === 'index') {
      const l = ls();
      if (method === 'GET') {
        if (!l.index) throw new HttpError(404, 'IndexConfigNotExist', 'index config does not exist');
        return { body: l.index };
      }
      if (method === 'POST') {
        if (l.index) throw new HttpError(400, 'IndexAlreadyExist', 'index already exists');
        l.index = validateIndex(json());
        return {};
      }
      if (method === 'PUT') {
        l.index = validateIndex(json());
        return {};
      }
      if (method === 'DELETE') {
        if (!l.index) throw new HttpError(404, 'IndexConfigNotExist', 'index config does not exist');
        l.index = undefined;
        return {};
      }
    }
    throw new HttpError(404, 'ParameterInvalid', `${method} ${path} is not supported`);
  }

  private getLogs(ls: Logstore, q: Record<string, string>, incomplete: boolean): { body: unknown; headers: http.OutgoingHttpHeaders } {
    this.stats.getLogsRequests++;
    const from = Number(q.from);
    const to = Number(q.to);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from >= to) throw new HttpError(400, 'InvalidTimeRange', `invalid time range [${q.from}, ${q.to})`);
    if (!ls.index) throw new HttpError(400, 'IndexConfigNotExist', 'logstore without index config');
    if (incomplete) return { body: [], headers: { 'x-log-progress': 'Incomplete', 'x-log-count': 0 } };
    const text = q.query ?? '';
    const bar = splitQuery(text);
    let search;
    let sql;
    try {
      search = parseSearch(bar.search.trim() || '*');
      sql = bar.sql === undefined ? undefined : parseSql(bar.sql);
      if (sql) checkSqlColumns(sql, ls.index);
    } catch (err) {
      if (err instanceof SearchSyntaxError || err instanceof SqlSyntaxError) throw new HttpError(400, 'InvalidQueryString', `${err.message} (query: ${text.slice(0, 200)})`);
      throw err;
    }
    const topic = q.topic ?? '';
    const matched: Row[] = [];
    for (const row of ls.rows) {
      const t = Number(row.__time__);
      if (t < from || t >= to) continue;
      if (topic && row.__topic__ !== topic) continue;
      if (evaluateSearch(search, row, ls.index)) matched.push(row);
    }
    if (q.type === 'histogram') {
      return { body: [{ from, to, count: matched.length, progress: 'Complete' }], headers: { 'x-log-progress': 'Complete', 'x-log-count': matched.length } };
    }
    if (sql) {
      if (Number(q.offset ?? 0) > 0) throw new HttpError(400, 'ParameterInvalid', 'offset is not available for pagination in sql query');
      let rows: Row[];
      try {
        rows = executeSql(sql, matched, ls.index);
      } catch (err) {
        if (err instanceof SqlSyntaxError) throw new HttpError(400, 'InvalidQueryString', `${err.message} (query: ${text.slice(0, 200)})`);
        throw err;
      }
      return { body: rows, headers: { 'x-log-progress': 'Complete', 'x-log-count': rows.length } };
    }
    const line = q.line === undefined ? 100 : Number(q.line);
    const offset = Number(q.offset ?? 0);
    if (!Number.isInteger(line) || line < 0 || line > 100) throw new HttpError(400, 'InvalidLine', 'line must be within [0, 100]');
    if (!Number.isInteger(offset) || offset < 0) throw new HttpError(400, 'InvalidOffset', 'invalid offset');
    const ordered = matched.map((r, i) => ({ r, i, t: Number(r.__time__) })).sort((a, b) => a.t - b.t || a.i - b.i);
    if (q.reverse === 'true') ordered.reverse();
    const page = ordered.slice(offset, offset + line).map((o) => {
      const { __time_ns_part__: _ns, ...rest } = o.r;
      return rest;
    });
    return { body: page, headers: { 'x-log-progress': 'Complete', 'x-log-count': page.length } };
  }
}

function validateIndex(b: Record<string, unknown>): IndexConfig {
  if (b.keys !== undefined && (typeof b.keys !== 'object' || b.keys === null)) throw new HttpError(400, 'IndexInfoInvalid', 'keys must be an object');
  for (const [k, spec] of Object.entries((b.keys ?? {}) as Record<string, { type?: string }>)) {
    if (!['text', 'long', 'double', 'json'].includes(String(spec?.type))) throw new HttpError(400, 'IndexInfoInvalid', `key ${k}: invalid type ${spec?.type}`);
  }
  return b as IndexConfig;
}

/** Splits `search | sql` at the first `|` outside quotes. */
export function splitQuery(text: string): { search: string; sql?: string } {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"') quote = c;
    else if (c === '|') return { search: text.slice(0, i), sql: text.slice(i + 1) };
  }
  return { search: text };
}

function projectFromHost(host: string): string {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (net.isIP(name)) return '';
  return name.split('.')[0];
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

/**
 * Walks a LogGroup's protobuf wire format without materialising it: checks every field tag, wire
 * type and length, that each Log has a Time (within SLS's window when `now` is given), and counts
 * the logs. Throws HttpError(400, PostBodyInvalid) like SLS on anything malformed.
 */
function scanLogGroup(buf: Buffer, now: number | undefined): number {
  const bad = (why: string): never => {
    throw new HttpError(400, 'PostBodyInvalid', `invalid LogGroup: ${why}`);
  };
  const varint = (p: { i: number }, end: number): number => {
    let v = 0;
    let mul = 1;
    for (let n = 0; n < 10; n++) {
      if (p.i >= end) bad('truncated varint');
      const b = buf[p.i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    return bad('varint too long');
  };
  const p = { i: 0 };
  let logs = 0;
  while (p.i < buf.length) {
    const tag = varint(p, buf.length);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire !== 2) bad(`LogGroup field ${field} has wire type ${wire}`);
    const len = varint(p, buf.length);
    const end = p.i + len;
    if (end > buf.length) bad('truncated field');
    if (field === 1) {
      logs++;
      if (logs > 4096) bad('more than 4096 logs');
      let time: number | undefined;
      const q = { i: p.i };
      while (q.i < end) {
        const t = varint(q, end);
        const f = Math.floor(t / 8);
        const w = t & 7;
        if (f === 1 && w === 0) time = varint(q, end);
        else if (f === 2 && w === 2) {
          const cl = varint(q, end);
          if (q.i + cl > end) bad('truncated content');
          q.i += cl;
        } else if (f === 4 && w === 5) q.i += 4;
        else bad(`Log field ${f} with wire type ${w}`);
      }
      if (q.i !== end) bad('Log overruns its length');
      if (time === undefined) bad('Log without Time');
      if (now !== undefined && (time! < now - 7 * 86_400 || time! > now + 900)) throw new HttpError(400, 'PostBodyInvalid', 'post data time is out of range');
    } else if (field < 1 || field > 6) bad(`unknown LogGroup field ${field}`);
    p.i = end;
  }
  return logs;
}
