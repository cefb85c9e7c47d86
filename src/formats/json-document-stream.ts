/**
 * Streams a JSON document without holding it whole (several root objects/arrays in a row are read
 * one after the other, each announced by an 'open' event): the elements of a root array, and of the
 * root object's `data` / `resourceSpans` arrays, come out one at a time as text (each bounded by
 * `maxValueBytes`); other root members come out whole. Everything between those values (brackets,
 * commas, keys) is checked by the tokenizer (json-tokenizer.ts); the values themselves are checked
 * by whoever parses them.
 */
import { JsonTokenizer } from './json-tokenizer.js';
import type { JsonPosition } from './json-tokenizer.js';

export type DocumentEvent =
  /** A root array or object opens at `start`. */
  | { kind: 'open'; container: 'array' | 'object'; start: JsonPosition }
  /** Root member `member` is an array whose elements follow as 'element' events (maybe none). */
  | { kind: 'stream'; member: string }
  /** An element of the root array (`member` undefined) or of root member `member`'s array. */
  | { kind: 'element'; member?: string; index: number; text: string; start: JsonPosition }
  /** A root object member other than a streamed array. */
  | { kind: 'member'; key: string; text: string; start: JsonPosition }
  /** The root is not an array or object: its whole text. */
  | { kind: 'scalar'; text: string; start: JsonPosition }
  /** A structural error; nothing follows it. */
  | { kind: 'error'; at: JsonPosition; reason: string };

/** Root object members whose array elements are streamed one by one. */
const STREAMED_MEMBERS = new Set(['data', 'resourceSpans']);

const LBRACKET = 0x5b;
const LBRACE = 0x7b;

/** Scans `chunks`; throws ValueTooLargeError (with the value's start) when one value exceeds the limit. */
export async function* streamJsonDocument(chunks: AsyncIterable<Uint8Array>, maxValueBytes: number): AsyncGenerator<DocumentEvent> {
  const tokens = new JsonTokenizer({ manyRoots: true, maxValueBytes });
  /** The root member being read, and the one whose array is being streamed. */
  let key = '';
  let streamed: string | undefined;
  let index = 0;

  /** The events of the input fed so far; false once an error ended the document. */
  function* events(): Generator<DocumentEvent, boolean> {
    for (;;) {
      switch (tokens.next()) {
        case 'more':
        case 'end':
          return true;
        case 'error':
          yield { kind: 'error', ...tokens.error! };
          return false;
        case 'close':
          if (tokens.depth === 1) streamed = undefined;
          break;
        case 'key':
          tokens.capture();
          break;
        case 'value': {
          const b = tokens.peek();
          if (tokens.depth === 0 && (b === LBRACKET || b === LBRACE)) {
            yield { kind: 'open', container: b === LBRACKET ? 'array' : 'object', start: tokens.position() };
            index = 0;
            tokens.enter();
          } else if (tokens.depth === 1 && tokens.inObject && b === LBRACKET && STREAMED_MEMBERS.has(key)) {
            yield { kind: 'stream', member: key };
            streamed = key;
            index = 0;
            tokens.enter();
          } else tokens.capture();
          break;
        }
        case 'captured': {
          const { text, key: isKey, start } = tokens.captured;
          if (isKey) {
            try {
              key = JSON.parse(text) as string;
            } catch {
              yield { kind: 'error', at: start, reason: 'invalid property name' };
              return false;
            }
          } else if (tokens.depth === 0) yield { kind: 'scalar', text, start };
          else if (tokens.depth === 1 && tokens.inObject) yield { kind: 'member', key, text, start };
          else yield { kind: 'element', member: streamed, index: index++, text, start };
          break;
        }
      }
    }
  }

  for await (const chunk of chunks) {
    tokens.feed(chunk);
    if (!(yield* events())) return;
  }
  tokens.finish();
  yield* events();
}
