import { InputFormatError } from '../model/index.js';
import { SPAN_KINDS } from './otlp.js';
import { isJsonObject, jsonList, jsonObject } from './json-values.js';
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
} from './otlp.js';

/**
 * OTLP/JSON (ExportTraceServiceRequest / TracesData, lowerCamelCase, hex ids, base64 bytes,
 * 64-bit integers as strings) ⇄ the tree otlp.ts maps. Also accepts the pre-1.0
 * `instrumentationLibrarySpans` spelling and enum names for `kind`.
 */

type Json = Record<string, unknown>;

/** True when the value looks like an OTLP/JSON traces document. */
function isOtlpJson(value: unknown): boolean {
  return isJsonObject(value) && Array.isArray((value as Json).resourceSpans);
}

/** The resource spans of an OTLP/JSON document; `where` names the file and entry for errors. */
export function otlpJsonToTree(doc: unknown, where: string): OtlpResourceSpans[] {
  if (!isOtlpJson(doc)) throw new InputFormatError(where, 'expected an OTLP object with "resourceSpans"');
  return ((doc as Json).resourceSpans as unknown[]).map((rs, ri) => {
    const at = `${where}: resourceSpans[${ri}]`;
    const r = jsonObject(rs, at);
    const scopes = (r.scopeSpans ?? r.instrumentationLibrarySpans ?? []) as unknown[];
    if (!Array.isArray(scopes)) throw new InputFormatError(at, 'scopeSpans must be an array');
    return {
      resource: (() => {
        const res = jsonObject(r.resource ?? {}, `${at}.resource`);
        return { attributes: attributes(res.attributes, `${at}.resource.attributes`), droppedAttributesCount: uint32(res.droppedAttributesCount, `${at}.resource.droppedAttributesCount`) };
      })(),
      schemaUrl: typeof r.schemaUrl === 'string' ? r.schemaUrl : '',
      scopeSpans: scopes.map((ss, si): OtlpScopeSpans => {
        const sat = `${at}.scopeSpans[${si}]`;
        const s = jsonObject(ss, sat);
        const scope = jsonObject(s.scope ?? s.instrumentationLibrary ?? {}, `${sat}.scope`);
        const spans = s.spans ?? [];
        if (!Array.isArray(spans)) throw new InputFormatError(sat, 'spans must be an array');
        return {
          scope: {
            name: optString(scope.name, `${sat}.scope.name`),
            version: optString(scope.version, `${sat}.scope.version`),
            attributes: attributes(scope.attributes, `${sat}.scope.attributes`),
            droppedAttributesCount: uint32(scope.droppedAttributesCount, `${sat}.scope.droppedAttributesCount`),
          },
          spans: spans.map((sp, pi) => span(sp, `${sat}.spans[${pi}]`)),
          schemaUrl: optString(s.schemaUrl, `${sat}.schemaUrl`),
        };
      }),
    };
  });
}

function span(value: unknown, at: string): OtlpSpan {
  const s = jsonObject(value, at);
  return {
    traceId: hexBytes(s.traceId, 16, `${at}.traceId`),
    spanId: hexBytes(s.spanId, 8, `${at}.spanId`),
    traceState: optString(s.traceState, `${at}.traceState`),
    parentSpanId: s.parentSpanId === undefined || s.parentSpanId === '' ? Buffer.alloc(0) : hexBytes(s.parentSpanId, 8, `${at}.parentSpanId`),
    name: optString(s.name, `${at}.name`),
    kind: kind(s.kind, `${at}.kind`),
    startTimeUnixNano: uint64(s.startTimeUnixNano, `${at}.startTimeUnixNano`),
    endTimeUnixNano: uint64(s.endTimeUnixNano, `${at}.endTimeUnixNano`),
    attributes: attributes(s.attributes, `${at}.attributes`),
    droppedAttributesCount: uint32(s.droppedAttributesCount, `${at}.droppedAttributesCount`),
    droppedEventsCount: uint32(s.droppedEventsCount, `${at}.droppedEventsCount`),
    droppedLinksCount: uint32(s.droppedLinksCount, `${at}.droppedLinksCount`),
    events: jsonList(s.events, `${at}.events`).map((e, i): OtlpEvent => {
      const eat = `${at}.events[${i}]`;
      const ev = jsonObject(e, eat);
      return {
        timeUnixNano: uint64(ev.timeUnixNano, `${eat}.timeUnixNano`),
        name: optString(ev.name, `${eat}.name`),
        attributes: attributes(ev.attributes, `${eat}.attributes`),
        droppedAttributesCount: uint32(ev.droppedAttributesCount, `${eat}.droppedAttributesCount`),
      };
    }),
    links: jsonList(s.links, `${at}.links`).map((l, i): OtlpLink => {
      const lat = `${at}.links[${i}]`;
      const link = jsonObject(l, lat);
      return {
        traceId: hexBytes(link.traceId, 16, `${lat}.traceId`),
        spanId: hexBytes(link.spanId, 8, `${lat}.spanId`),
        traceState: optString(link.traceState, `${lat}.traceState`),
        attributes: attributes(link.attributes, `${lat}.attributes`),
        droppedAttributesCount: uint32(link.droppedAttributesCount, `${lat}.droppedAttributesCount`),
        flags: uint32(link.flags, `${lat}.flags`),
      };
    }),
    status: (() => {
      const st = jsonObject(s.status ?? {}, `${at}.status`);
      return { code: statusCode(st.code, `${at}.status.code`), message: optString(st.message, `${at}.status.message`) };
    })(),
    flags: uint32(s.flags, `${at}.flags`),
  };
}

function attributes(value: unknown, at: string): OtlpKeyValue[] {
  return jsonList(value, at).map((kv, i) => {
    const kat = `${at}[${i}]`;
    const o = jsonObject(kv, kat);
    if (typeof o.key !== 'string') throw new InputFormatError(kat, 'attribute without a string "key"');
    return { key: o.key, value: anyValue(o.value ?? {}, `${kat}.value`) };
  });
}

function anyValue(value: unknown, at: string): OtlpAnyValue {
  const v = jsonObject(value, at);
  if (v.stringValue !== undefined) return { stringValue: String(v.stringValue) };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue === true || v.boolValue === 'true' };
  if (v.intValue !== undefined) {
    const text = String(v.intValue);
    if (!/^-?\d+$/.test(text)) throw new InputFormatError(at, `invalid intValue "${text.slice(0, 40)}"`);
    return { intValue: text };
  }
  if (v.doubleValue !== undefined) {
    const n = Number(v.doubleValue);
    if (Number.isNaN(n) && v.doubleValue !== 'NaN' || typeof v.doubleValue !== 'number' && typeof v.doubleValue !== 'string') throw new InputFormatError(at, 'invalid doubleValue');
    return { doubleValue: n };
  }
  if (v.bytesValue !== undefined) {
    if (typeof v.bytesValue !== 'string') throw new InputFormatError(at, 'bytesValue must be base64 text');
    return { bytesValue: Buffer.from(v.bytesValue, 'base64') };
  }
  if (v.arrayValue !== undefined) {
    return { arrayValue: { values: jsonList(jsonObject(v.arrayValue, at).values, `${at}.arrayValue.values`).map((x, i) => anyValue(x, `${at}.arrayValue.values[${i}]`)) } };
  }
  if (v.kvlistValue !== undefined) {
    return { kvlistValue: { values: attributes(jsonObject(v.kvlistValue, at).values, `${at}.kvlistValue.values`) } };
  }
  return {};
}

/** OTLP/JSON TracesData from resource spans (the inverse of otlpJsonToTree). */
export function treeToOtlpJson(resourceSpans: readonly OtlpResourceSpans[]): { resourceSpans: Json[] } {
  return {
    resourceSpans: resourceSpans.map((rs) => dropEmpty({
      resource: dropEmpty({ attributes: (rs.resource?.attributes ?? []).map(keyValueJson), droppedAttributesCount: rs.resource?.droppedAttributesCount || undefined }),
      schemaUrl: rs.schemaUrl,
      scopeSpans: (rs.scopeSpans ?? []).map((ss) => dropEmpty({
        scope: dropEmpty({
          name: ss.scope?.name,
          version: ss.scope?.version,
          attributes: (ss.scope?.attributes ?? []).map(keyValueJson),
          droppedAttributesCount: ss.scope?.droppedAttributesCount || undefined,
        }),
        schemaUrl: ss.schemaUrl,
        spans: (ss.spans ?? []).map((s) =>
          dropEmpty({
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            traceState: s.traceState,
            parentSpanId: s.parentSpanId && s.parentSpanId.length ? hex(s.parentSpanId) : undefined,
            name: s.name ?? '',
            kind: s.kind ?? 0,
            startTimeUnixNano: String(s.startTimeUnixNano),
            endTimeUnixNano: String(s.endTimeUnixNano),
            attributes: (s.attributes ?? []).map(keyValueJson),
            droppedAttributesCount: s.droppedAttributesCount || undefined,
            events: (s.events ?? []).map((e) =>
              dropEmpty({
                timeUnixNano: String(e.timeUnixNano),
                name: e.name,
                attributes: (e.attributes ?? []).map(keyValueJson),
                droppedAttributesCount: e.droppedAttributesCount || undefined,
              }),
            ),
            droppedEventsCount: s.droppedEventsCount || undefined,
            links: (s.links ?? []).map((l) =>
              dropEmpty({
                traceId: hex(l.traceId),
                spanId: hex(l.spanId),
                traceState: l.traceState,
                attributes: (l.attributes ?? []).map(keyValueJson),
                droppedAttributesCount: l.droppedAttributesCount || undefined,
                flags: l.flags || undefined,
              }),
            ),
            droppedLinksCount: s.droppedLinksCount || undefined,
            status: dropEmpty({ code: s.status?.code || undefined, message: s.status?.message }),
            flags: s.flags || undefined,
          }),
        ),
      })),
    })),
  };
}

function keyValueJson(kv: OtlpKeyValue): Json {
  return { key: kv.key, value: anyValueJson(kv.value ?? {}) };
}

function anyValueJson(v: OtlpAnyValue): Json {
  if (v.stringValue !== undefined) return { stringValue: v.stringValue };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue };
  if (v.intValue !== undefined) return { intValue: String(v.intValue) };
  if (v.doubleValue !== undefined) {
    // proto3 JSON spells non-finite doubles as strings; "-0" keeps the sign JSON numbers lose.
    const d = Number(v.doubleValue);
    return { doubleValue: Number.isFinite(d) && !Object.is(d, -0) ? d : Object.is(d, -0) ? '-0' : String(d) };
  }
  if (v.bytesValue !== undefined) return { bytesValue: Buffer.from(v.bytesValue).toString('base64') };
  if (v.arrayValue !== undefined) return { arrayValue: { values: (v.arrayValue.values ?? []).map(anyValueJson) } };
  if (v.kvlistValue !== undefined) return { kvlistValue: { values: (v.kvlistValue.values ?? []).map(keyValueJson) } };
  return {};
}

function dropEmpty(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (isJsonObject(v) && Object.keys(v).length === 0 && k !== 'scope' && k !== 'status') continue;
    out[k] = v;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function optString(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InputFormatError(at, 'expected a string');
  return v;
}

function hexBytes(v: unknown, length: number, at: string): Buffer {
  if (typeof v !== 'string') throw new InputFormatError(at, `expected ${length * 2} hex digits`);
  if (!/^[0-9a-fA-F]*$/.test(v)) throw new InputFormatError(at, `"${v.slice(0, 40)}" is not hex`);
  if (v.length !== length * 2) throw new InputFormatError(at, `"${v.slice(0, 40)}" has ${v.length} hex digits, expected ${length * 2}`);
  return Buffer.from(v, 'hex');
}

function uint64(v: unknown, at: string): string {
  const text = typeof v === 'number' ? String(Math.trunc(v)) : v;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) throw new InputFormatError(at, `expected a non-negative integer, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return text;
}

function uint32(v: unknown, at: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InputFormatError(at, `expected an unsigned 32-bit integer, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return n;
}

function kind(v: unknown, at: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < SPAN_KINDS.length) return v;
  if (typeof v === 'string') {
    const i = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'].indexOf(v);
    if (i >= 0) return i;
  }
  throw new InputFormatError(at, `invalid span kind ${JSON.stringify(v)}`);
}

function statusCode(v: unknown, at: string): number {
  if (v === undefined || v === null) return 0;
  if (v === 0 || v === 1 || v === 2) return v;
  const i = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'].indexOf(String(v));
  if (i >= 0) return i;
  throw new InputFormatError(at, `invalid status code ${JSON.stringify(v)}`);
}
