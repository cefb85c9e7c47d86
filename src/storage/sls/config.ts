/**
 * `sls://PROJECT/INSTANCE?endpoint=ENDPOINT[&…]` → SLS store settings, and credentials from the
 * environment or a credentials file — never from the URI or flags, never echoed in messages.
 *
 * URI parameters: endpoint (required; host[:port], http:// or https:// prefix, https by default),
 * compress (deflate | lz4 | none, default deflate: native zlib on the thread pool, smaller and
 * cheaper here than the JavaScript lz4 block compressor, which runs on the event loop), lookbackHours (read window when a query has no
 * time bounds, default 720), timeoutMs (per request, default 30000), bufferMB (spans accepted but
 * not yet acknowledged by SLS, default 64; writers wait beyond it), credentialsFile (path).
 *
 * Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET /
 * ALIBABA_CLOUD_SECURITY_TOKEN, else aliyun-log-jaeger's ACCESS_KEY_ID / ACCESS_KEY_SECRET, else the
 * file named by `credentialsFile` or ALIBABA_CLOUD_CREDENTIALS_FILE: INI (`access_key_id = …`,
 * Alibaba Cloud's credentials file) or YAML-style (`ACCESS_KEY_ID: …`, aliyun-log-jaeger's config).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../model/index.js';
import type { CompressType, SlsCredentials } from './sls-client.js';
import { splitEndpoint } from './sls-client.js';

export interface SlsStoreConfig {
  project: string;
  instance: string;
  endpoint: string;
  compress: CompressType;
  lookbackHours: number;
  timeoutMs: number;
  bufferBytes: number;
  credentials: SlsCredentials;
}

export const CREDENTIAL_ENV_HINT =
  'set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (optionally ALIBABA_CLOUD_SECURITY_TOKEN), or ACCESS_KEY_ID and ACCESS_KEY_SECRET, or ALIBABA_CLOUD_CREDENTIALS_FILE';

const PROJECT = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const INSTANCE = /^[a-z0-9][a-z0-9_-]{0,50}$/;
const SECRET_PARAMS = /^(access[_-]?key|accesskey|secret|token|ak|sk|security)/i;
const KNOWN_PARAMS = new Set(['endpoint', 'compress', 'lookbackHours', 'timeoutMs', 'bufferMB', 'credentialsFile']);

export function parseSlsUri(uri: string, env: NodeJS.ProcessEnv = process.env): SlsStoreConfig {
  const m = /^sls:\/\/([^/?#]*)\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(uri.trim());
  if (!m) throw new ConfigError('invalid SLS store URI: expected sls://PROJECT/INSTANCE?endpoint=ENDPOINT');
  const [, project, instance, queryText] = m;
  const params = new URLSearchParams(queryText ?? '');
  for (const key of params.keys()) {
    if (SECRET_PARAMS.test(key)) {
      throw new ConfigError(`SLS credentials are not accepted in the store URI (parameter "${key}"); ${CREDENTIAL_ENV_HINT}`);
    }
    if (!KNOWN_PARAMS.has(key)) throw new ConfigError(`unknown SLS store URI parameter "${key}": expected one of ${[...KNOWN_PARAMS].join(', ')}`);
  }
  if (!PROJECT.test(project)) throw new ConfigError(`invalid SLS project "${project}": 3–63 lower-case letters, digits and hyphens`);
  if (!INSTANCE.test(instance)) throw new ConfigError(`invalid SLS trace instance "${instance}": lower-case letters, digits, "-" and "_"`);
  const endpoint = params.get('endpoint') ?? env.SLS_ENDPOINT ?? env.ENDPOINT;
  if (!endpoint) throw new ConfigError('SLS store URI needs ?endpoint=HOST (e.g. cn-hangzhou.log.aliyuncs.com)');
  try {
    splitEndpoint(endpoint);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const compress = (params.get('compress') ?? 'deflate') as CompressType;
  if (!['lz4', 'deflate', 'none'].includes(compress)) throw new ConfigError(`invalid compress "${compress}": expected lz4, deflate or none`);
  const lookbackHours = positiveNumber(params.get('lookbackHours') ?? '720', 'lookbackHours');
  const timeoutMs = positiveNumber(params.get('timeoutMs') ?? '30000', 'timeoutMs');
  const bufferBytes = Math.round(positiveNumber(params.get('bufferMB') ?? '64', 'bufferMB') * 1024 * 1024);
  const credentials = loadCredentials(env, params.get('credentialsFile') ?? undefined);
  return { project, instance, endpoint, compress, lookbackHours, timeoutMs, bufferBytes, credentials };
}

function positiveNumber(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new ConfigError(`invalid ${name} "${text}": expected a positive number`);
  return v;
}

export function loadCredentials(env: NodeJS.ProcessEnv, file?: string): SlsCredentials {
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || env.ACCESS_KEY_SECRET;
  if (id && secret) return { accessKeyId: id, accessKeySecret: secret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || env.SECURITY_TOKEN || undefined };
  const path = file ?? env.ALIBABA_CLOUD_CREDENTIALS_FILE;
  if (path) return readCredentialsFile(path);
  throw new ConfigError(`SLS credentials missing: ${CREDENTIAL_ENV_HINT}`);
}

/** Reads `key = value` / `key: value` lines; section headers and comments are skipped (first profile wins). */
export function readCredentialsFile(path: string): SlsCredentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read SLS credentials file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const values = new Map<string, string>();
  let sections = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (/^\[.*\]$/.test(line)) {
      if (++sections > 1 && values.size > 0) break;
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1].toLowerCase().replace(/[-.]/g, '_');
    const value = kv[2].trim().replace(/^(['"])(.*)\1$/, '$2');
    if (!values.has(key)) values.set(key, value);
  }
  const pick = (...keys: string[]) => keys.map((k) => values.get(k)).find((v) => v);
  const accessKeyId = pick('access_key_id', 'accesskeyid', 'alibaba_cloud_access_key_id');
  const accessKeySecret = pick('access_key_secret', 'accesskeysecret', 'alibaba_cloud_access_key_secret');
  if (!accessKeyId || !accessKeySecret) {
    throw new ConfigError(`SLS credentials file ${path} has no access_key_id / access_key_secret (ACCESS_KEY_ID / ACCESS_KEY_SECRET)`);
  }
  return { accessKeyId, accessKeySecret, securityToken: pick('security_token', 'sts_token', 'alibaba_cloud_security_token') };
}
