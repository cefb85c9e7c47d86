/**
 * SLS row columns read as JSON without losing what JSON.parse loses: numbers keep their source
 * text (event times in ns and int64 attributes beyond 2^53 are exact), objects keep their members
 * in order, duplicate keys and `__proto__` included. The syntax is the one JSON tokenizer's
 * (formats/json-tokenizer.ts); this file only builds the values. Pure.
 */
import { JsonTokenizer } from '../../formats/json-tokenizer.js';

export type ExactJson = string | boolean | null | JsonNumber | ExactJson[] | JsonObject;

/** A JSON number as written. */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True for an integer literal (no fraction, no exponent). */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.text);
  }

  get value(): number {
    return Number(this.text);
  }
}

/** A JSON object's members in written order. */
export class JsonObject {
  constructor(readonly entries: [string, ExactJson][]) {}

  get(key: string): ExactJson | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
}

const QUOTE = 0x22;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;

/** An open container while parsing: an array's items, or an object's members and its pending key. */
type Open = { items: ExactJson[] } | { entries: [string, ExactJson][]; key: string };

/** Parses one JSON text; throws SyntaxError (the tokenizer's reason, line and column) on malformed text. */
export function parseExactJson(text: string): ExactJson {
  const bytes = Buffer.from(text);
  const tokens = new JsonTokenizer();
  tokens.feed(bytes);
  tokens.finish();
  const open: Open[] = [];
  let root: ExactJson = null;
  const place = (value: ExactJson): void => {
    const top = open[open.length - 1];
    if (top === undefined) root = value;
    else if ('items' in top) top.items.push(value);
    else top.entries.push([top.key, value]);
  };
  /** Checks the token at a 'value' or 'key' step and returns its text, or undefined on a syntax error. */
  const token = (): string | undefined => {
    const start = tokens.position().byte;
    tokens.check();
    return tokens.error ? undefined : bytes.toString('utf8', start, tokens.position().byte);
  };
  for (;;) {
    const step = tokens.next();
    if (step === 'value') {
      const first = tokens.peek();
      if (first === LBRACE || first === LBRACKET) {
        tokens.enter();
        open.push(first === LBRACE ? { entries: [], key: '' } : { items: [] });
        continue;
      }
      const t = token();
      if (t !== undefined) place(first === QUOTE ? stringOf(t) : t === 'true' ? true : t === 'false' ? false : t === 'null' ? null : new JsonNumber(t));
    } else if (step === 'key') {
      const t = token();
      if (t !== undefined) (open[open.length - 1] as { key: string }).key = stringOf(t);
    } else if (step === 'close') {
      const closed = open.pop()!;
      place('items' in closed ? closed.items : new JsonObject(closed.entries));
    } else if (step === 'end') return root;
    else {
      const fault = tokens.error;
      throw new SyntaxError(fault ? `${fault.reason} at ${fault.at.line}:${fault.at.column}` : 'unexpected end of input');
    }
  }
}

/** A checked JSON string token's value: its inside as is, unless it has escapes. */
function stringOf(token: string): string {
  return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}
