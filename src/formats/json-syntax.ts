/**
 * Locates the first JSON syntax error in a text, for error messages only: JSON.parse on Node 20
 * does not always say where it failed. Grammar: RFC 8259 (one value, surrounded by whitespace).
 * Iterative, so deeply nested input cannot overflow the stack.
 */

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

type State = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The first syntax error in `text`, or undefined when it is exactly one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  const stack: string[] = [];
  let state: State = 'value';
  let i = 0;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= n) {
      if (stack.length === 0 && state === 'after') return undefined;
      return { offset: n, reason: n === 0 || (stack.length === 0 && state === 'value') ? 'no JSON value' : 'unexpected end of input (truncated JSON)' };
    }
    const c = text[i];
    switch (state) {
      case 'value':
      case 'value-or-close': {
        if (state === 'value-or-close' && c === ']') {
          stack.pop();
          i++;
          state = 'after';
        } else if (c === '{') {
          stack.push('{');
          i++;
          state = 'key-or-close';
        } else if (c === '[') {
          stack.push('[');
          i++;
          state = 'value-or-close';
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
          state = 'after';
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(text);
          if (!m) return { offset: i, reason: 'invalid number' };
          i += m[0].length;
          state = 'after';
        } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
          i += 4;
          state = 'after';
        } else if (text.startsWith('false', i)) {
          i += 5;
          state = 'after';
        } else {
          return { offset: i, reason: `unexpected ${describe(text, i)} where a value was expected` };
        }
        break;
      }
      case 'key':
      case 'key-or-close': {
        if (state === 'key-or-close' && c === '}') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (c !== '"') return { offset: i, reason: `unexpected ${describe(text, i)} where a property name in double quotes was expected` };
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        state = 'colon';
        break;
      }
      case 'colon':
        if (c !== ':') return { offset: i, reason: `unexpected ${describe(text, i)} where ':' was expected after a property name` };
        i++;
        state = 'value';
        break;
      case 'after': {
        const top = stack[stack.length - 1];
        if (top === undefined) return { offset: i, reason: `unexpected ${describe(text, i)} after the end of the JSON value` };
        const close = top === '{' ? '}' : ']';
        if (c === ',') {
          i++;
          state = top === '{' ? 'key' : 'value';
        } else if (c === close) {
          stack.pop();
          i++;
        } else {
          return { offset: i, reason: `unexpected ${describe(text, i)} where ',' or '${close}' was expected` };
        }
        break;
      }
    }
  }
}

/** Index just past the closing quote of the string starting at `start`, or the error. */
function scanString(text: string, start: number): number | JsonSyntaxError {
  const n = text.length;
  let i = start + 1;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return { offset: i, reason: 'invalid \\u escape in string' };
        i += 6;
      } else if (e !== undefined && ESCAPES.has(e)) {
        i += 2;
      } else {
        return { offset: i, reason: 'invalid escape in string' };
      }
    } else if (code < 0x20) {
      return { offset: i, reason: 'unescaped control character (e.g. a raw newline) in string' };
    } else {
      i++;
    }
  }
  return { offset: start, reason: 'unterminated string' };
}

function describe(text: string, i: number): string {
  const c = text[i];
  if (/[A-Za-z]/.test(c)) return `token "${/^[A-Za-z0-9_]{1,20}/.exec(text.slice(i))?.[0]}"`;
  return `character ${JSON.stringify(c)}`;
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
