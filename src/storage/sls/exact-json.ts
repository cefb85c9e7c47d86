/**
 * A JSON reader for SLS row columns that loses nothing JSON.parse loses: numbers keep their source
 * text (event times in ns and int64 attributes beyond 2^53 are exact), objects keep their members
 * in order, duplicate keys and `__proto__` included. Pure; throws SyntaxError on malformed text.
 */

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

export function parseExactJson(text: string): ExactJson {
  // Sticky expressions keep their position (lastIndex): one pair per parse, never shared.
  const numberAt = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const spaceAt = /[ \t\n\r]*/y;
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const skip = (): void => {
    spaceAt.lastIndex = i;
    spaceAt.exec(text);
    i = spaceAt.lastIndex;
  };
  const string = (): string => {
    // The closing quote of a string without escapes is found directly; others go through JSON.parse.
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const value = (depth: number): ExactJson => {
    if (depth > 512) fail('nesting too deep');
    skip();
    const c = text[i];
    if (c === '"') return string();
    if (c === '{') {
      i++;
      const entries: [string, ExactJson][] = [];
      skip();
      if (text[i] === '}') {
        i++;
        return new JsonObject(entries);
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        skip();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        entries.push([key, value(depth + 1)]);
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return new JsonObject(entries);
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: ExactJson[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return items;
        } else fail('expected "," or "]"');
      }
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    numberAt.lastIndex = i;
    const m = numberAt.exec(text);
    if (!m) return fail('unexpected character');
    i = numberAt.lastIndex;
    return new JsonNumber(m[0]);
  };
  const result = value(0);
  skip();
  if (i !== text.length) fail('trailing characters');
  return result;
}
