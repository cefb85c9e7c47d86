/**
 * SLS request signature v1 (sls.md §6), written independently of the SDK so the emulator can check it:
 * VERB\nCONTENT-MD5\nCONTENT-TYPE\nDATE\n + sorted `x-log-*`/`x-acs-*` headers as `name:value\n`
 * + path [+ `?` + sorted `k=v` pairs with raw (decoded) values]; HMAC-SHA1 with the secret, base64.
 */
import { createHmac } from 'node:crypto';

export interface SignatureInput {
  verb: string;
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
}

export function stringToSign(input: SignatureInput): string {
  const h = input.headers;
  const date = h['x-log-date'] ?? h['date'] ?? '';
  const canonicalHeaders = Object.keys(h)
    .filter((k) => k.startsWith('x-log-') || k.startsWith('x-acs-'))
    .sort()
    .map((k) => `${k}:${String(h[k]).trim()}\n`)
    .join('');
  const pairs = Object.entries(input.query)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  const resource = pairs.length ? `${input.path}?${pairs.join('&')}` : input.path;
  return `${input.verb}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${date}\n${canonicalHeaders}${resource}`;
}

export function signature(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}
