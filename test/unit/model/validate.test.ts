import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InvalidArgumentError, validateSpan } from '../../../src/model/index.js';

const base: Span = {
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0123456789abcdef',
  operationName: 'op',
  references: [{ refType: 'CHILD_OF', traceId: '0123456789abcdef0123456789abcdef', spanId: 'fedcba9876543210' }],
  flags: 0,
  startTime: 1_700_000_000_000_000,
  duration: 5,
  tags: [],
  logs: [],
  process: { serviceName: 's', tags: [] },
  warnings: [],
};

/** The rule the id checks implement: exactly `length` lowercase hex digits. */
const isHex = (id: string, length: number) => new RegExp(`^[0-9a-f]{${length}}$`).test(id);

// Ids near the valid ones: hex with one char replaced by any UTF-16 code unit (digits' and letters'
// neighbours, upper case, non-ASCII codes whose low 7 bits are hex digits), or of another length.
const nearId = (length: number) =>
  fc.oneof(
    fc.tuple(fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)), fc.nat({ max: length - 1 }), fc.integer({ min: 0, max: 0xffff })).map(
      ([hex, at, code]) => hex.slice(0, at) + String.fromCharCode(code) + hex.slice(at + 1),
    ),
    fc.tuple(fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)), fc.nat({ max: length - 1 }), fc.constantFrom(0x2f, 0x3a, 0x60, 0x67, 0x41, 0x46, 0xb0, 0xe1, 0x130, 0x3030)).map(
      ([hex, at, code]) => hex.slice(0, at) + String.fromCharCode(code) + hex.slice(at + 1),
    ),
    fc.stringMatching(/^[0-9a-f]{0,40}$/),
  );

function verdict(span: Span): string {
  try {
    validateSpan(span);
    return 'valid';
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
}

describe('model/validate', () => {
  it('accepts exactly the trace, span and reference ids of lowercase hex digits of their length', () => {
    fc.assert(
      fc.property(nearId(32), nearId(16), nearId(16), (traceId, spanId, refSpanId) => {
        const span = { ...base, traceId, spanId, references: [{ refType: 'CHILD_OF' as const, traceId, spanId: refSpanId }] };
        const expected = !isHex(traceId, 32)
          ? `span ${spanId}: invalid trace id "${traceId}"`
          : !isHex(spanId, 16)
            ? `span ${spanId}: invalid span id`
            : !isHex(refSpanId, 16)
              ? `span ${spanId}: invalid reference id`
              : 'valid';
        expect(verdict(span)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('skips the trace id it is told is valid, and checks any other', () => {
    const odd = { ...base, traceId: 'X'.repeat(32) };
    expect(() => validateSpan(odd, odd.traceId)).not.toThrow();
    expect(() => validateSpan(odd, base.traceId)).toThrow(/invalid trace id/);
    expect(verdict(base)).toBe('valid');
  });
});
