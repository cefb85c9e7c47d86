/**
 * Compact encoding of the spans of one trace chunk (all spans of one trace id from one write
 * batch) as a JSON text of positional arrays. Lossless for the domain model: int64 as decimal
 * text, binary as base64, non-finite and negative-zero floats as text, reference order kept.
 *
 * chunk  = [base, span…] | [span…]
 * span   = [spanId, operationName, refs, flags, startTime − base, duration, tags, logs, serviceName, processTags, warnings]
 * refs   = [refType(0 CHILD_OF | 1 FOLLOWS_FROM), traceId ("" = the chunk's trace), spanId, …]
 * tags   = [key, type, value, …] type: 0 string, 1 bool (0/1), 2 int64 (text), 3 float64, 4 binary (base64)
 * logs   = [timestamp − base, tags, …]
 * `base` (µs) is the first span's start, or 0 when some offset would not be an exact integer:
 * small offsets print and parse much faster than 16-digit times. Chunks written before `base`
 * existed lack it and read as base 0. The trace id is stored beside the chunk, not in it.
 */
import type { KeyValue, Log, Span, SpanRef, TraceId } from '../../model/index.js';

type Encoded = (string | number | Encoded)[];

export function encodeChunk(spans: readonly Span[]): string {
  const base = offsetsAreExact(spans) ? spans[0].startTime : 0;
  const out: Encoded = new Array(spans.length + 1);
  out[0] = base;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const refs: Encoded = [];
    for (const r of s.references) refs.push(r.refType === 'CHILD_OF' ? 0 : 1, r.traceId === s.traceId ? '' : r.traceId, r.spanId);
    const logs: Encoded = [];
    for (const l of s.logs) logs.push(l.timestamp - base, encodeTags(l.fields));
    out[i + 1] = [
      s.spanId,
      s.operationName,
      refs,
      s.flags,
      s.startTime - base,
      s.duration,
      encodeTags(s.tags),
      logs,
      s.process.serviceName,
      encodeTags(s.process.tags),
      s.warnings.length ? (s.warnings as string[]) : 0,
    ];
  }
  return JSON.stringify(out);
}

/** True when every start and log time minus the first span's start is a safe integer. */
function offsetsAreExact(spans: readonly Span[]): boolean {
  const base = spans[0]?.startTime ?? 0;
  for (const s of spans) {
    if (!Number.isSafeInteger(s.startTime - base)) return false;
    for (const l of s.logs) if (!Number.isSafeInteger(l.timestamp - base)) return false;
  }
  return true;
}

function encodeTags(tags: readonly KeyValue[]): Encoded {
  const out: Encoded = new Array(tags.length * 3);
  let j = 0;
  for (const t of tags) {
    out[j++] = t.key;
    switch (t.type) {
      case 'string':
        out[j++] = 0;
        out[j++] = t.value;
        break;
      case 'bool':
        out[j++] = 1;
        out[j++] = t.value ? 1 : 0;
        break;
      case 'int64':
        out[j++] = 2;
        out[j++] = t.value.toString();
        break;
      case 'float64':
        out[j++] = 3;
        out[j++] = Number.isFinite(t.value) && !Object.is(t.value, -0) ? t.value : Object.is(t.value, -0) ? '-0' : String(t.value);
        break;
      case 'binary':
        out[j++] = 4;
        out[j++] = Buffer.from(t.value.buffer, t.value.byteOffset, t.value.byteLength).toString('base64');
        break;
    }
  }
  return out;
}

export function decodeChunk(traceId: TraceId, body: string): Span[] {
  const rows = JSON.parse(body) as unknown[];
  const first = typeof rows[0] === 'number' ? 1 : 0;
  const base = first ? (rows[0] as number) : 0;
  const spans: Span[] = new Array(rows.length - first);
  for (let i = first; i < rows.length; i++) {
    const r = rows[i] as unknown[];
    const refsIn = r[2] as (string | number)[];
    const references: SpanRef[] = [];
    for (let j = 0; j < refsIn.length; j += 3) {
      references.push({ refType: refsIn[j] === 0 ? 'CHILD_OF' : 'FOLLOWS_FROM', traceId: (refsIn[j + 1] as string) || traceId, spanId: refsIn[j + 2] as string });
    }
    const logsIn = r[7] as unknown[];
    const logs: Log[] = [];
    for (let j = 0; j < logsIn.length; j += 2) logs.push({ timestamp: (logsIn[j] as number) + base, fields: decodeTags(logsIn[j + 1] as unknown[]) });
    spans[i - first] = {
      traceId,
      spanId: r[0] as string,
      operationName: r[1] as string,
      references,
      flags: r[3] as number,
      startTime: (r[4] as number) + base,
      duration: r[5] as number,
      tags: decodeTags(r[6] as unknown[]),
      logs,
      process: { serviceName: r[8] as string, tags: decodeTags(r[9] as unknown[]) },
      warnings: r[10] === 0 ? [] : (r[10] as string[]),
    };
  }
  return spans;
}

function decodeTags(encoded: unknown[]): KeyValue[] {
  const out: KeyValue[] = new Array(encoded.length / 3);
  for (let i = 0, j = 0; j < encoded.length; i++, j += 3) {
    const key = encoded[j] as string;
    const value = encoded[j + 1 + 1];
    switch (encoded[j + 1]) {
      case 0:
        out[i] = { key, type: 'string', value: value as string };
        break;
      case 1:
        out[i] = { key, type: 'bool', value: value === 1 };
        break;
      case 2:
        out[i] = { key, type: 'int64', value: BigInt(value as string) };
        break;
      case 3:
        out[i] = { key, type: 'float64', value: typeof value === 'number' ? value : Number(value) };
        break;
      default:
        out[i] = { key, type: 'binary', value: new Uint8Array(Buffer.from(value as string, 'base64')) };
    }
  }
  return out;
}
