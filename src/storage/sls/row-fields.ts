/**
 * Field helpers shared by the two row forms (jaeger-row.ts, otlp-row.ts): ids, integer µs columns,
 * time units told apart by magnitude, JSON columns. Pure.
 */
import type { ExactJson } from './exact-json.js';
import { parseExactJson } from './exact-json.js';

export type SlsRow = Record<string, string>;

/** jaeger-sls's side-car column: what a row's SLS Trace columns cannot carry exactly (see each form). */
export const SIDECAR_COLUMN = 'jaeger';

/** Scope attributes, a JSON object like `attribute`: the SLS Trace schema has no column for them (otlp-row.ts). */
export const SCOPE_ATTRIBUTE_COLUMN = 'scopeAttribute';

/**
 * String(v) for a safe integer, without the double-to-text conversion that µs timestamps (beyond
 * the small-integer range) would take: two small integers instead.
 */
export function integerText(v: number): string {
  if (v >= 0 && v < 1e16) {
    let hi = Math.floor(v / 1e8);
    let lo = v - hi * 1e8;
    // v / 1e8 may round up to the next integer just below a multiple of 1e8.
    if (lo < 0) {
      hi--;
      lo += 1e8;
    }
    if (hi === 0) return String(lo);
    return String(hi) + (lo >= 1e7 ? String(lo) : String(lo + 1e8).slice(1));
  }
  return String(v);
}

/** Integer µs from a start time in s, ms, µs or ns, told apart by magnitude. */
export function timeUnitDivisor(start: number): number {
  const a = Math.abs(start);
  return a >= 1e17 ? 1000 : a >= 1e14 ? 1 : a >= 1e11 ? 0.001 : 0.000001;
}

export function toMicros(value: number, divisor: number): number {
  if (divisor === 1000 && Number.isInteger(value)) {
    // ns beyond 2^53 arrive as the nearest double (±256 ns); integer rounding keeps µs exact.
    const ns = BigInt(value);
    return Number((ns >= 0n ? ns + 500n : ns - 500n) / 1000n);
  }
  return Math.round(value / divisor);
}

export function num(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

/** A hex id lower-cased and zero-padded (or cut from the left) to `width`. */
export function padId(text: string | undefined, width: number): string {
  const t = (text ?? '').trim().toLowerCase();
  return t.length > width ? t.slice(-width) : t.padStart(width, '0');
}

/** A JSON column, exactly (exact-json.ts); `ok: false` for text that is not JSON, `value` undefined for none. */
export function parseColumn(text: string | undefined): { ok: true; value: ExactJson | undefined } | { ok: false } {
  if (text === undefined || text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: parseExactJson(text) };
  } catch {
    return { ok: false };
  }
}

const INTEGER = /^\s*-?\d+\s*$/;

/**
 * Start and duration of a row in whole µs, and the ns below them when the row is written in ns
 * (the current SLS Trace docs) — exact, from the column text. Duration from `duration`, else end − start.
 */
export function rowTimes(row: SlsRow): { startTime: number; duration: number; startNanos: number; durationNanos: number } {
  const rawStart = num(row.start) ?? 0;
  const divisor = timeUnitDivisor(rawStart);
  if (divisor === 1000 && INTEGER.test(row.start)) {
    const start = BigInt(row.start.trim());
    const durationText = row.duration !== undefined && INTEGER.test(row.duration) ? row.duration.trim() : undefined;
    const endText = row.end !== undefined && INTEGER.test(row.end) ? row.end.trim() : undefined;
    let duration = durationText !== undefined ? BigInt(durationText) : endText !== undefined ? BigInt(endText) - start : 0n;
    if (duration < 0n) duration = 0n;
    return { startTime: Number(floorDiv(start, 1000n)), startNanos: Number(floorMod(start, 1000n)), duration: Number(duration / 1000n), durationNanos: Number(duration % 1000n) };
  }
  const startTime = toMicros(rawStart, divisor);
  const rawDuration = num(row.duration);
  const rawEnd = num(row.end);
  const duration = rawDuration !== undefined ? toMicros(rawDuration, divisor) : rawEnd !== undefined ? Math.max(0, toMicros(rawEnd, divisor) - startTime) : 0;
  return { startTime, duration, startNanos: 0, durationNanos: 0 };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  const m = a % b;
  return m < 0n ? m + b : m;
}
