/**
 * Files that are not trace data at all, refused early and in one line (#15 item 7): a zero-filled
 * file, a value nested a million levels deep, and a single JSON document on one line (a document,
 * not "NDJSON").
 */
import { describe, expect, it } from 'vitest';
import type { TraceFileLayout } from '../../../src/formats/detect.js';
import { readTraceFile } from '../../../src/formats/trace-file-reader.js';
import type { TraceFileEntry } from '../../../src/formats/trace-file-reader.js';

async function entries(bytes: AsyncIterable<Uint8Array | string>, onLayout?: (l: TraceFileLayout) => void): Promise<TraceFileEntry[]> {
  const out: TraceFileEntry[] = [];
  for await (const e of readTraceFile('f.json', bytes, { onLayout })) out.push(e);
  return out;
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

const TRACE = (id: string, tagValue: string) =>
  `{"traceID":"${id}","spans":[{"traceID":"${id}","spanID":"2","operationName":"o","startTime":1700000000000000,"duration":1,"processID":"p1","tags":[{"key":"k","type":"string","value":${tagValue}}]}],"processes":{"p1":{"serviceName":"a","tags":[]}}}`;

describe('hostile trace files', () => {
  it('refuses a zero-filled file at its first read, however long it is', async () => {
    let reads = 0;
    // An endless zero-filled file: only refusing at the first NUL ends the read.
    async function* zeros(): AsyncGenerator<Uint8Array> {
      for (;;) {
        reads++;
        yield new Uint8Array(1 << 20);
      }
    }
    const [e, ...rest] = await entries(zeros());
    expect(rest).toEqual([]);
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.error.message).toBe('f.json (byte 0): a NUL byte: not JSON text (a binary or zero-filled file?)');
    expect(reads).toBe(1);
  });

  it('names the byte of a NUL after valid lines', async () => {
    const text = `${TRACE('1', '"x"')}\n{"a":\u0000}\n`;
    const out = await entries(once(text));
    const bad = out.find((e) => !e.ok);
    expect(bad && !bad.ok && bad.error.message).toBe(`f.json (byte ${text.indexOf('\u0000')}): a NUL byte: not JSON text (a binary or zero-filled file?)`);
  });

  it('reports a value nested 10^6 deep in one line, not a stack overflow', async () => {
    const depth = 1_000_000;
    const out = await entries(once(`{"data":[${TRACE('1', '['.repeat(depth) + ']'.repeat(depth))}]}\n`));
    expect(out).toHaveLength(1);
    const e = out[0];
    expect(e.ok).toBe(false);
    if (!e.ok) {
      expect(e.error.message).toMatch(/^f\.json:1: data\[0\]: a value nested too deeply to decode/);
      expect(e.error.message).not.toMatch(/call stack|\n/);
    }
  });

  it('calls a single JSON document on one line a document, and two lines NDJSON', async () => {
    const layouts: TraceFileLayout[] = [];
    const doc = await entries(once(`{"data":[${TRACE('1', '"x"')},${TRACE('2', '"y"')}]}\n`), (l) => layouts.push(l));
    expect(doc.map((e) => e.ok)).toEqual([true, true]);
    expect(layouts).toEqual(['document']);
    layouts.length = 0;
    const nd = await entries(once(`${TRACE('1', '"x"')}\n\n${TRACE('2', '"y"')}\n`), (l) => layouts.push(l));
    expect(nd.map((e) => e.ok)).toEqual([true, true]);
    expect(layouts).toEqual(['ndjson']);
  });
});
