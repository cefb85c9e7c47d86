/**
 * Shape checks for parsed JSON values of trace files, one wording for every format: an error names
 * the value's path (`at`) and what was expected there.
 */
import { InputFormatError } from '../model/index.js';

export type JsonObject = Record<string, unknown>;

/** Whether `v` is a JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` as an object; throws InputFormatError at `at` otherwise. */
export function jsonObject(v: unknown, at: string): JsonObject {
  if (!isJsonObject(v)) throw new InputFormatError(at, 'expected an object');
  return v;
}

/** `v` as an array, absent (undefined or null) as empty; throws InputFormatError at `at` otherwise. */
export function jsonList(v: unknown, at: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InputFormatError(at, 'expected an array');
  return v;
}
