/**
 * Loader and comparator for Jaeger's v1 storage integration fixtures (jsonpb of jaeger.api_v2),
 * as described in ../shared/data/jaeger-integration/README.md §1–§3 and §6.
 *
 * - Trace files: base64 ids, Go duration strings ("100000ns"), vType-typed tags, RFC 3339 times.
 * - Time shift (§2): in the raw JSON text, 2017-01-26 → yesterday and 2017-01-25 → two days ago (UTC).
 * - queries.json: Go durations are integer ns, converted to µs keeping inclusive bounds exact
 *   (min rounds up, max rounds down); 0 means "no bound".
 * - Comparison (§6): spans sorted by span id, tags / process tags / log fields by key, logs by
 *   timestamp; references keep their order; GetTrace comparisons drop repeated span ids of the
 *   actual trace first (dedupe), FindTraces comparisons do not.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { KeyValue, Log, Span, SpanRef, Trace, TraceQuery } from '../../src/model/index.js';
import { spanIdFromBytes, traceIdFromBytes } from '../../src/model/index.js';
import { sharedDataPath } from './shared-data.js';

const DAY_MS = 86_400_000;

/** Our own small fixtures in the same format (always present). */
export const OWN_FIXTURES_DIR = path.resolve(fileURLToPath(new URL('../fixtures/jaeger-v1', import.meta.url)));

export interface FixtureQueryCase {
  /** Jaeger's sub-test caption, e.g. "Tags + Operation name". */
  caption: string;
  /** Go-style sub-test name: caption with spaces replaced by "_". */
  testName: string;
  query: TraceQuery;
  expectedFixtures: string[];
}

export interface FixtureSet {
  /** "jaeger-v1" for the shared fixtures, "own" for test/fixtures/jaeger-v1. */
  name: string;
  dir: string;
  /** The instant the dates were shifted against. */
  now: Date;
  /** Trace file names (without .json) present in traces/. */
  traceNames(): string[];
  /** Parses traces/NAME.json with the time shift applied. */
  trace(name: string): Trace;
  /** Parses queries.json with the time shift applied. */
  queries(): FixtureQueryCase[];
  /**
   * The traces a FindTraces run writes before querying: every expected fixture of queries.json
   * (Jaeger's rule), plus for our own set every trace file except example_trace (decoys that
   * must not match).
   */
  searchTraces(): string[];
}

/** The shared Jaeger v1 fixtures, or undefined (with a visible skip note) when ../shared/data is absent. */
export function sharedJaegerFixtures(now = new Date()): FixtureSet | undefined {
  const dir = sharedDataPath('jaeger-integration/fixtures');
  if (!dir || !existsSync(dir)) return undefined;
  return fixtureSet('jaeger-v1', dir, now);
}

/** Our own fixtures in test/fixtures/jaeger-v1 (same format, always present). */
export function ownJaegerFixtures(now = new Date()): FixtureSet {
  return fixtureSet('own', OWN_FIXTURES_DIR, now);
}

export function fixtureSet(name: string, dir: string, now: Date): FixtureSet {
  return {
    name,
    dir,
    now,
    traceNames: () =>
      readdirSync(path.join(dir, 'traces'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length))
        .sort(),
    trace: (traceName) => parseJaegerV1Trace(shiftFixtureDates(readFileSync(path.join(dir, 'traces', `${traceName}.json`), 'utf8'), now), traceName),
    queries: () => parseFixtureQueries(shiftFixtureDates(readFileSync(path.join(dir, 'queries.json'), 'utf8'), now)),
    searchTraces() {
      const expected = new Set(this.queries().flatMap((c) => c.expectedFixtures));
      if (name === 'own') for (const t of this.traceNames()) if (t !== 'example_trace') expected.add(t);
      return [...expected].sort();
    },
  };
}

/** README §2: plain string replace of the fixture dates with yesterday / two days ago (UTC). */
export function shiftFixtureDates(text: string, now: Date): string {
  const day = (offsetDays: number) => new Date(now.getTime() - offsetDays * DAY_MS).toISOString().slice(0, 10);
  return text.replaceAll('2017-01-26', day(1)).replaceAll('2017-01-25', day(2));
}

// ---------------------------------------------------------------------------------------------
// jsonpb parsing

interface JsonKeyValue {
  key: string;
  vType?: string;
  vStr?: string;
  vBool?: boolean;
  vInt64?: string | number;
  vFloat64?: number | string;
  vBinary?: string;
}

interface JsonSpan {
  traceId: string;
  spanId: string;
  operationName?: string;
  references?: { refType?: string; traceId: string; spanId: string }[];
  flags?: number;
  startTime: string;
  duration?: string;
  tags?: JsonKeyValue[];
  logs?: { timestamp: string; fields?: JsonKeyValue[] }[];
  process?: { serviceName?: string; tags?: JsonKeyValue[] };
  warnings?: string[];
}

/** Parses a `{"spans":[…]}` jsonpb trace into domain spans. int64 values keep full precision. */
export function parseJaegerV1Trace(text: string, where = 'trace'): Trace {
  // Quote bare vInt64 numbers before JSON.parse so values beyond 2^53 survive.
  const exact = text.replace(/("vInt64"\s*:\s*)(-?\d+)/g, '$1"$2"');
  const doc = JSON.parse(exact) as { spans?: JsonSpan[] };
  if (!Array.isArray(doc.spans)) throw new Error(`${where}: no "spans" array`);
  return { spans: doc.spans.map((s, i) => parseSpan(s, `${where} span #${i}`)) };
}

function parseSpan(s: JsonSpan, where: string): Span {
  const references: SpanRef[] = (s.references ?? []).map((r) => ({
    refType: r.refType === 'FOLLOWS_FROM' ? 'FOLLOWS_FROM' : 'CHILD_OF',
    traceId: traceIdFromBytes(Buffer.from(r.traceId, 'base64')),
    spanId: spanIdFromBytes(Buffer.from(r.spanId, 'base64')),
  }));
  const logs: Log[] = (s.logs ?? []).map((l) => ({ timestamp: parseRfc3339Micros(l.timestamp, where), fields: (l.fields ?? []).map(parseKeyValue) }));
  const durationNs = s.duration === undefined ? 0 : parseGoDurationNs(s.duration);
  return {
    traceId: traceIdFromBytes(Buffer.from(s.traceId, 'base64')),
    spanId: spanIdFromBytes(Buffer.from(s.spanId, 'base64')),
    operationName: s.operationName ?? '',
    references,
    flags: s.flags ?? 0,
    startTime: parseRfc3339Micros(s.startTime, where),
    duration: Math.round(durationNs / 1000),
    tags: (s.tags ?? []).map(parseKeyValue),
    logs,
    process: { serviceName: s.process?.serviceName ?? '', tags: (s.process?.tags ?? []).map(parseKeyValue) },
    warnings: s.warnings ?? [],
  };
}

export function parseKeyValue(kv: JsonKeyValue): KeyValue {
  switch (kv.vType ?? 'STRING') {
    case 'STRING':
      return { key: kv.key, type: 'string', value: kv.vStr ?? '' };
    case 'BOOL':
      return { key: kv.key, type: 'bool', value: kv.vBool ?? false };
    case 'INT64':
      return { key: kv.key, type: 'int64', value: BigInt(kv.vInt64 ?? 0) };
    case 'FLOAT64':
      return { key: kv.key, type: 'float64', value: Number(kv.vFloat64 ?? 0) };
    case 'BINARY':
      return { key: kv.key, type: 'binary', value: new Uint8Array(Buffer.from(kv.vBinary ?? '', 'base64')) };
    default:
      throw new Error(`tag "${kv.key}": unknown vType ${kv.vType}`);
  }
}

/** RFC 3339 timestamp → integer µs since epoch (fractions beyond µs are truncated). */
export function parseRfc3339Micros(text: string, where = 'time'): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) throw new Error(`${where}: invalid RFC 3339 time "${text}"`);
  const seconds = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(seconds)) throw new Error(`${where}: invalid RFC 3339 time "${text}"`);
  const micros = Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
  return seconds * 1000 + micros;
}

const GO_DURATION_UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("100000ns", "1.5s", "1h2m3s", "-2ms") → nanoseconds. */
export function parseGoDurationNs(text: string): number {
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!m) throw new Error(`invalid Go duration "${text}"`);
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * GO_DURATION_UNITS_NS[part[2]];
  }
  return Math.round(m[1] === '-' ? -total : total);
}

interface JsonQueryCase {
  Caption: string;
  Query: {
    ServiceName?: string;
    OperationName?: string;
    Tags?: Record<string, string> | null;
    StartTimeMin?: string;
    StartTimeMax?: string;
    DurationMin?: number;
    DurationMax?: number;
    NumTraces?: number;
  };
  ExpectedFixtures: string[];
}

/** Parses queries.json (already time-shifted) into TraceQuery cases. */
export function parseFixtureQueries(text: string): FixtureQueryCase[] {
  const cases = JSON.parse(text) as JsonQueryCase[];
  return cases.map((c) => {
    const q = c.Query;
    const query: TraceQuery = {};
    if (q.ServiceName) query.serviceName = q.ServiceName;
    if (q.OperationName) query.operationName = q.OperationName;
    if (q.Tags && Object.keys(q.Tags).length > 0) query.tags = { ...q.Tags };
    if (q.StartTimeMin) query.startTimeMin = parseRfc3339Micros(q.StartTimeMin, c.Caption);
    if (q.StartTimeMax) query.startTimeMax = parseRfc3339Micros(q.StartTimeMax, c.Caption);
    if (q.DurationMin) query.durationMin = Math.ceil(q.DurationMin / 1000);
    if (q.DurationMax) query.durationMax = Math.floor(q.DurationMax / 1000);
    if (q.NumTraces) query.limit = q.NumTraces;
    return { caption: c.Caption, testName: c.Caption.replaceAll(' ', '_'), query, expectedFixtures: [...c.ExpectedFixtures] };
  });
}

// ---------------------------------------------------------------------------------------------
// comparison (README §6)

/** Jaeger's model.SortTrace on a copy: spans by span id, tags/process tags/fields by key, logs by time. */
export function normalizeTrace(trace: Trace, options: { dedupe?: boolean } = {}): Trace {
  let spans = trace.spans;
  if (options.dedupe) {
    const seen = new Set<string>();
    spans = spans.filter((s) => (seen.has(s.spanId) ? false : (seen.add(s.spanId), true)));
  }
  return { spans: spans.map(normalizeSpan).sort((a, b) => compareStrings(a.spanId, b.spanId)) };
}

function normalizeSpan(s: Span): Span {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    operationName: s.operationName,
    references: s.references.map((r) => ({ refType: r.refType, traceId: r.traceId, spanId: r.spanId })),
    flags: s.flags,
    startTime: s.startTime,
    duration: s.duration,
    tags: sortTags(s.tags),
    logs: s.logs
      .map((l) => ({ timestamp: l.timestamp, fields: sortTags(l.fields) }))
      .sort((a, b) => a.timestamp - b.timestamp),
    process: { serviceName: s.process.serviceName, tags: sortTags(s.process.tags) },
    warnings: [...(s.warnings ?? [])],
    // The OTLP fields as received (absent on both sides for spans that came in the Jaeger model).
    otel: s.otel,
  };
}

function sortTags(tags: readonly KeyValue[]): KeyValue[] {
  return tags
    .map((t): KeyValue => (t.type === 'binary' ? { key: t.key, type: 'binary', value: Uint8Array.from(t.value) } : { ...t }))
    .sort((a, b) => compareStrings(a.key, b.key));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Jaeger's CompareTraces (GetTrace / archive): actual is deduplicated by span id, then deep-equal. */
export function compareTraces(expected: Trace, actual: Trace): void {
  const e = normalizeTrace(expected);
  const a = normalizeTrace(actual, { dedupe: true });
  checkSize(e, a);
  expect(a).toEqual(e);
}

/** Jaeger's CompareSliceOfTraces (FindTraces): same count, traces sorted by trace id, no dedupe. */
export function compareTraceLists(expected: readonly Trace[], actual: readonly Trace[]): void {
  expect(actual.length, 'number of traces').toBe(expected.length);
  const sortList = (list: readonly Trace[]) =>
    list.map((t) => normalizeTrace(t)).sort((x, y) => compareStrings(x.spans[0]?.traceId ?? '', y.spans[0]?.traceId ?? ''));
  const e = sortList(expected);
  const a = sortList(actual);
  e.forEach((t, i) => checkSize(t, a[i]));
  expect(a).toEqual(e);
}

function checkSize(expected: Trace, actual: Trace): void {
  const id = expected.spans[0]?.traceId ?? '?';
  expect(actual.spans.length, `trace ${id}: number of spans`).toBe(expected.spans.length);
  expected.spans.forEach((s, i) => {
    const other = actual.spans[i];
    expect(other.tags.length, `trace ${id} span ${s.spanId}: number of tags`).toBe(s.tags.length);
    expect(other.logs.length, `trace ${id} span ${s.spanId}: number of logs`).toBe(s.logs.length);
    expect(other.process.tags.length, `trace ${id} span ${s.spanId}: number of process tags`).toBe(s.process.tags.length);
  });
}

/** Total span count of a list of traces. */
export function spanCount(traces: readonly Trace[]): number {
  return traces.reduce((n, t) => n + t.spans.length, 0);
}
