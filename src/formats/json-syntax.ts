/**
 * Locates the first JSON syntax error in a text, for error messages only: JSON.parse on Node 20
 * does not always say where it failed. Grammar: RFC 8259 (one value, surrounded by whitespace),
 * checked by the one tokenizer (json-tokenizer.ts), so the reasons are those of streamed reads.
 */
import { JsonTokenizer } from './json-tokenizer.js';

export interface JsonSyntaxError {
  /** UTF-16 code unit index into the text where the error was found. */
  offset: number;
  reason: string;
}

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** 0-based byte offset of the position in the UTF-8 encoding of the text. */
  byte: number;
}

/** The first syntax error in `text`, or undefined when it is exactly one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const tokens = new JsonTokenizer();
  tokens.feed(bytes);
  tokens.finish();
  for (;;) {
    const step = tokens.next();
    if (step === 'value' || step === 'key') tokens.check();
    else if (step === 'end') return undefined;
    else if (step === 'error') {
      const { at, reason } = tokens.error!;
      return { offset: bytes.toString('utf8', 0, at.byte).length, reason };
    }
  }
}

/** Line, column and UTF-8 byte offset of a code unit index. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, byte: Buffer.byteLength(text.slice(0, offset), 'utf8') };
}
