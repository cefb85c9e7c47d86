import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { InputFormatError } from '../../../src/model/index.js';
import { otlpFromSpans, spansFromOtlp } from '../../../src/formats/otlp.js';
import { otlpJsonToTree, treeToOtlpJson } from '../../../src/formats/otlp-json.js';
import { jaegerJsonFromTrace, traceFromJaegerJson, tracesFromJaegerJson } from '../../../src/formats/jaeger-json.js';
import { sharedDataPath } from '../../support/shared-data.js';

const traceId = '00000000000000000000000000000abc';

function span(over: Partial<Span> = {}): Span {
  return {
    traceId,
    spanId: '0000000000000002',
    operationName: 'GET /cart',
    references: [
      { refType: 'CHILD_OF', traceId, spanId: '0000000000000001' },
      { refType: 'FOLLOWS_FROM', traceId: 'ff'.repeat(16), spanId: '00000000000000ff' },
      { refType: 'CHILD_OF', traceId: '1'.padStart(32, '0'), spanId: '0000000000000003' },
    ],
    flags: 1,
    startTime: 1_700_000_000_123_456,
    duration: 2500,
    tags: [
      { key: 'big', type: 'int64', value: 9_007_199_254_740_993n },
      { key: 'ratio', type: 'float64', value: 72.5 },
      { key: 'ok', type: 'bool', value: false },
      { key: 'blob', type: 'binary', value: new Uint8Array([0, 0, 48, 57]) },
      { key: 'span.kind', type: 'string', value: 'server' },
      { key: 'error', type: 'bool', value: true },
      { key: 'otel.scope.name', type: 'string', value: 'lib' },
    ],
    logs: [{ timestamp: 1_700_000_000_124_000, fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'n', type: 'int64', value: 2n }] }],
    process: { serviceName: 'cart', tags: [{ key: 'hostname', type: 'string', value: 'h1' }] },
    warnings: [],
    ...over,
  };
}

const byKey = (s: Span) => ({ ...s, otel: undefined, tags: [...s.tags].sort((a, b) => a.key.localeCompare(b.key)) });

describe('OTLP mapping', () => {
  it('round-trips a span through OTLP and OTLP/JSON with typed tags, references in order, logs and status', () => {
    const original = span();
    const json = JSON.parse(JSON.stringify(treeToOtlpJson(otlpFromSpans([original]))));
    const back = spansFromOtlp(otlpJsonToTree(json, 'mem'));
    expect(back).toHaveLength(1);
    expect(byKey(back[0])).toEqual(byKey(original));
    const otlpSpan = json.resourceSpans[0].scopeSpans[0].spans[0];
    expect(otlpSpan.parentSpanId).toBe('0000000000000001');
    expect(otlpSpan.kind).toBe(2);
    expect(otlpSpan.status.code).toBe(2);
    expect(json.resourceSpans[0].scopeSpans[0].scope.name).toBe('lib');
  });

  it('carries span warnings in the @jaeger@warnings attribute, as Jaeger v2 does', () => {
    const original = span({ warnings: ['clock skew adjusted', 'invalid parent'] });
    const json = JSON.parse(JSON.stringify(treeToOtlpJson(otlpFromSpans([original]))));
    expect(json.resourceSpans[0].scopeSpans[0].spans[0].attributes).toContainEqual({
      key: '@jaeger@warnings',
      value: { arrayValue: { values: [{ stringValue: 'clock skew adjusted' }, { stringValue: 'invalid parent' }] } },
    });
    const back = spansFromOtlp(otlpJsonToTree(json, 'mem'))[0];
    expect(back.warnings).toEqual(original.warnings);
    expect(back.tags.map((t) => t.key)).not.toContain('@jaeger@warnings');
  });

  it('groups spans by process and scope', () => {
    const a = span();
    const b = span({ spanId: '0000000000000009', process: { serviceName: 'db', tags: [] } });
    const tree = otlpFromSpans([a, b, a]);
    expect(tree).toHaveLength(2);
    expect(tree[0].scopeSpans![0].spans).toHaveLength(2);
  });

  it('rejects bad ids, negative durations and non-hex with the position', () => {
    const doc = JSON.parse(JSON.stringify(treeToOtlpJson(otlpFromSpans([span()]))));
    const bad = structuredClone(doc);
    bad.resourceSpans[0].scopeSpans[0].spans[0].spanId = 'abc';
    expect(() => otlpJsonToTree(bad, 'f.json')).toThrow(/f\.json: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId.*3 hex digits/);
    const nonHex = structuredClone(doc);
    nonHex.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'z'.repeat(32);
    expect(() => otlpJsonToTree(nonHex, 'f.json')).toThrow(/not hex/);
    const negative = structuredClone(doc);
    negative.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano = '1';
    expect(() => spansFromOtlp(otlpJsonToTree(negative, 'f.json'), 'f.json')).toThrow(InputFormatError);
  });

  it('reads every Jaeger HEAD OTLP fixture', () => {
    const dir = sharedDataPath('jaeger-integration/fixtures-otlp-head/traces');
    if (!dir) return;
    for (const file of readdirSync(dir)) {
      const spans = spansFromOtlp(otlpJsonToTree(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), file), file);
      expect(spans.length, file).toBeGreaterThan(0);
      for (const s of spans) expect(s.process.serviceName, file).not.toBe('');
    }
  });
});

describe('Jaeger UI JSON mapping', () => {
  it('round-trips a trace, deduplicating processes and keeping int64 beyond 2^53 exact', () => {
    const trace = { spans: [span(), span({ spanId: '0000000000000005' })] };
    const json = JSON.parse(JSON.stringify(jaegerJsonFromTrace(trace)));
    expect(Object.keys(json.processes)).toEqual(['p1']);
    expect(json.traceID).toBe('0000000000000abc');
    expect(json.spans[0].tags[0]).toEqual({ key: 'big', type: 'int64', value: '9007199254740993' });
    expect(traceFromJaegerJson(json, 'x')).toEqual(trace);
  });

  it('accepts envelopes, arrays and bare traces; names the position of a bad entry', () => {
    const t = JSON.parse(JSON.stringify(jaegerJsonFromTrace({ spans: [span()] })));
    expect(tracesFromJaegerJson({ data: [t, t] }, 'a.json')).toHaveLength(2);
    expect(tracesFromJaegerJson([t], 'a.json')).toHaveLength(1);
    expect(tracesFromJaegerJson(t, 'a.json')).toHaveLength(1);
    const bad = structuredClone(t);
    bad.spans[0].duration = -5;
    expect(() => tracesFromJaegerJson({ data: [t, bad] }, 'a.json')).toThrow('a.json: data[1].spans[0].duration: negative duration -5µs');
    const badId = structuredClone(t);
    badId.spans[0].spanID = 'xyz';
    expect(() => tracesFromJaegerJson({ data: [badId] }, 'a.json')).toThrow(/a\.json: data\[0\]\.spans\[0\]\.spanID: invalid span id "xyz"/);
  });

  it('reads the jaeger-ui OTLP→Jaeger expected output', () => {
    const file = sharedDataPath('sample-traces/jaeger-ui-fixtures/utils__fixtures__otlp2jaeger-out.json');
    if (!file) return;
    const [trace] = tracesFromJaegerJson(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(trace.spans[0].process.serviceName).toBe('telemetrygen');
    expect(trace.spans[0].tags.find((t) => t.key === 'span.kind')).toMatchObject({ value: 'server' });
  });
});

describe('Jaeger UI JSON int64 precision', () => {
  it('rejects an int64 written as a JSON number beyond 2^53 instead of silently rounding it', () => {
    const t = JSON.parse(JSON.stringify(jaegerJsonFromTrace({ spans: [span()] })));
    t.spans[0].tags[0].value = 9007199254740993; // already rounded by JSON.parse
    expect(() => traceFromJaegerJson(t, 'b.json')).toThrow(/b\.json\.spans\[0\]\.tags\[0\]: int64 tag "big" .*write it as a string/);
  });
});
