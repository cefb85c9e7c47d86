import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, positionOf } from '../../../src/formats/json-syntax.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('accepts exactly what JSON.parse accepts (random JSON, pretty or compact)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(findJsonSyntaxError(text)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('rejects exactly what JSON.parse rejects (random JSON with one character deleted, replaced or inserted)', () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'a', '1', '-', '.', 'e', ' ', '\n', 't', 'n', '\u0001');
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), alphabet, fc.constantFrom('delete', 'replace', 'insert'), (value, at, ch, op) => {
        const base = JSON.stringify(value, null, 1) ?? 'null';
        const i = at % (base.length + 1);
        const text =
          op === 'delete' ? base.slice(0, i) + base.slice(i + 1) : op === 'replace' ? base.slice(0, i) + ch + base.slice(i + 1) : base.slice(0, i) + ch + base.slice(i);
        const found = findJsonSyntaxError(text);
        expect(found === undefined).toBe(parses(text));
        if (found) expect(found.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('points at the offending character with a reason', () => {
    const text = '{\n  "a": 1\n  "b": 2\n}';
    const found = findJsonSyntaxError(text)!;
    expect(text[found.offset]).toBe('"');
    expect(found.reason).toBe(`unexpected character "\\"" where ',' or '}' was expected`);
    expect(positionOf(text, found.offset)).toEqual({ line: 3, column: 3, byte: 13 });
  });

  it('names truncation, unterminated strings, raw control characters and trailing content', () => {
    expect(findJsonSyntaxError('{"a": [1, 2')?.reason).toBe('unexpected end of input (truncated JSON)');
    expect(findJsonSyntaxError('{"a": "xyz')).toEqual({ offset: 6, reason: 'unterminated string' });
    expect(findJsonSyntaxError('["a\nb"]')?.reason).toMatch(/unescaped control character/);
    expect(findJsonSyntaxError('{} {}')).toEqual({ offset: 3, reason: 'unexpected character "{" after the end of the JSON value' });
    expect(findJsonSyntaxError('{"a": tru}')?.reason).toBe('unexpected token "tru" where a value was expected');
    expect(findJsonSyntaxError('')?.reason).toBe('no JSON value');
  });

  it('counts bytes in UTF-8 for the byte offset', () => {
    const text = '["é€", x]';
    const found = findJsonSyntaxError(text)!;
    expect(positionOf(text, found.offset)).toEqual({ line: 1, column: 8, byte: 10 });
  });

  it('handles nesting deeper than the call stack would allow', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(findJsonSyntaxError(deep)).toBeUndefined();
    expect(findJsonSyntaxError(deep.slice(0, -1))?.reason).toBe('unexpected end of input (truncated JSON)');
  });
});
