// Over 400 lines: one grammar and its three ways to take a value (enter, capture, check) share the position and error state; split, each part would re-state them.
/**
 * The one JSON tokenizer (RFC 8259) of the trace file readers: a scan of UTF-8 bytes, fed chunk by
 * chunk, that checks the structure (brackets, commas, colons, what may follow the root) and stops
 * at every value and property name so that its reader decides how to take it:
 * - `enter()` a container (its members then come as further steps),
 * - `capture()` its bytes as text, not checked inside (for JSON.parse; fast, and resumable across
 *   chunks; bounded by `maxValueBytes`), or
 * - `check()` it whole (strings, numbers and literals; needs the token within the current chunk,
 *   as for a text held whole).
 * Every syntax error is found and named here, in one vocabulary of reasons.
 *
 * Positions: lines 1-based (counted at line feeds outside strings), columns 1-based in bytes, byte
 * offsets 0-based from the first byte fed. Iterative: nesting is bounded by memory, not the stack.
 */

export interface JsonPosition {
  line: number;
  column: number;
  byte: number;
}

export interface JsonSyntaxFault {
  at: JsonPosition;
  reason: string;
}

/** What `next()` stopped at. */
export type JsonStep =
  /** A value begins at `position()` (first byte `peek()`): call enter(), capture() or check(). */
  | 'value'
  /** A property name begins (a '"'): call capture() or check(). */
  | 'key'
  /** A container closed; `depth` counts the containers still open. */
  | 'close'
  /** A capture() is complete: `captured` holds its text and where it began. */
  | 'captured'
  /** The chunk is used up: feed() the next one, or finish(). */
  | 'more'
  /** The input ended after a complete document. */
  | 'end'
  /** A syntax error (`fault`); every later step is 'error' again. */
  | 'error';

/** A captured value longer than `maxValueBytes`; the message is where it starts (`LINE:COLUMN (byte N)`). */
export class ValueTooLargeError extends Error {}

const enum B {
  TAB = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  SPACE = 0x20,
  QUOTE = 0x22,
  COMMA = 0x2c,
  MINUS = 0x2d,
  DOT = 0x2e,
  ZERO = 0x30,
  NINE = 0x39,
  COLON = 0x3a,
  LBRACKET = 0x5b,
  BACKSLASH = 0x5c,
  RBRACKET = 0x5d,
  LBRACE = 0x7b,
  RBRACE = 0x7d,
}

type State = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';

const TRUNCATED = 'unexpected end of input (truncated JSON)';
const EMPTY = Buffer.alloc(0);
/** The bytes that may follow a backslash in a string, besides 'u'. */
const ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));

const isDigit = (b: number) => b >= B.ZERO && b <= B.NINE;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isWordByte = (b: number) => isLetter(b) || isDigit(b) || b === 0x5f;

export class JsonTokenizer {
  /** The open containers, innermost last ('{' or '['). */
  private readonly open: number[] = [];
  private state: State = 'value';
  private fault: JsonSyntaxFault | undefined;
  private buf: Buffer = EMPTY;
  /** Next unread index in `buf`. */
  private i = 0;
  /** Byte offset of buf[0] in the input. */
  private base = 0;
  private ended = false;
  private line = 1;
  /** Byte offset of the current line's first byte. */
  private lineStart = 0;

  // The value being captured, possibly across chunks.
  private capturing = false;
  private capturingKey = false;
  private pieces: Buffer[] = [];
  private capturedBytes = 0;
  private captureStart: JsonPosition = { line: 1, column: 1, byte: 0 };
  private nesting = 0;
  private inString = false;
  private escaped = false;
  private scalar = false;
  private capturedText = '';

  constructor(
    private readonly options: {
      /** Accept further root arrays or objects after the first root (NDJSON or concatenated JSON). */
      manyRoots?: boolean;
      /** Largest capture() in bytes. */
      maxValueBytes?: number;
    } = {},
  ) {}

  /** The next chunk of input; the previous one must have been used up ('more'). */
  feed(chunk: Uint8Array): void {
    this.base += this.buf.length;
    this.buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.i = 0;
  }

  /** No more input: the steps now end in 'end' or 'error' instead of 'more'. */
  finish(): void {
    this.ended = true;
  }

  /** Containers open around the current step. */
  get depth(): number {
    return this.open.length;
  }

  /** Whether the innermost open container is an object. */
  get inObject(): boolean {
    return this.open[this.open.length - 1] === B.LBRACE;
  }

  /** The first byte of the value at a 'value' step. */
  peek(): number {
    return this.buf[this.i];
  }

  /** Where the byte at a 'value', 'key' or 'close' step is; at the end, the end of input. */
  position(at = this.i): JsonPosition {
    const byte = this.base + at;
    return { line: this.line, column: byte - this.lineStart + 1, byte };
  }

  /** After 'captured': the text, whether it was a property name, and where it began. */
  get captured(): { text: string; key: boolean; start: JsonPosition } {
    return { text: this.capturedText, key: this.capturingKey, start: this.captureStart };
  }

  /** After 'error': what and where. */
  get error(): JsonSyntaxFault | undefined {
    return this.fault;
  }

  next(): JsonStep {
    if (this.fault) return 'error';
    if (this.capturing) {
      if (this.continueCapture()) return 'captured';
      return this.ended ? this.captureAtEnd() : 'more';
    }
    const buf = this.buf;
    const n = buf.length;
    for (;;) {
      let i = this.i;
      for (; i < n; i++) {
        const b = buf[i];
        if (b === B.LF) {
          this.line++;
          this.lineStart = this.base + i + 1;
        } else if (b !== B.SPACE && b !== B.TAB && b !== B.CR) break;
      }
      this.i = i;
      if (i >= n) return this.ended ? this.atEnd() : 'more';
      const b = buf[i];
      switch (this.state) {
        case 'value-or-close':
        case 'value':
          if (b === B.RBRACKET && this.state === 'value-or-close') return this.close();
          if (b === B.RBRACKET || b === B.RBRACE || b === B.COMMA || b === B.COLON) return this.fail(`unexpected ${this.describe(i)} where a value was expected`);
          return 'value';
        case 'key-or-close':
        case 'key':
          if (b === B.RBRACE && this.state === 'key-or-close') return this.close();
          if (b !== B.QUOTE) return this.fail(`unexpected ${this.describe(i)} where a property name in double quotes was expected`);
          return 'key';
        case 'colon':
          if (b !== B.COLON) return this.fail(`unexpected ${this.describe(i)} where ':' was expected after a property name`);
          this.i++;
          this.state = 'value';
          continue;
        case 'after': {
          const top = this.open[this.open.length - 1];
          if (top === undefined) {
            if (this.options.manyRoots && (b === B.LBRACE || b === B.LBRACKET)) {
              this.state = 'value';
              continue;
            }
            return this.fail(`unexpected ${this.describe(i)} after the end of the JSON value`);
          }
          // '{' + 2 is '}', '[' + 2 is ']'.
          if (b === top + 2) return this.close();
          if (b !== B.COMMA) return this.fail(`unexpected ${this.describe(i)} where ',' or '${String.fromCharCode(top + 2)}' was expected`);
          this.i++;
          this.state = top === B.LBRACE ? 'key' : 'value';
          continue;
        }
      }
    }
  }

  /** At a 'value' step whose byte is '{' or '[': open it. */
  enter(): void {
    const b = this.buf[this.i++];
    this.open.push(b);
    this.state = b === B.LBRACE ? 'key-or-close' : 'value-or-close';
  }

  /** At a 'value' or 'key' step: take the value's bytes as text; a later step is 'captured'. */
  capture(): void {
    const b = this.buf[this.i];
    this.capturing = true;
    this.capturingKey = this.state === 'key' || this.state === 'key-or-close';
    this.pieces = [];
    this.capturedBytes = 0;
    this.captureStart = this.position();
    this.nesting = 0;
    this.inString = false;
    this.escaped = false;
    // Strings and containers are scanned from their first byte; anything else is a scalar.
    this.scalar = b !== B.QUOTE && b !== B.LBRACE && b !== B.LBRACKET;
  }

  /** At a 'value' or 'key' step: check the token whole (a container is entered). */
  check(): void {
    const buf = this.buf;
    const i = this.i;
    const b = buf[i];
    if (b === B.LBRACE || b === B.LBRACKET) return this.enter();
    let end: number;
    if (b === B.QUOTE) end = this.stringEnd(i);
    else if (b === B.MINUS || isDigit(b)) end = this.numberEnd(i);
    else if (this.startsWith(i, 'true') || this.startsWith(i, 'null')) end = i + 4;
    else if (this.startsWith(i, 'false')) end = i + 5;
    else end = this.failAt(`unexpected ${this.describe(i)} where a value was expected`, i);
    if (end < 0) return;
    this.i = end;
    this.state = this.state === 'key' || this.state === 'key-or-close' ? 'colon' : 'after';
  }

  private close(): JsonStep {
    this.i++;
    this.open.pop();
    this.state = 'after';
    return 'close';
  }

  private atEnd(): JsonStep {
    if (this.open.length === 0 && this.state === 'after') return 'end';
    return this.fail(this.open.length === 0 && this.state === 'value' ? 'no JSON value' : TRUNCATED);
  }

  private fail(reason: string, at = this.i): 'error' {
    this.fault = { at: this.position(at), reason };
    return 'error';
  }

  private failAt(reason: string, at: number): -1 {
    this.fail(reason, at);
    return -1;
  }

  /** Scans the captured value on to its end or the chunk's; true when it ended. */
  private continueCapture(): boolean {
    const buf = this.buf;
    const n = buf.length;
    const start = this.i;
    let i = start;
    let inString = this.inString;
    let escaped = this.escaped;
    let nesting = this.nesting;
    const scalar = this.scalar;
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
        i = stop;
        if (q === -1) {
          escaped = run % 2 === 1;
          break;
        }
        escaped = false;
        i++;
        if (run % 2 === 1) continue;
        inString = false;
        if (nesting === 0) {
          done = true;
          break;
        }
        continue;
      }
      const c = buf[i];
      if (scalar) {
        // A scalar ends before a delimiter (counted by the structural scan).
        if (c === B.COMMA || c === B.RBRACE || c === B.RBRACKET || c === B.SPACE || c === B.LF || c === B.CR || c === B.TAB) {
          done = true;
          break;
        }
      } else if (c === B.LF) {
        this.line++;
        this.lineStart = this.base + i + 1;
      } else if (c === B.QUOTE) inString = true;
      else if (c === B.LBRACE || c === B.LBRACKET) nesting++;
      else if (c === B.RBRACE || c === B.RBRACKET) {
        nesting--;
        if (nesting === 0) {
          i++;
          done = true;
          break;
        }
      }
      i++;
    }
    this.i = i;
    this.inString = inString;
    this.escaped = escaped;
    this.nesting = nesting;
    const piece = buf.subarray(start, i);
    this.capturedBytes += piece.length;
    if (this.capturedBytes > (this.options.maxValueBytes ?? Infinity)) {
      const s = this.captureStart;
      throw new ValueTooLargeError(`${s.line}:${s.column} (byte ${s.byte})`);
    }
    this.pieces.push(piece);
    if (done) this.endCapture();
    return done;
  }

  /** The input ended inside a capture: only a root scalar ends there. */
  private captureAtEnd(): JsonStep {
    if (!this.scalar || this.capturingKey || this.open.length > 0) return this.fail(TRUNCATED);
    this.endCapture();
    return 'captured';
  }

  private endCapture(): void {
    this.capturing = false;
    this.capturedText = (this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces)).toString('utf8');
    this.pieces = [];
    this.state = this.capturingKey ? 'colon' : 'after';
  }

  /** Index past the closing quote of the string at `start`, or -1 after fail(). */
  private stringEnd(start: number): number {
    const buf = this.buf;
    const n = buf.length;
    let i = start + 1;
    while (i < n) {
      const b = buf[i];
      if (b === B.QUOTE) return i + 1;
      if (b === B.BACKSLASH) {
        const e = buf[i + 1];
        if (e === 0x75) {
          // \uXXXX
          if (!(i + 5 < n && isHex(buf[i + 2]) && isHex(buf[i + 3]) && isHex(buf[i + 4]) && isHex(buf[i + 5]))) return this.failAt('invalid \\u escape in string', i);
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else return this.failAt('invalid escape in string', i);
      } else if (b < 0x20) return this.failAt('unescaped control character (e.g. a raw newline) in string', i);
      else i++;
    }
    return this.failAt('unterminated string', start);
  }

  /** Index past the longest number at `start` (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -1 after fail(). */
  private numberEnd(start: number): number {
    const buf = this.buf;
    let i = start;
    if (buf[i] === B.MINUS) i++;
    if (buf[i] === B.ZERO) i++;
    else if (isDigit(buf[i])) while (isDigit(buf[i])) i++;
    else return this.failAt('invalid number', start);
    if (buf[i] === B.DOT && isDigit(buf[i + 1])) {
      i += 2;
      while (isDigit(buf[i])) i++;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      let k = i + 1;
      if (buf[k] === 0x2b || buf[k] === B.MINUS) k++;
      if (isDigit(buf[k])) {
        while (isDigit(buf[k])) k++;
        i = k;
      }
    }
    return i;
  }

  private startsWith(i: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.buf[i + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  /** The byte at `i` for a message: a word whole (`token "tru"`), else the character (`character "}"`). */
  private describe(i: number): string {
    const buf = this.buf;
    const b = buf[i];
    if (isLetter(b)) {
      let j = i + 1;
      while (j < buf.length && j - i < 20 && isWordByte(buf[j])) j++;
      return `token "${buf.toString('latin1', i, j)}"`;
    }
    // The whole UTF-8 character (its first UTF-16 unit), not its lead byte.
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return `character ${JSON.stringify(buf.toString('utf8', i, Math.min(buf.length, i + length))[0])}`;
  }
}
