/**
 * Content detection for trace files (never by file name).
 *
 * Layout: a file is NDJSON when its first non-empty line is, on its own, a complete JSON object or
 * array (a pretty-printed document never is, and a one-line document is the one-line NDJSON case),
 * or when its 2nd and 3rd non-empty lines are (an NDJSON file with a malformed first line). Anything
 * else is one JSON document.
 *
 * Shapes accepted in a top-level value (each NDJSON line is classified on its own, so lines may mix):
 * - Jaeger UI/query JSON: an envelope `{"data": [Trace…]}` or `{"data": Trace}`, a bare Trace
 *   `{traceID, spans, processes}`, or an array of Traces;
 * - OTLP JSON: ExportTraceServiceRequest / TracesData `{"resourceSpans": […]}`, or an array of them.
 */
import { isJsonObject } from './json-values.js';

export type TraceFileLayout = 'document' | 'ndjson';

/** One trace-bearing item inside a top-level JSON value, with its JSON path (e.g. `data[3]`, "" for the root). */
export type TraceItem =
  | { kind: 'jaeger'; path: string; value: Record<string, unknown> }
  /** `resourceSpansOffset`: the value holds `resourceSpans[offset…]` of the original (streamed documents). */
  | { kind: 'otlp'; path: string; value: Record<string, unknown>; resourceSpansOffset?: number }
  /** `unrecognised`: the value is not trace data at all (as opposed to a trace with a bad field). */
  | { kind: 'invalid'; path: string; reason: string; unrecognised: boolean };

/** The value when `line` alone is a complete JSON object or array, else undefined. */
export function parseJsonContainer(line: string): object | undefined {
  const t = line.trim();
  const first = t[0];
  const last = t[t.length - 1];
  if (!((first === '{' && last === '}') || (first === '[' && last === ']'))) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The layout from the first non-empty lines of a file (up to three; fewer when the file is shorter).
 * `parsed[i]` is `parseJsonContainer(lines[i])`, passed in so callers parse each line once.
 */
export function detectLayout(parsed: readonly (object | undefined)[]): TraceFileLayout {
  if (parsed.length === 0) return 'document';
  if (parsed[0] !== undefined) return 'ndjson';
  if (parsed.length >= 3 && parsed[1] !== undefined && parsed[2] !== undefined) return 'ndjson';
  return 'document';
}

/** The trace items of one top-level JSON value, in file order. */
export function traceItemsOf(value: unknown): TraceItem[] {
  const items: TraceItem[] = [];
  if (Array.isArray(value)) {
    value.forEach((element, i) => items.push(classifyTraceObject(element, `[${i}]`, true)));
    return items;
  }
  if (isJsonObject(value) && 'data' in value && !('spans' in value) && !('resourceSpans' in value)) {
    const data = value.data;
    if (Array.isArray(data)) {
      data.forEach((element, i) => items.push(classifyTraceObject(element, `data[${i}]`, false)));
      return items;
    }
    if (data === null) return items;
    items.push(classifyTraceObject(data, 'data', false));
    return items;
  }
  items.push(classifyTraceObject(value, '', true));
  return items;
}

/** One would-be trace object at `path`: a UI trace, or (when allowed) an OTLP object. */
export function classifyTraceObject(value: unknown, path: string, otlpAllowed: boolean): TraceItem {
  if (!isJsonObject(value)) {
    return { kind: 'invalid', path, reason: `expected a trace object, found ${describeJson(value)}`, unrecognised: true };
  }
  if ('resourceSpans' in value) {
    if (!otlpAllowed) {
      return { kind: 'invalid', path, reason: 'OTLP data inside a Jaeger {"data": …} envelope', unrecognised: false };
    }
    if (!Array.isArray(value.resourceSpans)) {
      return { kind: 'invalid', path: join(path, 'resourceSpans'), reason: `expected an array, found ${describeJson(value.resourceSpans)}`, unrecognised: false };
    }
    return { kind: 'otlp', path, value };
  }
  if ('spans' in value) {
    if (!Array.isArray(value.spans)) {
      return { kind: 'invalid', path: join(path, 'spans'), reason: `expected an array, found ${describeJson(value.spans)}`, unrecognised: false };
    }
    const first: unknown = value.spans[0];
    if (isJsonObject(first) && 'traceId' in first && !('traceID' in first)) {
      return {
        kind: 'invalid',
        path,
        reason:
          'Jaeger protobuf JSON (jaeger.api_v2 jsonpb: "traceId", base64 ids) is not supported; ' +
          'use the UI/query JSON ({"data":[…]}, "traceID") or OTLP JSON',
        unrecognised: false,
      };
    }
    return { kind: 'jaeger', path, value };
  }
  const keys = Object.keys(value).slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40)));
  return {
    kind: 'invalid',
    path,
    reason:
      'not trace data: expected a Jaeger trace {"traceID", "spans", "processes"}, an envelope {"data": …} ' +
      `or OTLP {"resourceSpans": …}; found ${keys.length ? `keys ${keys.join(', ')}` : 'an empty object'}`,
    unrecognised: true,
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** "a string", "an array", … for messages. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof v;
  }
}
