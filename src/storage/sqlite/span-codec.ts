// Over 400 lines: the chunk format's encoder and decoder for both record kinds (v1, OTLP) side by side, so the two cannot drift apart.
/**
 * Compact encoding of the spans of one trace chunk (all spans of one trace id from one write
 * batch) as the JSON text of one flat array. Lossless for the domain model: int64 as decimal
 * text, binary as base64, non-finite and negative-zero floats as text, reference order kept.
 *
 * chunk = [base, span…]      (flat: every span's fields follow each other, counts say how many)
 * span  = spanId, operationName, flags, startTime − base, duration, serviceName,
 *         #refs, (refType (0 CHILD_OF | 1 FOLLOWS_FROM), traceId ("" = the chunk's trace), spanId)…,
 *         #tags, tag…, #processTags, tag…, #logs, (timestamp − base, #fields, tag…)…, #warnings, warning…
 * tag   = key, value (a string tag) | key, type, value  (type: 1 bool (0/1), 2 int64 (text),
 *         3 float64 (number, or text for NaN, ±Infinity and -0), 4 binary (base64))
 * A span received as OTLP (Span.otel) is stored as its OTLP fields instead, its v1 view derived
 * again on reading (model/otel.ts spanFromOtel); its record starts with the number 1, where a v1
 * record starts with its span id (a string):
 * otelSpan = 1, spanId, name, flags, startTime − base, duration, startNanos, durationNanos,
 *         resource, scope, traceState, parentSpanId, kind, statusCode, statusMessage,
 *         #attrs, attr…, droppedAttributes, #events, (time µs − base, time ns rest, name, #attrs, attr…, dropped)…,
 *         droppedEvents, #links, (traceId ("" = the chunk's), spanId, traceState, #attrs, attr…, dropped, flags)…, droppedLinks
 * resource = index of a resource earlier in the chunk | −1, #attrs, attr…, dropped, schemaUrl
 * scope = index of a scope earlier in the chunk | −1, name, version, #attrs, attr…, dropped, schemaUrl
 * attr  = key, value;  value = a string | type, payload — types as for tags, and 5 array (#values,
 *         value…), 6 map (#attrs, attr…), 7 empty (no payload)
 * `base` (µs) is the first span's start, or 0 when some offset would not be an exact integer:
 * small offsets print and parse much faster than 16-digit times. One flat array costs a fraction
 * of nested ones to build, stringify and parse. The trace id is stored beside the chunk, not in it.
 *
 * Older layouts still read (told apart by the second element, never a string for them):
 *   nested, with base:  [base, [spanId, operationName, refs, flags, start − base, duration, tags, logs, serviceName, processTags, warnings]…]
 *   nested, no base:    [[…same, absolute times…]…]
 *   with refs = [refType, traceId, spanId]…, tags = [key, type (0 string), value]…, logs = [timestamp, tags]…, warnings 0 when none.
 */
import type { AnyValue, Attribute, KeyValue, Log, OtelResource, OtelScope, OtelSpanFields, Process, Span, SpanRef, TraceId } from '../../model/index.js';
import { processOfResource, scopeTagsOf, spanFromOtel } from '../../model/index.js';

type Field = string | number;
/** The encoder's flat array, reusable between calls by its owner: built, stringified and emptied. */
export type ChunkScratch = Field[];

export function encodeChunk(spans: readonly Span[], scratch: ChunkScratch = []): string {
  const base = offsetsAreExact(spans) ? spans[0].startTime : 0;
  const out = scratch;
  out.push(base);
  // Made at the first OTLP span only: chunks of spans received in the Jaeger model need none.
  let tables: OtelTables | undefined;
  for (const s of spans) {
    if (s.otel) {
      pushOtelSpan(out, s, s.otel, base, (tables ??= { resources: new Map(), scopes: new Map() }));
      continue;
    }
    out.push(s.spanId, s.operationName, s.flags, s.startTime - base, s.duration, s.process.serviceName, s.references.length);
    for (const r of s.references) out.push(r.refType === 'CHILD_OF' ? 0 : 1, r.traceId === s.traceId ? '' : r.traceId, r.spanId);
    pushTags(out, s.tags);
    pushTags(out, s.process.tags);
    out.push(s.logs.length);
    for (const l of s.logs) {
      out.push(l.timestamp - base);
      pushTags(out, l.fields);
    }
    out.push(s.warnings.length);
    for (const w of s.warnings) out.push(w);
  }
  try {
    return JSON.stringify(out);
  } finally {
    out.length = 0;
  }
}

/** Resources and scopes already written in a chunk, by identity, with their index. */
interface OtelTables {
  resources: Map<OtelResource, number>;
  scopes: Map<OtelScope, number>;
}

function pushOtelSpan(out: Field[], s: Span, o: OtelSpanFields, base: number, tables: OtelTables): void {
  out.push(1, s.spanId, s.operationName, s.flags, s.startTime - base, s.duration, o.startNanos, o.durationNanos);
  const r = tables.resources.get(o.resource);
  if (r !== undefined) out.push(r);
  else {
    tables.resources.set(o.resource, tables.resources.size);
    out.push(-1);
    pushAttributes(out, o.resource.attributes);
    out.push(o.resource.droppedAttributesCount, o.resource.schemaUrl);
  }
  const sc = tables.scopes.get(o.scope);
  if (sc !== undefined) out.push(sc);
  else {
    tables.scopes.set(o.scope, tables.scopes.size);
    out.push(-1, o.scope.name, o.scope.version);
    pushAttributes(out, o.scope.attributes);
    out.push(o.scope.droppedAttributesCount, o.scope.schemaUrl);
  }
  out.push(o.traceState, o.parentSpanId, o.kind, o.statusCode, o.statusMessage);
  pushAttributes(out, o.attributes);
  out.push(o.droppedAttributesCount, o.events.length);
  for (const e of o.events) {
    const us = e.timeUnixNano / 1000n;
    out.push(Number(us) - base, Number(e.timeUnixNano - us * 1000n), e.name);
    pushAttributes(out, e.attributes);
    out.push(e.droppedAttributesCount);
  }
  out.push(o.droppedEventsCount, o.links.length);
  for (const l of o.links) {
    out.push(l.traceId === s.traceId ? '' : l.traceId, l.spanId, l.traceState);
    pushAttributes(out, l.attributes);
    out.push(l.droppedAttributesCount, l.flags);
  }
  out.push(o.droppedLinksCount);
}

function pushAttributes(out: Field[], attrs: readonly Attribute[]): void {
  out.push(attrs.length);
  for (const a of attrs) {
    out.push(a.key);
    pushValue(out, a);
  }
}

function pushValue(out: Field[], v: AnyValue): void {
  switch (v.type) {
    case 'string':
      out.push(v.value);
      break;
    case 'bool':
      out.push(1, v.value ? 1 : 0);
      break;
    case 'int64':
      out.push(2, v.value.toString());
      break;
    case 'float64':
      out.push(3, floatField(v.value));
      break;
    case 'binary':
      out.push(4, base64(v.value));
      break;
    case 'array':
      out.push(5, v.value.length);
      for (const e of v.value) pushValue(out, e);
      break;
    case 'map':
      out.push(6);
      pushAttributes(out, v.value);
      break;
    case 'empty':
      out.push(7);
      break;
  }
}

/** A float as a JSON number, or as text for NaN, ±Infinity and -0, which JSON numbers cannot hold. */
function floatField(v: number): Field {
  return Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v);
}

function base64(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
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

function pushTags(out: Field[], tags: readonly KeyValue[]): void {
  out.push(tags.length);
  for (const t of tags) {
    switch (t.type) {
      case 'string':
        out.push(t.key, t.value);
        break;
      case 'bool':
        out.push(t.key, 1, t.value ? 1 : 0);
        break;
      case 'int64':
        out.push(t.key, 2, t.value.toString());
        break;
      case 'float64':
        out.push(t.key, 3, floatField(t.value));
        break;
      case 'binary':
        out.push(t.key, 4, base64(t.value));
        break;
    }
  }
}

export function decodeChunk(traceId: TraceId, body: string): Span[] {
  const rows = JSON.parse(body) as unknown[];
  return isFlat(rows) ? flatDecoder(traceId, rows)(Number.POSITIVE_INFINITY) : decodeNested(traceId, rows);
}

/**
 * The chunk's spans in parts of at most `maxSpans`, the text parsed once: a reader that looks at
 * cancellations between parts never waits for a whole chunk to be decoded. Older layouts: one part.
 */
export function* decodeChunkParts(traceId: TraceId, body: string, maxSpans: number): Generator<Span[]> {
  const rows = JSON.parse(body) as unknown[];
  if (!isFlat(rows)) {
    yield decodeNested(traceId, rows);
    return;
  }
  const next = flatDecoder(traceId, rows);
  for (let part = next(maxSpans); part.length > 0; part = next(maxSpans)) yield part;
}

function isFlat(rows: unknown[]): rows is Field[] {
  return typeof rows[1] === 'string' || typeof rows[1] === 'number';
}

/** Distinct processes of one service a chunk decoder compares against (many pods of one service in one trace are rare). */
const MAX_PROCESSES_PER_SERVICE = 8;

/** Reads the flat layout: each call gives the next spans, at most `maxSpans` (none at the end); `at` is the position of the next field. */
function flatDecoder(traceId: TraceId, f: Field[]): (maxSpans: number) => Span[] {
  const base = f[0] as number;
  let at = 1;
  const tags = (): KeyValue[] => {
    const n = f[at++] as number;
    const out: KeyValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const key = f[at++] as string;
      const next = f[at++];
      out[i] = typeof next === 'string' ? { key, type: 'string', value: next } : typedTag(key, next, f[at++]);
    }
    return out;
  };
  const value = (): AnyValue => {
    const next = f[at++];
    if (typeof next === 'string') return { type: 'string', value: next };
    switch (next) {
      case 5: {
        const n = f[at++] as number;
        const values: AnyValue[] = new Array(n);
        for (let i = 0; i < n; i++) values[i] = value();
        return { type: 'array', value: values };
      }
      case 6:
        return { type: 'map', value: attributes() };
      case 7:
        return { type: 'empty', value: null };
      default: {
        const { type, value: v } = typedTag('', next, f[at++]);
        return { type, value: v } as AnyValue;
      }
    }
  };
  const attributes = (): Attribute[] => {
    const n = f[at++] as number;
    const out: Attribute[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const key = f[at++] as string;
      const next = f[at];
      if (typeof next === 'string') {
        at++;
        out[i] = { key, type: 'string', value: next };
      } else out[i] = { key, ...value() } as Attribute;
    }
    return out;
  };
  // Spans of one service in a chunk mostly repeat one process: a process whose tag fields equal an
  // earlier one's (the encoding is prefix-free, so equal fields decode to equal tags) shares its
  // object, as spanFromOtel shares one per resource — fewer objects to build and collect, and
  // per-process caches of the readers hit.
  const processes = new Map<string, { start: number; end: number; process: Process }[]>();
  const sharedProcess = (serviceName: string): Process => {
    const seen = processes.get(serviceName);
    if (seen) {
      for (const p of seen) {
        const length = p.end - p.start;
        let i = 0;
        while (i < length && f[at + i] === f[p.start + i]) i++;
        if (i === length) {
          at += length;
          return p.process;
        }
      }
    }
    const start = at;
    const process: Process = { serviceName, tags: tags() };
    const entry = { start, end: at, process };
    if (!seen) processes.set(serviceName, [entry]);
    else if (seen.length < MAX_PROCESSES_PER_SERVICE) seen.push(entry);
    return process;
  };
  const resources: { resource: OtelResource; process: Process }[] = [];
  const scopes: { scope: OtelScope; tags: KeyValue[] }[] = [];
  const otelSpan = (): Span => {
    const spanId = f[at + 1] as string;
    const operationName = f[at + 2] as string;
    const flags = f[at + 3] as number;
    const startTime = (f[at + 4] as number) + base;
    const duration = f[at + 5] as number;
    const startNanos = f[at + 6] as number;
    const durationNanos = f[at + 7] as number;
    at += 8;
    let r = f[at++] as number;
    if (r < 0) {
      const resource: OtelResource = { attributes: attributes(), droppedAttributesCount: f[at] as number, schemaUrl: f[at + 1] as string };
      at += 2;
      r = resources.push({ resource, process: processOfResource(resource) }) - 1;
    }
    let sc = f[at++] as number;
    if (sc < 0) {
      const name = f[at] as string;
      const version = f[at + 1] as string;
      at += 2;
      const scope: OtelScope = { name, version, attributes: attributes(), droppedAttributesCount: f[at] as number, schemaUrl: f[at + 1] as string };
      at += 2;
      sc = scopes.push({ scope, tags: scopeTagsOf(scope) }) - 1;
    }
    const traceState = f[at] as string;
    const parentSpanId = f[at + 1] as string;
    const kind = f[at + 2] as number;
    const statusCode = f[at + 3] as number;
    const statusMessage = f[at + 4] as string;
    at += 5;
    const spanAttributes = attributes();
    const droppedAttributesCount = f[at++] as number;
    const events: OtelSpanFields['events'] = new Array(f[at++] as number);
    for (let i = 0; i < events.length; i++) {
      const timeUnixNano = BigInt((f[at] as number) + base) * 1000n + BigInt(f[at + 1] as number);
      const name = f[at + 2] as string;
      at += 3;
      events[i] = { timeUnixNano, name, attributes: attributes(), droppedAttributesCount: f[at++] as number };
    }
    const droppedEventsCount = f[at++] as number;
    const links: OtelSpanFields['links'] = new Array(f[at++] as number);
    for (let i = 0; i < links.length; i++) {
      const linkTrace = (f[at] as string) || traceId;
      const linkSpan = f[at + 1] as string;
      const linkState = f[at + 2] as string;
      at += 3;
      const linkAttributes = attributes();
      links[i] = { traceId: linkTrace, spanId: linkSpan, traceState: linkState, attributes: linkAttributes, droppedAttributesCount: f[at] as number, flags: f[at + 1] as number };
      at += 2;
    }
    const droppedLinksCount = f[at++] as number;
    const otel: OtelSpanFields = {
      resource: resources[r].resource,
      scope: scopes[sc].scope,
      traceState,
      parentSpanId,
      kind,
      startNanos,
      durationNanos,
      attributes: spanAttributes,
      droppedAttributesCount,
      events,
      droppedEventsCount,
      links,
      droppedLinksCount,
      statusCode,
      statusMessage,
    };
    return spanFromOtel({ traceId, spanId, operationName, flags, startTime, duration }, otel, resources[r].process, scopes[sc].tags);
  };
  return (maxSpans) => {
    const spans: Span[] = [];
    while (at < f.length && spans.length < maxSpans) {
      if (f[at] === 1) {
        spans.push(otelSpan());
        continue;
      }
      const spanId = f[at] as string;
      const operationName = f[at + 1] as string;
      const flags = f[at + 2] as number;
      const startTime = (f[at + 3] as number) + base;
      const duration = f[at + 4] as number;
      const serviceName = f[at + 5] as string;
      const refCount = f[at + 6] as number;
      at += 7;
      const references: SpanRef[] = new Array(refCount);
      for (let i = 0; i < refCount; i++, at += 3) {
        references[i] = { refType: f[at] === 0 ? 'CHILD_OF' : 'FOLLOWS_FROM', traceId: (f[at + 1] as string) || traceId, spanId: f[at + 2] as string };
      }
      const spanTags = tags();
      const process = sharedProcess(serviceName);
      const logCount = f[at++] as number;
      const logs: Log[] = new Array(logCount);
      for (let i = 0; i < logCount; i++) {
        const timestamp = (f[at++] as number) + base;
        logs[i] = { timestamp, fields: tags() };
      }
      const warningCount = f[at++] as number;
      const warnings = f.slice(at, at + warningCount) as string[];
      at += warningCount;
      spans.push({
        traceId,
        spanId,
        operationName,
        references,
        flags,
        startTime,
        duration,
        tags: spanTags,
        logs,
        process,
        warnings,
      });
    }
    return spans;
  };
}

/** A tag of a type other than string: code 1 bool, 2 int64, 3 float64, 4 binary. */
function typedTag(key: string, type: Field, value: Field): KeyValue {
  switch (type) {
    case 0:
      return { key, type: 'string', value: value as string };
    case 1:
      return { key, type: 'bool', value: value === 1 };
    case 2:
      return { key, type: 'int64', value: BigInt(value as string) };
    case 3:
      return { key, type: 'float64', value: typeof value === 'number' ? value : Number(value) };
    default:
      return { key, type: 'binary', value: new Uint8Array(Buffer.from(value as string, 'base64')) };
  }
}

/** Reads the nested layouts written before the flat one. */
function decodeNested(traceId: TraceId, rows: unknown[]): Span[] {
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
    for (let j = 0; j < logsIn.length; j += 2) logs.push({ timestamp: (logsIn[j] as number) + base, fields: nestedTags(logsIn[j + 1] as Field[]) });
    spans[i - first] = {
      traceId,
      spanId: r[0] as string,
      operationName: r[1] as string,
      references,
      flags: r[3] as number,
      startTime: (r[4] as number) + base,
      duration: r[5] as number,
      tags: nestedTags(r[6] as Field[]),
      logs,
      process: { serviceName: r[8] as string, tags: nestedTags(r[9] as Field[]) },
      warnings: r[10] === 0 ? [] : (r[10] as string[]),
    };
  }
  return spans;
}

function nestedTags(encoded: Field[]): KeyValue[] {
  const out: KeyValue[] = new Array(encoded.length / 3);
  for (let i = 0, j = 0; j < encoded.length; i++, j += 3) out[i] = typedTag(encoded[j] as string, encoded[j + 1], encoded[j + 2]);
  return out;
}
