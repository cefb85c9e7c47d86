/**
 * Streams a JSON document without holding it whole (several root objects/arrays in a row are read
 * one after the other, each announced by an 'open' event): the elements of a root array, and of the
 * root object's `data` / `resourceSpans` arrays, come out one at a time as text (each bounded by
 * `maxValueBytes`); other root members come out whole. Everything between those values (brackets,
 * commas, keys) is checked here; the values themselves are checked by whoever parses them.
 *
 * Positions are 1-based lines and columns (columns in bytes) and 0-based byte offsets in the input.
 */

export interface StreamPosition {
  line: number;
  column: number;
  byte: number;
}

export type DocumentEvent =
  /** A root array or object opens at `start`. */
  | { kind: 'open'; container: 'array' | 'object'; start: StreamPosition }
  /** Root member `member` is an array whose elements follow as 'element' events (maybe none). */
  | { kind: 'stream'; member: string }
  /** An element of the root array (`member` undefined) or of root member `member`'s array. */
  | { kind: 'element'; member?: string; index: number; text: string; start: StreamPosition }
  /** A root object member other than a streamed array. */
  | { kind: 'member'; key: string; text: string; start: StreamPosition }
  /** The root is not an array or object: its whole text. */
  | { kind: 'scalar'; text: string; start: StreamPosition }
  /** A structural error; nothing follows it. */
  | { kind: 'error'; at: StreamPosition; reason: string };

/** Root object members whose array elements are streamed one by one. */
const STREAMED_MEMBERS = new Set(['data', 'resourceSpans']);

const enum B {
  LF = 0x0a,
  CR = 0x0d,
  TAB = 0x09,
  SPACE = 0x20,
  QUOTE = 0x22,
  COMMA = 0x2c,
  COLON = 0x3a,
  LBRACKET = 0x5b,
  BACKSLASH = 0x5c,
  RBRACKET = 0x5d,
  LBRACE = 0x7b,
  RBRACE = 0x7d,
}

type State =
  | 'root'
  | 'array-first'
  | 'array-after'
  | 'array-next'
  | 'object-first'
  | 'object-key'
  | 'object-colon'
  | 'object-value'
  | 'object-after'
  | 'end';

const isSpace = (b: number) => b === B.SPACE || b === B.LF || b === B.CR || b === B.TAB;

export class ValueTooLargeError extends Error {}

/** Scans `chunks`; throws ValueTooLargeError (with the value's start) when one value exceeds the limit. */
export async function* streamJsonDocument(chunks: AsyncIterable<Uint8Array>, maxValueBytes: number): AsyncGenerator<DocumentEvent> {
  let state: State = 'root';
  /** The member whose array is being streamed, when inside one. */
  let arrayMember: string | undefined;
  let index = 0;
  let key = '';

  // Position of the byte being looked at.
  let offset = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): StreamPosition => ({ line, column: offset - lineStart + 1, byte: offset });

  // The value being captured, possibly across chunks.
  let capturing = false;
  let pieces: Uint8Array[] = [];
  let captured = 0;
  let start: StreamPosition = here();
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  /** What the captured value is for: 'value' (array element / member / root) or 'key'. */
  let purpose = 'value' as 'value' | 'key';

  const describe = (b: number) => `character ${JSON.stringify(String.fromCharCode(b))}`;

  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    let pieceStart = 0;
    const n = buf.length;
    while (i < n) {
      const b = buf[i];
      if (capturing) {
        // Scan to the end of the value, keeping line count.
        let done = false;
        while (i < n) {
          if (inString) {
            // Jump to the next quote; it closes the string unless an odd run of backslashes precedes it.
            // (Valid JSON strings hold no raw line feeds, so none are skipped uncounted.)
            const q = buf.indexOf(B.QUOTE, i);
            const stop = q === -1 ? n : q;
            let k = stop - 1;
            while (k >= i && buf[k] === B.BACKSLASH) k--;
            let run = stop - 1 - k;
            if (k < i && escaped) run++;
            offset += stop - i;
            i = stop;
            if (q === -1) {
              escaped = run % 2 === 1;
              break;
            }
            escaped = false;
            i++;
            offset++;
            if (run % 2 === 1) continue;
            inString = false;
            if (depth === 0) {
              done = true;
              break;
            }
            continue;
          }
          const c = buf[i];
          if (c === B.LF) {
            line++;
            lineStart = offset + 1;
          }
          if (scalar) {
            if (c === B.COMMA || c === B.RBRACE || c === B.RBRACKET || isSpace(c)) {
              if (c === B.LF) line--; // counted again by the structural scan
              done = true;
              break;
            }
          } else if (c === B.QUOTE) inString = true;
          else if (c === B.LBRACE || c === B.LBRACKET) depth++;
          else if (c === B.RBRACE || c === B.RBRACKET) {
            depth--;
            if (depth === 0) {
              i++;
              offset++;
              done = true;
              break;
            }
          }
          i++;
          offset++;
        }
        const piece = buf.subarray(pieceStart, i);
        captured += piece.length;
        if (captured > maxValueBytes) throw new ValueTooLargeError(`${start.line}:${start.column} (byte ${start.byte})`);
        pieces.push(piece);
        if (!done) break;
        capturing = false;
        const text = Buffer.concat(pieces).toString('utf8');
        pieces = [];
        if (purpose === 'key') {
          try {
            key = JSON.parse(text) as string;
          } catch {
            yield { kind: 'error', at: start, reason: 'invalid property name' };
            return;
          }
          state = 'object-colon';
        } else if (state === 'root') {
          yield { kind: 'scalar', text, start };
          state = 'end';
        } else if (state === 'object-value') {
          yield { kind: 'member', key, text, start };
          state = 'object-after';
        } else {
          yield { kind: 'element', member: arrayMember, index: index++, text, start };
          state = 'array-after';
        }
        continue;
      }
      if (isSpace(b)) {
        if (b === B.LF) {
          line++;
          lineStart = offset + 1;
        }
        i++;
        offset++;
        continue;
      }
      const beginCapture = (as: 'value' | 'key') => {
        capturing = true;
        purpose = as;
        pieceStart = i;
        captured = 0;
        start = here();
        depth = 0;
        inString = false;
        escaped = false;
        // Strings and containers are scanned from their first byte; anything else is a scalar.
        scalar = b !== B.QUOTE && b !== B.LBRACE && b !== B.LBRACKET;
      };
      switch (state) {
        case 'root':
          if (b === B.LBRACKET) {
            yield { kind: 'open', container: 'array', start: here() };
            state = 'array-first';
            index = 0;
            i++;
            offset++;
          } else if (b === B.LBRACE) {
            yield { kind: 'open', container: 'object', start: here() };
            state = 'object-first';
            i++;
            offset++;
          } else beginCapture('value');
          break;
        case 'array-first':
        case 'array-next':
          if (b === B.RBRACKET && state === 'array-first') {
            i++;
            offset++;
            state = arrayMember === undefined ? 'end' : 'object-after';
            arrayMember = undefined;
          } else if (b === B.RBRACKET || b === B.COMMA || b === B.COLON || b === B.RBRACE) {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where a value was expected` };
            return;
          } else beginCapture('value');
          break;
        case 'array-after':
          if (b === B.COMMA) state = 'array-next';
          else if (b === B.RBRACKET) {
            state = arrayMember === undefined ? 'end' : 'object-after';
            arrayMember = undefined;
          } else {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where ',' or ']' was expected` };
            return;
          }
          i++;
          offset++;
          break;
        case 'object-first':
        case 'object-key':
          if (b === B.RBRACE && state === 'object-first') {
            state = 'end';
            i++;
            offset++;
          } else if (b === B.QUOTE) beginCapture('key');
          else {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where a property name in double quotes was expected` };
            return;
          }
          break;
        case 'object-colon':
          if (b !== B.COLON) {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where ':' was expected after a property name` };
            return;
          }
          state = 'object-value';
          i++;
          offset++;
          break;
        case 'object-value':
          if (b === B.LBRACKET && STREAMED_MEMBERS.has(key)) {
            yield { kind: 'stream', member: key };
            arrayMember = key;
            index = 0;
            state = 'array-first';
            i++;
            offset++;
          } else if (b === B.RBRACE || b === B.RBRACKET || b === B.COMMA || b === B.COLON) {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where a value was expected` };
            return;
          } else beginCapture('value');
          break;
        case 'object-after':
          if (b === B.COMMA) state = 'object-key';
          else if (b === B.RBRACE) state = 'end';
          else {
            yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} where ',' or '}' was expected` };
            return;
          }
          i++;
          offset++;
          break;
        case 'end':
          // Another root value (NDJSON or concatenated JSON read as a stream).
          if (b === B.LBRACKET || b === B.LBRACE) {
            state = 'root';
            break;
          }
          yield { kind: 'error', at: here(), reason: `unexpected ${describe(b)} after the end of the JSON value` };
          return;
      }
    }
  }
  if (capturing && scalar && purpose === 'value') {
    // A scalar ends at end of input.
    const text = Buffer.concat(pieces).toString('utf8');
    if (state === 'root') {
      yield { kind: 'scalar', text, start };
      return;
    }
  }
  if (state !== 'end') {
    yield { kind: 'error', at: here(), reason: offset === 0 ? 'no JSON value' : 'unexpected end of input (truncated JSON)' };
  }
}
