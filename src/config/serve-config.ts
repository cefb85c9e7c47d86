import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../model/index.js';

/** Log severities, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HostPort {
  host: string;
  port: number;
}

/** Everything `jaeger-sls serve` needs, resolved once and frozen. */
export interface ServeConfig {
  readonly listen: HostPort;
  /** Store URI (see src/storage/open-store.ts). */
  readonly store: string;
  /** PEM file paths; `ca` turns on mutual TLS. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  readonly tenancy: boolean;
  /** Allowed tenants; empty = any tenant. */
  readonly tenants: readonly string[];
  /** Metadata key carrying the tenant, lower-case (Jaeger's default x-tenant). */
  readonly tenantHeader: string;
  /** Largest gRPC message received or sent, bytes. */
  readonly maxMessageSize: number;
  readonly logLevel: LogLevel;
  /** HTTP /metrics listener, when set. */
  readonly metricsListen?: HostPort;
  /** Advertise the streaming span writer to Jaeger (memstore plugin's `enable_streaming_writer`). */
  readonly enableStreamingWriter: boolean;
  /** Stop when the parent process that started serve dies (see plugin/parent-watch.ts). */
  readonly exitWithParent: boolean;
  /** Trace reads (GetTrace, FindTraces) running at once; more wait in a bounded queue. */
  readonly maxConcurrentReads: number;
  /** Spans returned per trace at most, the rest dropped with a warning; undefined = no cap. */
  readonly maxTraceSpans?: number;
}

/** Raw option values as commander gives them (undefined = not given on the command line). */
export interface ServeFlags {
  listen?: string;
  store?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tenancy?: boolean;
  tenants?: string;
  tenantHeader?: string;
  maxMessageSize?: string;
  logLevel?: string;
  metricsListen?: string;
  enableStreamingWriter?: boolean;
  exitWithParent?: string | boolean;
  maxConcurrentReads?: string;
  maxTraceSpans?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:17271';
export const DEFAULT_SERVE_STORE = 'sqlite:jaeger-sls.db';
/**
 * Default --max-concurrent-reads. A running read holds at most a few stream messages (≤ 2 MiB
 * each) besides the chunk being decoded, so 8 reads stay within tens of MB; Jaeger's UI issues one
 * read per page view and its HotROD-scale users rarely have more than a few pages loading at once.
 */
export const DEFAULT_MAX_CONCURRENT_READS = 8;

/** Config keys: file spelling (snake_case; kebab-case accepted), env JAEGER_SLS_<UPPER>, flag field. */
const KEYS = {
  listen: 'listen',
  store: 'store',
  tls_cert: 'tlsCert',
  tls_key: 'tlsKey',
  tls_ca: 'tlsCa',
  tenancy: 'tenancy',
  tenants: 'tenants',
  tenant_header: 'tenantHeader',
  max_message_size: 'maxMessageSize',
  log_level: 'logLevel',
  metrics_listen: 'metricsListen',
  enable_streaming_writer: 'enableStreamingWriter',
  exit_with_parent: 'exitWithParent',
  max_concurrent_reads: 'maxConcurrentReads',
  max_trace_spans: 'maxTraceSpans',
} as const satisfies Record<string, keyof ServeFlags>;
type Key = keyof typeof KEYS;

export interface ServeConfigSources {
  flags: ServeFlags;
  env: NodeJS.ProcessEnv;
  /** The --config file, already read; `path` names it in errors. */
  file?: { path: string; text: string };
}

/**
 * Resolves serve configuration field by field: flag > env JAEGER_SLS_* > config file > default.
 * Unknown config-file keys and bad values throw ConfigError naming the key (and where it came from).
 */
export function resolveServeConfig({ flags, env, file }: ServeConfigSources): ServeConfig {
  const fromFile = file ? readConfigFile(file.path, file.text) : {};
  const raw = (key: Key): { value: unknown; where: string } | undefined => {
    const flag = flags[KEYS[key]];
    if (flag !== undefined) return { value: flag, where: `--${key.replaceAll('_', '-')}` };
    const envName = `JAEGER_SLS_${key.toUpperCase()}`;
    if (env[envName] !== undefined && env[envName] !== '') return { value: env[envName], where: envName };
    if (key in fromFile) return { value: fromFile[key], where: `${file!.path}: ${key}` };
    return undefined;
  };
  const str = (key: Key, fallback: string) => {
    const r = raw(key);
    if (r === undefined) return fallback;
    if (typeof r.value !== 'string' && typeof r.value !== 'number') throw new ConfigError(`${r.where}: expected a string, got ${show(r.value)}`);
    return String(r.value);
  };
  const optionalStr = (key: Key) => {
    const value = str(key, '');
    return value === '' ? undefined : value;
  };
  const bool = (key: Key, fallback: boolean) => {
    const r = raw(key);
    return r === undefined ? fallback : parseBool(r.value, r.where);
  };
  const located = (key: Key, fallback: string) => ({ text: str(key, fallback), where: raw(key)?.where ?? key });

  const listen = located('listen', DEFAULT_LISTEN);
  const tlsCert = optionalStr('tls_cert');
  const tlsKey = optionalStr('tls_key');
  const tlsCa = optionalStr('tls_ca');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError('--tls-cert and --tls-key must be given together');
  if (tlsCa && !tlsCert) throw new ConfigError('--tls-ca needs --tls-cert and --tls-key');
  const tenantsRaw = raw('tenants');
  const tenants = tenantsRaw === undefined ? [] : parseList(tenantsRaw.value, tenantsRaw.where);
  const logLevel = located('log_level', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.text)) {
    throw new ConfigError(`${logLevel.where}: invalid log level "${logLevel.text}" (expected ${LOG_LEVELS.join(', ')})`);
  }
  const maxMessageSize = located('max_message_size', String(4 * 1024 * 1024));
  const metricsListen = optionalStr('metrics_listen');
  const tenantHeader = str('tenant_header', 'x-tenant').toLowerCase();
  const count = (key: Key, min: number) => {
    const r = raw(key);
    if (r === undefined) return undefined;
    const n = typeof r.value === 'number' ? r.value : /^\s*\d+\s*$/.test(String(r.value)) ? Number(r.value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${r.where}: expected a whole number ≥ ${min}, got ${show(r.value)}`);
    return n;
  };
  const maxTraceSpans = count('max_trace_spans', 1);
  if (!/^[a-z0-9_.-]+$/.test(tenantHeader)) throw new ConfigError(`invalid tenant header "${tenantHeader}"`);

  return Object.freeze({
    listen: parseHostPort(listen.text, listen.where),
    store: str('store', DEFAULT_SERVE_STORE),
    ...(tlsCert && tlsKey ? { tls: Object.freeze({ cert: tlsCert, key: tlsKey, ...(tlsCa ? { ca: tlsCa } : {}) }) } : {}),
    tenancy: bool('tenancy', false) || tenants.length > 0,
    tenants: Object.freeze(tenants),
    tenantHeader,
    maxMessageSize: parseByteSize(maxMessageSize.text, maxMessageSize.where),
    logLevel: logLevel.text as LogLevel,
    ...(metricsListen ? { metricsListen: parseHostPort(metricsListen, raw('metrics_listen')!.where) } : {}),
    enableStreamingWriter: bool('enable_streaming_writer', true),
    exitWithParent: bool('exit_with_parent', true),
    maxConcurrentReads: count('max_concurrent_reads', 1) ?? DEFAULT_MAX_CONCURRENT_READS,
    ...(maxTraceSpans !== undefined ? { maxTraceSpans } : {}),
  });
}

function readConfigFile(path: string, text: string): Partial<Record<Key, unknown>> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: expected a mapping of keys to values`);
  const out: Partial<Record<Key, unknown>> = {};
  for (const [name, value] of Object.entries(doc)) {
    const key = name.replaceAll('-', '_');
    if (!(key in KEYS)) throw new ConfigError(`${path}: unknown key "${name}" (known: ${Object.keys(KEYS).join(', ')})`);
    out[key as Key] = value;
  }
  return out;
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces). */
export function parseHostPort(text: string, where = 'address'): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${where}: invalid address "${text}" (expected HOST:PORT, e.g. 127.0.0.1:17271)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Bytes, with an optional K/KB/KiB/M/MB/MiB suffix (powers of 1024). */
export function parseByteSize(text: string, where = 'size'): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  const unit = m?.[2]?.toLowerCase().startsWith('m') ? 1024 * 1024 : m?.[2] ? 1024 : 1;
  const bytes = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 2 ** 31 - 1) {
    throw new ConfigError(`${where}: invalid size "${text}" (expected bytes between 1KiB and 2GiB, e.g. 4MiB)`);
  }
  return bytes;
}

function parseBool(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${where}: expected true or false, got ${show(value)}`);
}

function parseList(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((v) => typeof v !== 'string' && typeof v !== 'number')) throw new ConfigError(`${where}: expected a list of names, got ${show(value)}`);
  return items.map((v) => String(v).trim()).filter((v) => v !== '');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
