/**
 * Keys of the sqlite search index (table `postings`): a 30-bit hash of what a span can be searched
 * by, scoped to a tenant — its service, its service + operation, and each `key=AsString(value)` of
 * its tags, process tags and log fields (tag keys leave the service out, so tag-only searches work;
 * `serviceBit` narrows them per posting entry). For Jaeger v2 attribute filters it also keys the
 * scope and link attributes of spans received as OTLP, and `key=otelAsString(value)` wherever that
 * text differs from AsString (floats, bytes, arrays, maps), so trace-matching.ts attributeIndexKey
 * of any filter entry is among the keys of every span it matches. A hash only selects candidates; every candidate
 * trace is checked with the exact matching rule, so collisions cost time, never correctness.
 */
import type { Attribute, KeyValue, Span, TraceQuery } from '../../model/index.js';
import { otelAsString, tagOfAttribute, tagValueAsString } from '../../model/index.js';
import { attributeIndexKey } from '../trace-matching.js';

const SERVICE = 1;
const OPERATION = 2;
const TAG = 3;

/**
 * FNV-1a style hash in two 32-bit lanes over `first` then `second` (when given), scoped by tenant
 * and kind, without concatenating them. A non-negative integer below 2^30, so V8 keeps it unboxed
 * (a Smi) in the hot write path. With about a billion values, collisions stay rare enough to cost
 * nothing measurable.
 */
function hashKey(tenant: number, kind: number, first: string, second?: string): number {
  let laneA = Math.imul(0x811c9dc5 ^ tenant, 0x01000193) ^ kind;
  let laneB = Math.imul(0x9747b28c ^ kind, 0x5bd1e995) ^ tenant;
  for (let part = 0, parts = second === undefined ? 1 : 2; part < parts; part++) {
    const text = part === 0 ? first : second!;
    let a = laneA;
    let b = laneB;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // Length as a separator so ("ab","c") and ("a","bc") differ.
    laneA = Math.imul(a ^ (text.length + 0x10000), 0x01000193);
    laneB = Math.imul(b ^ (text.length + 0x10000), 0x5bd1e995);
  }
  let h = laneB ^ Math.imul(laneA, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 2;
}

export function serviceKey(tenant: number, service: string): number {
  return hashKey(tenant, SERVICE, service);
}

export function operationKey(tenant: number, service: string, operation: string): number {
  return hashKey(tenant, OPERATION, service, operation);
}

export function tagKey(tenant: number, key: string, value: string): number {
  return hashKey(tenant, TAG, key, value);
}

/** One of 32 bits standing for the service in a posting entry's service mask. */
export function serviceBit(service: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) h = Math.imul(h ^ service.charCodeAt(i), 0x01000193);
  return 1 << ((h ^ (h >>> 16)) % 30);
}

/** Most service, operation and tag values whose keys a SpanKeys remembers; then it starts afresh. */
const MAX_REMEMBERED = 1 << 16;

/** Receives a span's keys: its service bit first, then each key. */
export interface SpanKeySink {
  span(serviceBit: number): void;
  readonly add: (key: number) => void;
  /**
   * False when the sink already holds the keys of `shared` (a Process, OTLP resource or scope
   * object, which spans of one batch share) under the current service bit: adding them again
   * would change nothing.
   */
  firstSight(shared: object): boolean;
}

interface ServiceKeys {
  key: number;
  bit: number;
  operations: Map<string, number>;
}

/**
 * The index keys of one tenant's spans. Remembers the keys of the values it has seen (bounded by
 * MAX_REMEMBERED): spans repeat the same services, operations and most tag values, and a map
 * lookup costs a fraction of hashing the texts again.
 */
export class SpanKeys {
  private services = new Map<string, ServiceKeys>();
  /** Tag key → value (string, bigint or boolean as stored) → index key. */
  private tags = new Map<string, Map<string | bigint | boolean, number>>();
  private remembered = 0;

  constructor(private readonly tenant: number) {}

  /** Tells `sink` the span's service bit (serviceBit), then every index key of the span (repeats possible). */
  forEach(span: Span, sink: SpanKeySink): void {
    const service = this.service(span.process.serviceName);
    sink.span(service.bit);
    const add = sink.add;
    add(service.key);
    let operation = service.operations.get(span.operationName);
    if (operation === undefined) {
      operation = operationKey(this.tenant, span.process.serviceName, span.operationName);
      this.remember();
      service.operations.set(span.operationName, operation);
    }
    add(operation);
    this.addTags(span.tags, add);
    // Spans received as OTLP share their resource's process, tags and all.
    if (sink.firstSight(span.process)) this.addTags(span.process.tags, add);
    for (const log of span.logs) this.addTags(log.fields, add);
    const otel = span.otel;
    if (otel) {
      if (sink.firstSight(otel.resource)) this.addOtelTexts(otel.resource.attributes, add, false);
      this.addOtelTexts(otel.attributes, add, false);
      for (const e of otel.events) this.addOtelTexts(e.attributes, add, false);
      if (sink.firstSight(otel.scope)) this.addOtelTexts(otel.scope.attributes, add, true);
      for (const l of otel.links) this.addOtelTexts(l.attributes, add, true);
    }
  }

  /**
   * Keys of OTLP attributes by their OpenTelemetry AsString: every attribute when `all` (lists
   * with no v1 tags of their own), else arrays and maps, whose v1 tags hold other JSON. Scalars
   * other than these are v1 tags already keyed by addTags.
   */
  private addOtelTexts(attrs: readonly Attribute[], add: (key: number) => void, all: boolean): void {
    for (const a of attrs) {
      if (all || a.type === 'array' || a.type === 'map') {
        const text = otelAsString(a);
        if (all || text !== tagValueAsString(tagOfAttribute(a))) add(tagKey(this.tenant, a.key, text));
      }
    }
  }

  private service(name: string): ServiceKeys {
    let service = this.services.get(name);
    if (!service) {
      this.remember();
      service = { key: serviceKey(this.tenant, name), bit: serviceBit(name), operations: new Map() };
      this.services.set(name, service);
    }
    return service;
  }

  private addTags(tags: readonly KeyValue[], add: (key: number) => void): void {
    for (const t of tags) {
      if (t.type === 'float64' || t.type === 'binary') {
        const text = tagValueAsString(t);
        add(tagKey(this.tenant, t.key, text));
        // Jaeger v2 filters compare OpenTelemetry's AsString, another text for some floats and all bytes.
        const otelText = otelAsString(t);
        if (otelText !== text) add(tagKey(this.tenant, t.key, otelText));
        continue;
      }
      let values = this.tags.get(t.key);
      if (!values) this.tags.set(t.key, (values = new Map()));
      let key = values.get(t.value);
      if (key === undefined) {
        key = tagKey(this.tenant, t.key, t.type === 'string' ? t.value : tagValueAsString(t));
        this.remember();
        values.set(t.value, key);
      }
      add(key);
    }
  }

  private remember(): void {
    if (++this.remembered <= MAX_REMEMBERED) return;
    this.services = new Map();
    this.tags = new Map();
    this.remembered = 1;
  }
}

/** The index keys a query could be driven by; any one of them selects a superset of the matches. */
export function queryKeys(tenant: number, query: TraceQuery): number[] {
  const keys: number[] = [];
  if (query.serviceName) {
    keys.push(serviceKey(tenant, query.serviceName));
    if (query.operationName) keys.push(operationKey(tenant, query.serviceName, query.operationName));
  }
  for (const [k, v] of Object.entries(query.tags ?? {})) keys.push(tagKey(tenant, k, v));
  for (const a of query.attributes ?? []) {
    const indexed = attributeIndexKey(a);
    if (indexed) keys.push(tagKey(tenant, indexed.key, indexed.value));
  }
  return keys;
}
