import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExactJson } from '../../../src/storage/sls/exact-json.js';
import { JsonNumber, JsonObject, parseExactJson } from '../../../src/storage/sls/exact-json.js';

/** The plain JS value JSON.parse would give, for comparison. */
function plain(v: ExactJson): unknown {
  if (v instanceof JsonNumber) return v.value;
  if (v instanceof JsonObject) return Object.fromEntries(v.entries.map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 and ns times as written', () => {
    const v = parseExactJson('[{"time":1700000000124000123,"big":-9223372036854775808,"f":1.5e-7}]') as ExactJson[];
    const o = v[0] as JsonObject;
    expect((o.get('time') as JsonNumber).text).toBe('1700000000124000123');
    expect((o.get('big') as JsonNumber).isInteger).toBe(true);
    expect((o.get('f') as JsonNumber).isInteger).toBe(false);
  });

  it('keeps member order, duplicate keys, integer-like keys and __proto__', () => {
    const o = parseExactJson('{"b":1,"2":true,"a":null,"b":"x","__proto__":{}}') as JsonObject;
    expect(o.entries.map(([k]) => k)).toEqual(['b', '2', 'a', 'b', '__proto__']);
    expect(o.entries[3][1]).toBe('x');
  });

  it('reads escapes as JSON.parse does, and rejects malformed text', () => {
    expect(parseExactJson('"a\\u0026b\\"c\\\\"')).toBe('a&b"c\\');
    for (const bad of ['{', '[1,]', '{"a" 1}', '01', 'tru', '"x', '1 2', '{"a":1,}']) expect(() => parseExactJson(bad), bad).toThrow(SyntaxError);
  });

  it('keeps text beyond ASCII as written, and nests deeper than a recursive reader could', () => {
    const o = parseExactJson('{"ключ":"é 😀","n":[1,{"x":"\\u00e9"}]}') as JsonObject;
    expect(o.entries.map(([k]) => k)).toEqual(['ключ', 'n']);
    expect(o.get('ключ')).toBe('é 😀');
    expect(((o.get('n') as ExactJson[])[1] as JsonObject).get('x')).toBe('é');
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    let v = parseExactJson(deep);
    let depth = 0;
    while (Array.isArray(v) && v.length > 0) [v, depth] = [v[0], depth + 1];
    expect(depth).toBe(19_999);
  });

  it('agrees with JSON.parse on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(plain(parseExactJson(text))).toEqual(JSON.parse(text));
        expect(plain(parseExactJson(JSON.stringify(v, null, 2)))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });
});
