/**
 * Query building: escaping rules (sls.md §5.4) and, with fast-check, that hostile values used as
 * service, operation, tag key or tag value match only themselves — checked against the emulator's
 * search and SQL parsers/evaluators over rows made by the real mapping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spansFromOtlp } from '../../../src/formats/otlp.js';
import type { Attribute, OtelSpanFields, Span } from '../../../src/model/index.js';
import { InvalidArgumentError, otelOf, spanFromOtel } from '../../../src/model/index.js';
import { spanMatchesQuery } from '../../../src/storage/trace-matching.js';
import { otlpRequest, traceIdList } from '../../support/otlp-arbitrary.js';
import { spanIndexConfig } from '../../../src/storage/sls/index-config.js';
import { spanToContents } from '../../../src/storage/sls/log-mapping.js';
import {
  buildFindTraceIdsQuery,
  buildOperationsQuery,
  buildTraceFetchQuery,
  quoteSearchValue,
  sqlIdent,
  sqlInt,
  sqlString,
  tagCondition,
  timeConditions,
  traceIdBatches,
} from '../../../src/storage/sls/query-builder.js';
import { evaluateSearch, parseSearch } from '../../support/sls-emulator/search.js';
import type { IndexConfig } from '../../support/sls-emulator/search.js';
import { splitQuery } from '../../support/sls-emulator/server.js';
import { checkSqlColumns, executeSql, parseSql } from '../../support/sls-emulator/sql.js';

const index = spanIndexConfig() as IndexConfig;
const HOSTILE = ['x" or *', "' or 1=1 --", 'a\\', '\\"', '"', "'", '*', 'a b', 'not x', 'x) or (y', '服务 "引号"', '😀\u0000', '%_', 'x|select 1', 'k:v', ''];

function mkSpan(i: number, service: string, operation: string, tagKey: string, tagValue: string): Span {
  return {
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    operationName: operation,
    references: [],
    flags: 0,
    startTime: 1_700_000_000_000_000 + i,
    duration: 10 * i,
    tags: [{ key: tagKey, type: 'string', value: tagValue }],
    logs: [],
    process: { serviceName: service, tags: [] },
    warnings: [],
  };
}

/** Runs a full `search | sql` query over rows the way the emulator's GetLogs does. */
function run(query: string, rows: Record<string, string>[], on: IndexConfig = index): Record<string, string>[] {
  const { search, sql } = splitQuery(query);
  const node = parseSearch(search.trim() || '*');
  const matched = rows.filter((r) => evaluateSearch(node, r, on));
  if (sql === undefined) return matched;
  const statement = parseSql(sql);
  checkSqlColumns(statement, on);
  return executeSql(statement, matched, on);
}

const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: fc.constantFrom('"', "'", '\\', '*', ' ', 'o', 'r', '|', ':', '(', ')', 'a'), maxLength: 10 }));

describe('escaping', () => {
  it('quotes search values with \\ and " escaped', () => {
    expect(quoteSearchValue('x" or *')).toBe('"x\\" or *"');
    expect(quoteSearchValue('a\\')).toBe('"a\\\\"');
  });
  it("doubles ' in SQL strings and \" in identifiers", () => {
    expect(sqlString("' or 1=1 --")).toBe("''' or 1=1 --'");
    expect(sqlIdent('a"b')).toBe('"a""b"');
  });
  it('accepts only safe integers as numbers', () => {
    expect(sqlInt(42)).toBe('42');
    expect(() => sqlInt(1.5)).toThrow(InvalidArgumentError);
    expect(() => sqlInt(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => timeConditions({ startMin: 1e300 })).toThrow(InvalidArgumentError);
  });
  it('matches ns rows with bounds × 1000', () => {
    expect(timeConditions({ startMin: 5, durationMax: 7 })).toBe(
      '(("start" < 100000000000000000 and "start" >= 5 and "duration" <= 7) or ("start" >= 100000000000000000 and "start" >= 5000 and "duration" <= 7000))',
    );
  });
  it('looks traces up by padded and unpadded id, within 30 search conditions per query', () => {
    expect(buildTraceFetchQuery(['000000000000000000000000000000ab'])).toBe('traceID: "000000000000000000000000000000ab" or traceID: "ab"');
    const ids = Array.from({ length: 40 }, (_, i) => (i + 1).toString(16).padStart(32, '0'));
    const batches = traceIdBatches(ids);
    expect(batches.flat()).toEqual(ids);
    for (const b of batches) expect(buildTraceFetchQuery(b).split(' or ').length).toBeLessThanOrEqual(30);
    expect(() => buildTraceFetchQuery(['zz'])).toThrow(InvalidArgumentError);
  });
});

describe('hostile values match only themselves (property, emulator parsers)', () => {
  it('service, operation, tag key and tag value', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(hostile, hostile, hostile, hostile), { minLength: 2, maxLength: 5, selector: (t) => t.join('\u0001') }), (values) => {
        const spans = values.map(([svc, op, k, v], i) => mkSpan(i + 1, svc, op, k, v));
        const rows = spans.map((s) => Object.fromEntries(spanToContents(s)));
        spans.forEach((s, i) => {
          const [svc, op, k, v] = values[i];
          const found = run(buildFindTraceIdsQuery({ serviceName: svc || undefined, operationName: op || undefined, tags: { [k]: v } }), rows).map((r) => r.traceid);
          const expected = values
            .map((w, j) => ((!svc || w[0] === svc) && (!op || w[1] === op) && w[2] === k && w[3] === v ? spans[j].traceId : undefined))
            .filter(Boolean);
          expect(found.sort()).toEqual((expected as string[]).sort());
          expect(found).toContain(s.traceId);
          const ops = run(buildOperationsQuery(svc), rows).map((r) => r.name);
          expect(new Set(ops)).toEqual(new Set(values.filter((w) => w[0] === svc).map((w) => w[1])));
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a hostile tag value never matches a different one through log fields or process tags', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (k, v, other) => {
        fc.pre(v !== other);
        const a = mkSpan(1, 's', 'o', 'plain', 'x');
        a.logs = [{ timestamp: a.startTime, fields: [{ key: k, type: 'string', value: v }] }];
        const b = mkSpan(2, 's', 'o', 'plain', 'x');
        b.process.tags = [{ key: k, type: 'string', value: other }];
        const rows = [a, b].map((s) => Object.fromEntries(spanToContents(s)));
        const where = (value: string) => run(`* | select "traceID" from log where ${tagCondition(k, value)} limit 10`, rows).map((r) => r.traceid);
        expect(where(v)).toEqual([a.traceId]);
        expect(where(other)).toEqual([b.traceId]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('v2 attribute filter (property, emulator parsers, the shared OTLP generator)', () => {
  /** Filter entries a span can be found by: each of its attributes anywhere, and the special keys. */
  function filtersOf(s: Span): Attribute[] {
    const otel = otelOf(s);
    const out: Attribute[] = [
      ...otel.attributes,
      ...otel.scope.attributes,
      ...otel.resource.attributes,
      ...otel.resource.attributes.map((a) => ({ ...a, key: `resource.${a.key}` }) as Attribute),
      ...otel.events.flatMap((e) => e.attributes),
      ...otel.links.flatMap((l) => l.attributes),
      { key: 'error', type: 'bool', value: otel.statusCode === 2 },
      { key: 'span.status', type: 'string', value: ['UNSET', 'OK', 'ERROR'][otel.statusCode] ?? 'UNSET' },
      { key: 'span.kind', type: 'string', value: ['', 'internal', 'server', 'client', 'producer', 'consumer'][otel.kind] ?? '' },
      { key: 'scope.name', type: 'string', value: otel.scope.name },
      { key: 'scope.version', type: 'string', value: otel.scope.version },
    ];
    return out;
  }

  it('SQL finds every trace the rule finds (a superset the store then filters), on OTLP and Jaeger-form rows', () => {
    const request = traceIdList.chain(otlpRequest);
    fc.assert(
      fc.property(request, fc.nat(), fc.nat(), fc.boolean(), (req, pickSpan, pickFilter, asJaeger) => {
        // asJaeger: the same spans as received in the Jaeger model (their v1 view), written in the Jaeger form
        const spans = spansFromOtlp(req).map((s) => (asJaeger ? { ...s, otel: undefined } : s));
        const rows = spans.map((s) => Object.fromEntries(spanToContents(s)));
        const target = spans[pickSpan % spans.length];
        const filters = filtersOf(target);
        const filter = filters[pickFilter % filters.length];
        const query = { attributes: [filter] };
        const expected = new Set(spans.filter((s) => spanMatchesQuery(s, query)).map((s) => s.traceId));
        const found = new Set(run(buildFindTraceIdsQuery(query), rows).map((r) => r.traceid));
        for (const id of expected) expect(found, `${JSON.stringify(filter, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toContain(id);
      }),
      { numRuns: 300 },
    );
  });

  it('narrows in SLS: a span, scope, event or link attribute finds only its own trace', () => {
    const at = (traceNo: number, otel: Partial<OtelSpanFields>) =>
      spanFromOtel(
        { traceId: traceNo.toString(16).padStart(32, '0'), spanId: traceNo.toString(16).padStart(16, '0'), operationName: 'op', flags: 0, startTime: 1_700_000_000_000_000, duration: 5 },
        {
          resource: { attributes: [{ key: 'service.name', type: 'string', value: 's' }], droppedAttributesCount: 0, schemaUrl: '' },
          scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
          traceState: '', parentSpanId: '', kind: 0, startNanos: 0, durationNanos: 0, attributes: [], droppedAttributesCount: 0,
          events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, statusCode: 0, statusMessage: '',
          ...otel,
        },
      );
    const v = (value: string): Attribute => ({ key: 'k', type: 'string', value });
    const spans = [
      at(1, { attributes: [v('span " or *')] }),
      at(2, { scope: { name: 'lib', version: '1', attributes: [v("scope' --")], droppedAttributesCount: 0, schemaUrl: '' } }),
      at(3, { events: [{ timeUnixNano: 1n, name: 'e', attributes: [v('event\\')], droppedAttributesCount: 0 }] }),
      at(4, { links: [{ traceId: '1'.padStart(32, '0'), spanId: '1'.padStart(16, '0'), traceState: '', attributes: [v('link & <x>')], droppedAttributesCount: 0, flags: 0 }] }),
      at(5, { kind: 3, statusCode: 2 }),
    ];
    const rows = spans.map((s) => Object.fromEntries(spanToContents(s)));
    const find = (filter: Attribute) => run(buildFindTraceIdsQuery({ attributes: [filter] }), rows).map((r) => Number.parseInt(r.traceid, 16));
    expect(find(v('span " or *'))).toEqual([1]);
    expect(find(v("scope' --"))).toEqual([2]);
    expect(find(v('event\\'))).toEqual([3]);
    expect(find(v('link & <x>'))).toEqual([4]);
    expect(find({ key: 'scope.name', type: 'string', value: 'lib' })).toEqual([2]);
    expect(find({ key: 'span.kind', type: 'string', value: 'CLIENT' })).toEqual([5]);
    expect(find({ key: 'error', type: 'bool', value: true })).toEqual([5]);
    expect(find({ key: 'resource.k', type: 'string', value: 'span " or *' })).toEqual([]);

    // A logstore indexed before scopeAttribute, links, traceState and otlp.* existed: queries name
    // only its keys, and what those keys hold is still found.
    const older = structuredClone(index);
    for (const k of ['scopeAttribute', 'links', 'traceState', 'otlp.name', 'otlp.version']) delete older.keys![k];
    const columns = new Set(Object.keys(older.keys!));
    const findOld = (filter: Attribute) => run(buildFindTraceIdsQuery({ attributes: [filter] }, columns), rows, older).map((r) => Number.parseInt(r.traceid, 16));
    expect(findOld(v('span " or *'))).toEqual([1]);
    expect(findOld(v('event\\'))).toEqual([3]);
    expect(findOld(v("scope' --"))).toEqual([]);
    expect(findOld({ key: 'scope.name', type: 'string', value: 'lib' })).toEqual([]);
    expect(run(buildFindTraceIdsQuery({ tags: { 'w3c.tracestate': 'x', 'otel.scope.name': 'lib' } }, columns), rows, older)).toEqual([]);
    expect(() => run(buildFindTraceIdsQuery({ attributes: [v('x')] }), rows, older), 'the full index’s query on the older index').toThrow(/not indexed/);
  });

  it('finds a span by its warnings in both row forms (the Jaeger form keeps them in the unindexed sidecar)', () => {
    const warned: Span = { ...mkSpan(7, 's', 'o', 'k', 'v'), warnings: ['clock skew adjusted'] };
    const plain = mkSpan(8, 's', 'o', 'k', 'v');
    const asOtlp = (s: Span) => spanFromOtel(s, otelOf(s));
    const filter: Attribute = { key: '@jaeger@warnings', type: 'array', value: [{ type: 'string', value: 'clock skew adjusted' }] };
    for (const spans of [[warned, plain], [warned, plain].map(asOtlp)]) {
      const rows = spans.map((s) => Object.fromEntries(spanToContents(s)));
      const expected = spans.filter((s) => spanMatchesQuery(s, { attributes: [filter] })).map((s) => s.traceId);
      expect(expected).toEqual([warned.traceId]);
      expect(run(buildFindTraceIdsQuery({ attributes: [filter] }), rows).map((r) => r.traceid)).toContain(warned.traceId);
    }
  });
});
