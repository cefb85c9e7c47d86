/**
 * Logstore names and the index of the span logstore, mirroring the SLS Trace index (sls.md §5.5):
 * exact-match text (token []) for ids, service, name, kind, status, host, trace state and the scope
 * name / version (`otlp.name`, `otlp.version`); long for start, end, duration; json (index_all) for
 * attribute, resource and scopeAttribute; text for statusMessage, logs and links (matched by
 * substring in SQL: JSON arrays cannot be json-indexed); every key with doc_value for SQL.
 * Queries use only the keys a logstore's index has (query-builder.ts), so logstores indexed by the
 * SLS Trace app or by an older jaeger-sls stay searchable.
 */
import { createHash } from 'node:crypto';

const TRACE_TTL_DAYS = 30;
export const LOGSTORE_DEFAULTS = { ttl: TRACE_TTL_DAYS, shardCount: 2 };

export const DEFAULT_TOKENS = [',', ' ', "'", '"', ';', '=', '(', ')', '[', ']', '{', '}', '?', '@', '&', '<', '>', '/', ':', '\n', '\t', '\r'];

export interface TraceLogstores {
  traces: string;
  deps: string;
  archive: string;
}

/** `<instance>-traces` for the default tenant; other tenants get `<instance>-t-<tenant>-traces`. */
export function traceLogstores(instance: string, tenant = ''): TraceLogstores {
  const prefix = tenant === '' ? instance : `${instance}-t-${tenantSlug(tenant)}`;
  return { traces: `${prefix}-traces`, deps: `${instance}-traces-deps`, archive: `${prefix}-traces-archive` };
}

/** A logstore-safe form of a tenant name; a hash suffix keeps distinct tenants distinct. */
export function tenantSlug(tenant: string): string {
  const plain = tenant.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20);
  if (plain === tenant && plain.length > 0) return plain;
  const hash = createHash('sha1').update(tenant).digest('hex').slice(0, 8);
  return plain ? `${plain}-${hash}` : hash;
}

const exact = { type: 'text', token: [] as string[], caseSensitive: true, chn: false, doc_value: true, alias: '' };
const long = { type: 'long', doc_value: true, alias: '' };
const json = { type: 'json', token: DEFAULT_TOKENS, caseSensitive: false, chn: false, doc_value: true, alias: '', index_all: true, max_depth: -1, json_keys: {} };

export function spanIndexConfig(): Record<string, unknown> {
  return {
    line: { token: DEFAULT_TOKENS, caseSensitive: false, chn: false, include_keys: [], exclude_keys: [] },
    keys: {
      traceID: exact,
      spanID: exact,
      parentSpanID: exact,
      service: exact,
      name: exact,
      kind: exact,
      statusCode: exact,
      host: exact,
      traceState: exact,
      'otlp.name': exact,
      'otlp.version': exact,
      start: long,
      end: long,
      duration: long,
      attribute: json,
      resource: json,
      scopeAttribute: json,
      statusMessage: { type: 'text', token: DEFAULT_TOKENS, caseSensitive: false, chn: false, doc_value: true, alias: '' },
      logs: { type: 'text', token: DEFAULT_TOKENS, caseSensitive: false, chn: false, doc_value: true, alias: '' },
      links: { type: 'text', token: DEFAULT_TOKENS, caseSensitive: false, chn: false, doc_value: true, alias: '' },
    },
    log_reduce: false,
    max_text_len: 16384,
  };
}
