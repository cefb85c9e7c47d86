/**
 * Transparent gzip: a byte stream that starts with the gzip magic bytes (1f 8b, RFC 1952 §2.3.1)
 * is decompressed, every other stream passes through unchanged. Detection is by content, never
 * by file name, so `.json.gz`, a gzip file without the suffix and gzip on stdin all read the same.
 * Several gzip members in a row (as `cat a.gz b.gz` makes) decompress to their concatenation.
 */
import { createGunzip } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import { InputFormatError } from '../model/index.js';

const MAGIC_0 = 0x1f;
const MAGIC_1 = 0x8b;

/** True when `head` (the first bytes of a stream) starts with the gzip magic. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === MAGIC_0 && head[1] === MAGIC_1;
}

/**
 * The bytes of `input`, gunzipped when they start with the gzip magic. Strings pass through (text
 * cannot be gzip). Reading the first two bytes decides; a one-byte stream passes through as is.
 * A corrupt or truncated gzip stream throws InputFormatError naming `name`; an error reading
 * `input` itself is rethrown as is.
 */
export async function* maybeGunzip(name: string, input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  const it = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const r = await it.next();
    if (r.done) {
      yield* head;
      return;
    }
    if (typeof r.value === 'string') {
      yield* head;
      yield r.value;
      yield* rest(it);
      return;
    }
    if (r.value.length === 0) continue;
    head.push(r.value);
    headBytes += r.value.length;
  }
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  if (!isGzip(first)) {
    yield first;
    yield* rest(it);
    return;
  }
  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield first;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      yield typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    }
  }
  let sourceError: unknown;
  const source = Readable.from(compressed()).on('error', (err) => (sourceError = err));
  const out = pipeline(source, createGunzip(), () => {});
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if (sourceError !== undefined) throw sourceError;
    throw new InputFormatError(name, `not a readable gzip stream: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function* rest<T>(it: AsyncIterator<T>): AsyncGenerator<T> {
  for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
}
