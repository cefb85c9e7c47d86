/**
 * Query building: escaping rules (sls.md §5.4) and, with fast-check, that hostile values used as
 * service, operation, tag key or tag value match only themselves — checked against the emulator's
 * search and SQL parsers/evaluators over rows made by the real mapping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InvalidArgumentError } from '../../../src/model/index.js';
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
import { executeSql, parseSql } from '../../support/sls-emulator/sql.js';

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
function run(query: string, rows: Record<string, string>[]): Record<string, string>[] {
  const { search, sql } = splitQuery(query);
  const node = parseSearch(search.trim() || '*');
  const matched = rows.filter((r) => evaluateSearch(node, r, index));
  return sql === undefined ? matched : executeSql(parseSql(sql), matched, index);
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
