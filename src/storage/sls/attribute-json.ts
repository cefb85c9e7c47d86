/**
 * OpenTelemetry attributes ⇄ the JSON objects of SLS Trace columns (`attribute`, `resource`, the
 * `attribute` of each event and link), in the form the OpenTelemetry SLS exporter writes: strings,
 * booleans, int64 and double as JSON numbers, bytes as base64 strings, arrays, maps (nested objects),
 * empty values as null. Members are written in the attributes' order, duplicates included, and read
 * back in written order (exact-json.ts), so order and repeated keys survive.
 *
 * What JSON text cannot tell apart — bytes from a base64 string, an integral or non-finite double
 * from an int64 or a string — is recorded as a *type note*: path of the value (member and element
 * indices, dot-joined) → `b` (bytes) or `f` (double). Notes are kept in the row's side-car column
 * (log-mapping.ts); rows without notes (every row of other writers) are read by inference: integer
 * literals are int64 (double beyond the int64 range), other numbers double.
 *
 * Doubles are written in Jaeger's AsString form (Go %g, e.g. 1e-07) whenever that form is exact, so
 * SQL comparing json_extract_scalar with a v1 tag value sees the same text as Jaeger's memstore.
 * Pure.
 */
import type { AnyValue, Attribute } from '../../model/index.js';
import { tagValueAsString } from '../../model/index.js';
import type { ExactJson } from './exact-json.js';
import { JsonNumber, JsonObject } from './exact-json.js';

/** Type notes of one JSON object column: value path → `b` | `f`. */
export type TypeNotes = Record<string, 'b' | 'f'>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The JSON object of the attributes; notes for values JSON cannot type are added to `notes`. */
export function attributesJson(attrs: readonly Attribute[], notes: TypeNotes, prefix = ''): string {
  if (attrs.length === 0) return '{}';
  let json = '{';
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    json += (i === 0 ? '' : ',') + JSON.stringify(a.key) + ':' + valueJson(a, notes, prefix + i);
  }
  return json + '}';
}

function valueJson(v: AnyValue, notes: TypeNotes, path: string): string {
  switch (v.type) {
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int64':
      return v.value.toString();
    case 'float64':
      return doubleJson(v.value, notes, path);
    case 'binary':
      notes[path] = 'b';
      return `"${Buffer.from(v.value).toString('base64')}"`;
    case 'empty':
      return 'null';
    case 'array': {
      let json = '[';
      for (let i = 0; i < v.value.length; i++) json += (i === 0 ? '' : ',') + valueJson(v.value[i], notes, `${path}.${i}`);
      return json + ']';
    }
    case 'map':
      return attributesJson(v.value, notes, `${path}.`);
  }
}

function doubleJson(v: number, notes: TypeNotes, path: string): string {
  if (!Number.isFinite(v)) {
    notes[path] = 'f';
    return `"${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}"`;
  }
  if (Number.isInteger(v)) notes[path] = 'f';
  if (Object.is(v, -0)) return '-0';
  const asString = tagValueAsString({ key: '', type: 'float64', value: v });
  return Number(asString) === v ? asString : String(v);
}

/** Whether `notes` holds any note. */
export function hasNotes(notes: TypeNotes): boolean {
  for (const _ in notes) return true;
  return false;
}

/** Attributes from a parsed JSON object column (anything else gives none). */
export function attributesFromJson(json: ExactJson | undefined, notes: TypeNotes | undefined, prefix = ''): Attribute[] {
  if (!(json instanceof JsonObject)) return [];
  const out: Attribute[] = [];
  const entries = json.entries;
  for (let i = 0; i < entries.length; i++) out.push({ key: entries[i][0], ...valueFromJson(entries[i][1], notes, prefix + i) } as Attribute);
  return out;
}

function valueFromJson(v: ExactJson, notes: TypeNotes | undefined, path: string): AnyValue {
  const note = notes?.[path];
  if (note === 'b' && typeof v === 'string') return { type: 'binary', value: new Uint8Array(Buffer.from(v, 'base64')) };
  if (note === 'f') {
    if (v instanceof JsonNumber) return { type: 'float64', value: Number(v.text) };
    if (typeof v === 'string') return { type: 'float64', value: v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) };
  }
  if (typeof v === 'string') return { type: 'string', value: v };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (v === null) return { type: 'empty', value: null };
  if (v instanceof JsonNumber) {
    if (v.isInteger) {
      const n = BigInt(v.text);
      if (n >= INT64_MIN && n <= INT64_MAX) return { type: 'int64', value: n };
    }
    return { type: 'float64', value: Number(v.text) };
  }
  if (Array.isArray(v)) return { type: 'array', value: v.map((item, i) => valueFromJson(item, notes, `${path}.${i}`)) };
  return { type: 'map', value: attributesFromJson(v, notes, `${path}.`) };
}
