import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamJsonDocument } from '../../../src/formats/json-document-stream.js';
import type { DocumentEvent } from '../../../src/formats/json-document-stream.js';
import { findJsonSyntaxError, positionOf } from '../../../src/formats/json-syntax.js';

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function events(text: string, size: number, max = 1 << 20): Promise<DocumentEvent[]> {
  const out: DocumentEvent[] = [];
  for await (const e of streamJsonDocument(chunked(text, size), max)) out.push(e);
  return out;
}

/** The root values rebuilt from the events, or 'error' when the stream or a value is invalid. */
function rebuild(evs: DocumentEvent[]): unknown[] | 'error' {
  const roots: unknown[] = [];
  let current: Record<string, unknown> | unknown[] | undefined;
  try {
    for (const e of evs) {
      switch (e.kind) {
        case 'open':
          current = e.container === 'array' ? [] : {};
          roots.push(current);
          break;
        case 'scalar':
          roots.push(JSON.parse(e.text));
          break;
        case 'member':
          Object.defineProperty(current, e.key, { value: JSON.parse(e.text), writable: true, enumerable: true, configurable: true });
          break;
        case 'stream':
          (current as Record<string, unknown>)[e.member] = [];
          break;
        case 'element':
          if (e.member === undefined) (current as unknown[]).push(JSON.parse(e.text));
          else ((current as Record<string, unknown>)[e.member] as unknown[]).push(JSON.parse(e.text));
          break;
        case 'error':
          return 'error';
      }
    }
  } catch {
    return 'error';
  }
  return roots;
}

/** Documents shaped like trace files, and arbitrary JSON. */
const documents = fc.oneof(
  fc.array(fc.jsonValue()),
  fc.record({ data: fc.array(fc.jsonValue()), total: fc.integer(), errors: fc.constant(null) }),
  fc.record({ resourceSpans: fc.array(fc.jsonValue()) }),
  fc.record({ data: fc.jsonValue() }),
  fc.jsonValue(),
);

describe('streamJsonDocument', () => {
  it('yields exactly the document, whatever the chunk size and formatting', async () => {
    await fc.assert(
      fc.asyncProperty(documents, fc.boolean(), fc.integer({ min: 1, max: 40 }), async (doc, pretty, size) => {
        const text = JSON.stringify(doc, null, pretty ? 2 : undefined);
        expect(rebuild(await events(text, size))).toEqual([JSON.parse(text)]);
      }),
      // A "__proto__" key is an own member, as JSON.parse makes it (found by this property).
      { numRuns: 400, examples: [[JSON.parse('{"__proto__":0}'), false, 1]] },
    );
  });

  it('reports an error exactly when JSON.parse rejects the text (one character deleted, replaced or inserted)', async () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'a', '1', '-', ' ', '\n', 'n');
    await fc.assert(
      fc.asyncProperty(documents, fc.nat(), alphabet, fc.constantFrom('delete', 'replace', 'insert'), fc.integer({ min: 1, max: 16 }), async (doc, at, ch, op, size) => {
        const base = JSON.stringify(doc, null, 1) ?? 'null';
        const i = at % (base.length + 1);
        const text =
          op === 'delete' ? base.slice(0, i) + base.slice(i + 1) : op === 'replace' ? base.slice(0, i) + ch + base.slice(i + 1) : base.slice(0, i) + ch + base.slice(i);
        if (text.trim() === '') return;
        const rebuilt = rebuild(await events(text, size));
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          // A stream of several complete roots is valid for the streamer, not for JSON.parse.
          if (rebuilt !== 'error') expect(rebuilt.length).toBeGreaterThan(1);
          return;
        }
        expect(rebuilt).toEqual([parsed]);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads several roots in a row (NDJSON as a stream) and positions each', async () => {
    const evs = await events('{"a": [1]}\n[2, 3]\n', 3);
    expect(rebuild(evs)).toEqual([{ a: [1] }, [2, 3]]);
    expect((await events('{}\n"x"', 2)).at(-1)).toMatchObject({ kind: 'error', reason: 'unexpected character "\\"" after the end of the JSON value' });
    expect(evs.filter((e) => e.kind === 'open').map((e) => e.kind === 'open' && e.start.line)).toEqual([1, 2]);
  });

  it('positions elements and errors by line, column and byte', async () => {
    const evs = await events('{"data": [\n  {"a": 1},\n  {"b": 2} x\n]}', 5);
    const elements = evs.filter((e) => e.kind === 'element');
    expect(elements.map((e) => e.kind === 'element' && [e.index, e.start])).toEqual([
      [0, { line: 2, column: 3, byte: 13 }],
      [1, { line: 3, column: 3, byte: 25 }],
    ]);
    expect(evs.at(-1)).toEqual({ kind: 'error', at: { line: 3, column: 12, byte: 34 }, reason: `unexpected token "x" where ',' or ']' was expected` });
  });

  it('refuses one value larger than the limit, naming where it starts', async () => {
    const text = JSON.stringify({ data: [{ small: 1 }, { big: 'x'.repeat(500) }] });
    await expect(events(text, 64, 100)).rejects.toThrow('1:22 (byte 21)');
  });

  it('names a structural error as findJsonSyntaxError does (one tokenizer, one vocabulary)', async () => {
    for (const text of ['{"data": [1] x}', '{"data" 1}', '[1,]', '{"a": 1,}', '[1 2]', '{"data": [1, 2', '{"data": [{"a": 1}]}\n"x"', '[1]\n]', '{"é": 1 €}', '', '  ']) {
      const error = (await events(text, 3)).find((e) => e.kind === 'error');
      const found = findJsonSyntaxError(text)!;
      const { line, byte } = positionOf(text, found.offset);
      // Columns differ past non-ASCII text: bytes in a stream, characters in a text.
      expect(error, text).toMatchObject({ kind: 'error', at: { line, byte }, reason: found.reason });
    }
  });
});
