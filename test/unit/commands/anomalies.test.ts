import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/model/index.js';
import { parseAnomaliesOptions } from '../../../src/commands/anomalies.js';

const NOW = Date.parse('2026-03-01T12:00:00Z') * 1000;
const HOUR = 3_600_000_000;
const base = { store: 'sqlite:x.db', top: '10', method: 'ochiai' as const, format: 'table' as const };

describe('parseAnomaliesOptions', () => {
  it.each([
    { raw: {}, expected: { window: { start: NOW - HOUR, end: NOW }, baseline: { start: NOW - 25 * HOUR, end: NOW - HOUR - 1 }, top: 10, method: 'ochiai', pagerank: false, examples: 3 } },
    { raw: { since: '15m', baseline: '2h', top: '3', method: 'dstar', pagerank: true }, expected: { window: { start: NOW - HOUR / 4, end: NOW }, baseline: { start: NOW - HOUR / 4 - 2 * HOUR, end: NOW - HOUR / 4 - 1 }, top: 3, method: 'dstar', pagerank: true } },
    { raw: { start: '2026-03-01T10:00:00Z', end: '2026-03-01T11:00:00Z', baselineStart: '2026-02-28T10:00:00Z', baselineEnd: '2026-02-28T11:00:00Z', service: 'cart' }, expected: { window: { start: NOW - 2 * HOUR, end: NOW - HOUR }, baseline: { start: NOW - 26 * HOUR, end: NOW - 25 * HOUR }, service: 'cart' } },
    { raw: { zThreshold: '4.5', minShift: '5ms', examples: '1' }, expected: { thresholds: { zThreshold: 4.5, minShiftUs: 5000 }, examples: 1 } },
  ])('$raw', ({ raw, expected }) => {
    expect(parseAnomaliesOptions({ ...base, ...raw }, NOW)).toMatchObject(expected);
  });

  it.each([
    [{ baselineStart: 'now-2h' }, /--baseline-start and --baseline-end go together/],
    [{ baselineStart: 'now-1h', baselineEnd: 'now-2h' }, /--baseline-start is after --baseline-end/],
    [{ top: '0' }, /--top: expected a positive integer/],
    [{ zThreshold: '-1' }, /--z-threshold: expected a positive number/],
    [{ baseline: 'yesterday' }, /--baseline: invalid duration/],
    [{ since: '1h', start: 'now-2h' }, /--since and --start cannot be used together/],
  ])('rejects %o', (raw, message) => {
    expect(() => parseAnomaliesOptions({ ...base, ...raw }, NOW)).toThrow(InvalidArgumentError);
    expect(() => parseAnomaliesOptions({ ...base, ...raw }, NOW)).toThrow(message);
  });
});
