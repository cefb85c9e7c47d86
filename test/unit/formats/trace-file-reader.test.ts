import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/index.js';
import { detectLayout, parseJsonContainer, traceItemsOf } from '../../../src/formats/detect.js';
import { readAllSpans, readTraceFile } from '../../../src/formats/trace-file-reader.js';
import type { ReadTraceFileOptions, TraceFileEntry } from '../../../src/formats/trace-file-reader.js';
import { sharedDataPath } from '../../support/shared-data.js';

const FILES = fileURLToPath(new URL('../../fixtures/files', import.meta.url));
const good = (name: string) => path.join(FILES, 'good', name);
const bad = (name: string) => path.join(FILES, 'bad', name);

interface Read {
  layout?: string;
  spans: Span[];
  formats: string[];
  errors: string[];
  unrecognised: boolean[];
}

async function read(name: string, bytes: AsyncIterable<Uint8Array | string>, options: ReadTraceFileOptions = {}): Promise<Read> {
  const out: Read = { spans: [], formats: [], errors: [], unrecognised: [] };
  for await (const e of readTraceFile(name, bytes, { ...options, onLayout: (l) => (out.layout = l) })) collect(out, e);
  return out;
}

function collect(out: Read, e: TraceFileEntry): void {
  if (e.ok) {
    out.spans.push(...e.spans);
    if (!out.formats.includes(e.format)) out.formats.push(e.format);
  } else {
    out.errors.push(e.error.message);
    out.unrecognised.push(e.unrecognised);
  }
}

const readFile = (file: string, options?: ReadTraceFileOptions) => read(path.basename(file), createReadStream(file), options);

/** The file's bytes in chunks of `size`, to cross every boundary. */
async function* chunks(file: string, size: number): AsyncGenerator<Uint8Array> {
  const all = readFileSync(file);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function* chunks2(s: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe('content detection', () => {
  it.each([
    ['jaeger-envelope.json', 'document', ['jaeger'], 3],
    ['jaeger-bare-trace.json', 'document', ['jaeger'], 2],
    ['jaeger-data-object.json', 'document', ['jaeger'], 1],
    ['jaeger-array.json', 'document', ['jaeger'], 2],
    ['jaeger-lines.ndjson', 'ndjson', ['jaeger'], 5],
    ['otlp-traces.json', 'document', ['otlp'], 3],
    ['otlp-requests-array.json', 'document', ['otlp'], 2],
    ['otlp-lines.jsonl', 'ndjson', ['otlp'], 3],
    ['mixed-lines-no-extension', 'ndjson', ['jaeger', 'otlp'], 2],
  ])('%s is read as %s of %j with %i spans', async (name, layout, formats, spanCount) => {
    const r = await readFile(good(name));
    expect(r.errors).toEqual([]);
    expect(r.layout).toBe(layout);
    expect(r.formats).toEqual(formats);
    expect(r.spans).toHaveLength(spanCount);
  });

  it('does not depend on the file name: the same bytes under another name read the same', async () => {
    const a = await readFile(good('otlp-lines.jsonl'));
    const b = await read('whatever.txt', createReadStream(good('otlp-lines.jsonl')));
    expect(b.spans).toEqual(a.spans);
  });

  it('gives the same spans whatever the chunk boundaries (1, 7 and 4096 bytes)', async () => {
    for (const name of ['jaeger-lines.ndjson', 'jaeger-envelope.json', 'otlp-lines.jsonl']) {
      const whole = await readFile(good(name));
      for (const size of [1, 7, 4096]) {
        const r = await read(name, chunks(good(name), size));
        expect(r.errors).toEqual([]);
        expect(r.spans).toEqual(whole.spans);
      }
    }
  });

  it('reads a byte-order mark, CRLF line ends and blank lines', async () => {
    const lines = readFileSync(good('otlp-lines.jsonl'), 'utf8').trim().split('\n');
    const r = await read('bom.ndjson', text(`\ufeff${lines[0]}\r\n\r\n${lines[1]}\r\n`));
    expect(r.layout).toBe('ndjson');
    expect(r.errors).toEqual([]);
    expect(r.spans.map((s) => s.spanId)).toEqual(['00000000000000d1', '00000000000000d2']);
  });

  it('detects NDJSON whose first line is malformed from the next two lines', async () => {
    const lines = readFileSync(good('otlp-lines.jsonl'), 'utf8').trim().split('\n');
    const r = await read('x.ndjson', text(`{"resourceSpans": [\n${lines[1]}\n${lines[2]}\n`), { isolateInvalidSpans: true });
    expect(r.layout).toBe('ndjson');
    expect(r.errors).toEqual(['x.ndjson:1:20 (byte 19): malformed JSON: unexpected end of input (truncated JSON)']);
    expect(r.spans).toHaveLength(2);
  });

  it('detectLayout: a pretty document is never NDJSON, a complete first line always is', () => {
    const pretty = JSON.stringify({ data: [{ traceID: '1', spans: [] }, { traceID: '2', spans: [] }] }, null, 2).split('\n');
    expect(detectLayout(pretty.slice(0, 3).map(parseJsonContainer))).toBe('document');
    // `[\n{…}\n]`: line 2 alone is complete but line 3 is not, so still one document.
    expect(detectLayout(['[', '{"traceID":"1","spans":[]}', ']'].map(parseJsonContainer))).toBe('document');
    expect(detectLayout(['{"traceID":"1","spans":[]}'].map(parseJsonContainer))).toBe('ndjson');
  });

  it('traceItemsOf: envelopes, bare traces, arrays, OTLP, and values that are not traces', () => {
    const t = { traceID: '1', spans: [] };
    const kinds = (v: unknown) => traceItemsOf(v).map((i) => `${i.kind}@${i.path}`);
    expect(kinds({ data: [t, t] })).toEqual(['jaeger@data[0]', 'jaeger@data[1]']);
    expect(kinds({ data: t })).toEqual(['jaeger@data']);
    expect(kinds({ data: null })).toEqual([]);
    expect(kinds(t)).toEqual(['jaeger@']);
    expect(kinds([t, { resourceSpans: [] }])).toEqual(['jaeger@[0]', 'otlp@[1]']);
    expect(kinds({ resourceSpans: [] })).toEqual(['otlp@']);
    expect(traceItemsOf([{ parent: 'a', child: 'b', callCount: 1 }])[0]).toMatchObject({ kind: 'invalid', unrecognised: true });
    expect(traceItemsOf(42)[0]).toMatchObject({ kind: 'invalid', reason: 'expected a trace object, found a number' });
    expect(traceItemsOf({ spans: [{ traceId: 'AAAA' }] })[0]).toMatchObject({ kind: 'invalid', unrecognised: false });
  });
});

describe('typed content', () => {
  it('keeps typed tags exact, references in order, processes, flags, warnings and logs (Jaeger JSON)', async () => {
    const [root, child, other] = await readAllSpans('e', createReadStream(good('jaeger-envelope.json')));
    expect(root.traceId).toBe('00000000000000007f0c2d1e9a4b3c5d');
    expect(root.flags).toBe(1);
    expect(root.tags).toEqual([
      { key: 'span.kind', type: 'string', value: 'server' },
      { key: 'http.status_code', type: 'int64', value: 200n },
      { key: 'big.counter', type: 'int64', value: 9223372036854775807n },
      { key: 'ratio', type: 'float64', value: 0.25 },
      { key: 'sampled', type: 'bool', value: true },
      { key: 'payload', type: 'binary', value: new Uint8Array([0, 1, 2, 255]) },
    ]);
    expect(root.logs).toEqual([
      { timestamp: 1700000000001000, fields: [{ key: 'event', type: 'string', value: 'cache miss' }, { key: 'attempt', type: 'int64', value: -3n }] },
    ]);
    expect(root.process).toEqual({ serviceName: 'frontend', tags: [{ key: 'hostname', type: 'string', value: 'web-1' }, { key: 'ip', type: 'string', value: '10.0.0.1' }] });
    expect(child.references).toEqual([
      { refType: 'FOLLOWS_FROM', traceId: '0000000000000000000000000000beef', spanId: '00000000000000b1' },
      { refType: 'CHILD_OF', traceId: '00000000000000007f0c2d1e9a4b3c5d', spanId: '00000000000000a1' },
    ]);
    expect(child.warnings).toEqual(['clock skew adjusted']);
    expect(other).toMatchObject({ traceId: '3b9aca00c0ffee00aa55aa55aa55aa55', duration: 0, process: { serviceName: 'worker' } });
  });

  it('maps OTLP: service, resource tags, kind, status, events, links, typed attributes (ns → µs)', async () => {
    const [order, select, reserve] = await readAllSpans('o', createReadStream(good('otlp-traces.json')));
    expect(order).toMatchObject({ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', operationName: 'POST /order', startTime: 1700000500000000, duration: 250000 });
    expect(order.process.serviceName).toBe('checkout');
    expect(order.process.tags).toContainEqual({ key: 'process.pid', type: 'int64', value: 4242n });
    expect(order.tags).toContainEqual({ key: 'blob', type: 'binary', value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) });
    expect(order.tags).toContainEqual({ key: 'span.kind', type: 'string', value: 'server' });
    expect(order.tags).toContainEqual({ key: 'error', type: 'bool', value: true });
    expect(order.logs[0].fields).toContainEqual({ key: 'event', type: 'string', value: 'exception' });
    expect(select.references).toEqual([
      { refType: 'CHILD_OF', traceId: order.traceId, spanId: 'eee19b7ec3c1b174' },
      { refType: 'FOLLOWS_FROM', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
    ]);
    expect(reserve.process).toEqual({ serviceName: 'inventory', tags: [] });
  });
});

describe('bad input: file, position and reason', () => {
  it.each([
    ['malformed.json', 'malformed.json:5:7 (byte 47): malformed JSON: unexpected character "\\"" where \',\' or \'}\' was expected'],
    ['truncated.json', 'truncated.json:8:22 (byte 120): malformed JSON: unexpected end of input (truncated JSON)'],
    ['wrong-id-length.json', 'wrong-id-length.json: data[1].spans[0].spanID: invalid span id "00000000000000201": expected 1 to 16 hex digits'],
    ['non-hex-id.json', 'non-hex-id.json: data[1].spans[0].traceID: invalid trace id "xyz-not-hex": expected 1 to 32 hex digits'],
    ['negative-duration.json', 'negative-duration.json: data[1].spans[1].duration: negative duration -1µs'],
    ['otlp-wrong-id-length.json', 'otlp-wrong-id-length.json: resourceSpans[0].scopeSpans[0].spans[1].traceId: "000000000000000000000000000302" has 30 hex digits, expected 32'],
    ['otlp-negative-duration.json', 'otlp-negative-duration.json: resourceSpans[0].scopeSpans[0].spans[1]: endTimeUnixNano is before startTimeUnixNano (negative duration)'],
  ])('%s', async (name, message) => {
    const strict = await readFile(bad(name));
    expect(strict.errors).toEqual([message]);
    expect(strict.unrecognised).toEqual([false]);
  });

  it('NDJSON: every bad line named by line number; the good lines still read', async () => {
    const r = await readFile(bad('lines.ndjson'));
    expect(r.errors).toEqual([
      'lines.ndjson:2:30 (byte 323): malformed JSON: unexpected end of input (truncated JSON)',
      'lines.ndjson:4: $.spans[0].spanID: invalid span id "zz00000000000104": expected 1 to 16 hex digits',
      'lines.ndjson:5: $.spans[0].traceID: invalid trace id "111111111111111111111111111111111": expected 1 to 32 hex digits',
      'lines.ndjson:6: $.spans[0].duration: negative duration -5µs',
    ]);
    expect(r.spans.map((s) => s.operationName)).toEqual(['ok-1', 'ok-3', 'ok-7']);
  });

  it('isolating invalid spans keeps the good spans of a bad trace or OTLP request', async () => {
    const jaeger = await readFile(bad('negative-duration.json'), { isolateInvalidSpans: true });
    expect(jaeger.errors).toEqual(['negative-duration.json: data[1].spans[1].duration: negative duration -1µs']);
    expect(jaeger.spans.map((s) => s.operationName)).toEqual(['ok-0', 'ok']);
    const otlp = await readFile(bad('otlp-wrong-id-length.json'), { isolateInvalidSpans: true });
    expect(otlp.errors).toEqual([
      'otlp-wrong-id-length.json: resourceSpans[0].scopeSpans[0].spans[1].traceId: "000000000000000000000000000302" has 30 hex digits, expected 32',
    ]);
    expect(otlp.spans.map((s) => s.operationName)).toEqual(['fine']);
  });

  it('rejects a 10 MB tag value, naming the span', async () => {
    const trace = JSON.parse(readFileSync(good('jaeger-bare-trace.json'), 'utf8'));
    trace.spans[1].tags.push({ key: 'huge', type: 'string', value: 'x'.repeat(10 * 1024 * 1024) });
    const r = await read('huge.json', text(JSON.stringify(trace, null, 1)));
    expect(r.errors).toEqual(['huge.json: $.spans[1]: tag "huge" is 10485760 characters (at most 1048576)']);
    expect(r.spans).toEqual([]);
  });

  it('OTLP: a too-long attribute and a bad id in a later ResourceSpans are named by their path in the file', async () => {
    const doc = JSON.parse(readFileSync(good('otlp-traces.json'), 'utf8'));
    doc.resourceSpans[0].scopeSpans[0].spans[1].attributes.push({ key: 'big', value: { stringValue: 'y'.repeat(2_000_000) } });
    const big = await read('big.json', text(JSON.stringify(doc, null, 1)));
    expect(big.errors).toEqual(['big.json: resourceSpans[0].scopeSpans[0].spans[1]: tag "big" is 2000000 characters (at most 1048576)']);
    const bad = JSON.parse(readFileSync(good('otlp-traces.json'), 'utf8'));
    bad.resourceSpans[1].scopeSpans[0].spans[0].spanId = 'nothex!!nothex!!';
    const r = await read('bad.json', text(JSON.stringify(bad, null, 1)), { isolateInvalidSpans: true });
    expect(r.errors).toEqual(['bad.json: resourceSpans[1].scopeSpans[0].spans[0].spanId: "nothex!!nothex!!" is not hex']);
    expect(r.spans.map((s) => s.operationName)).toEqual(['POST /order', 'SELECT orders']);
  });

  it('refuses a value or line over the size limit instead of exhausting memory', async () => {
    const r = await readFile(good('jaeger-envelope.json'), { maxDocumentBytes: 1024 });
    expect(r.errors).toEqual(['jaeger-envelope.json:3:5 (byte 18): a single JSON value or line larger than 1024 bytes; split it, or write one trace per line (NDJSON)']);
    const lines = await readFile(good('jaeger-lines.ndjson'), { maxDocumentBytes: 200 });
    expect(lines.errors).toEqual(['jaeger-lines.ndjson:1:11 (byte 10): a single JSON value or line larger than 200 bytes; split it, or write one trace per line (NDJSON)']);
  });

  it('streams a one-line document longer than the line limit as a document', async () => {
    const compact = JSON.stringify(JSON.parse(readFileSync(good('jaeger-envelope.json'), 'utf8')));
    expect(compact.length).toBeGreaterThan(1600); // the line is over the limit, each trace under it
    const r = await read('compact.json', chunks2(compact, 64), { maxDocumentBytes: 1600 });
    expect(r.layout).toBe('document');
    expect(r.errors).toEqual([]);
    expect(r.spans).toHaveLength(3);
  });

  it('streams a document: elements before a syntax error are read, the error names its line', async () => {
    const doc = readFileSync(good('jaeger-array.json'), 'utf8').replace(/\n\]\n$/, '\n,{"traceID": oops}\n]\n');
    const r = await read('broken.json', text(doc), { isolateInvalidSpans: true });
    expect(r.spans).toHaveLength(2);
    expect(r.errors).toEqual(['broken.json:4:14 (byte 530): malformed JSON: unexpected token "oops" where a value was expected']);
  });

  it('an empty file and a file of something else are unrecognised, not bad traces', async () => {
    expect(await read('empty.json', text(' \n\n'))).toMatchObject({ errors: ['empty.json: empty file: no JSON found'], unrecognised: [true] });
    const deps = await readFile(bad('not-traces.json'));
    expect(deps.unrecognised).toEqual([true]);
    expect(deps.errors[0]).toMatch(/^not-traces\.json: \[0\]: not trace data: .*found keys "parent", "child", "callCount"$/);
  });

  it('a bare trace with a malformed member is reported once, not read without it', async () => {
    const doc = '{\n "traceID": "1",\n "spans": [],\n "processes": {"p1": {"serviceName": x}}\n}\n';
    const r = await read('x.json', text(doc), { isolateInvalidSpans: true });
    expect(r.errors).toEqual(['x.json:4:38 (byte 70): malformed JSON: unexpected token "x" where a value was expected']);
    expect(r.spans).toEqual([]);
  });

  it('an empty envelope or array (an export that matched nothing) is no traces, not an error', async () => {
    for (const doc of ['{"data":[\n],"total":0,"limit":0,"offset":0,"errors":null}\n', '[]', '{"resourceSpans":[]}', '{"data": null}']) {
      expect(await read('empty.json', text(doc))).toMatchObject({ spans: [], errors: [] });
    }
  });

  it('readAllSpans throws the first error', async () => {
    await expect(readAllSpans('x', createReadStream(bad('non-hex-id.json')))).rejects.toThrow(/non-hex-id|xyz-not-hex/);
  });
});

describe('shared samples (skipped when ../shared/data is absent)', () => {
  const ui = sharedDataPath('sample-traces/jaeger-ui-fixtures');
  const crisp = sharedDataPath('sample-traces/crisp-test-cases');
  const head = sharedDataPath('jaeger-integration/fixtures-otlp-head/traces');

  it.skipIf(!ui)('jaeger-ui otlp2jaeger fixtures: the OTLP input and the Jaeger output describe the same span', async () => {
    const otlp = await readAllSpans('in', createReadStream(path.join(ui!, 'utils__fixtures__otlp2jaeger-in-error.json')));
    const jaeger = await readAllSpans('out', createReadStream(path.join(ui!, 'utils__fixtures__otlp2jaeger-out.json')));
    expect(otlp).toHaveLength(1);
    expect(jaeger).toHaveLength(2); // the upstream fixture lists the span twice
    for (const s of jaeger) {
      expect(s).toMatchObject({ traceId: otlp[0].traceId, spanId: otlp[0].spanId, operationName: otlp[0].operationName, startTime: otlp[0].startTime, duration: otlp[0].duration });
      expect(s.references).toEqual(otlp[0].references);
    }
  });

  it.skipIf(!ui)('jaeger-ui trace fixtures: hex ids read (also the redux {data:{…}} shape); non-hex ids like "trace-123" rejected', async () => {
    const flame = await readAllSpans('f', createReadStream(path.join(ui!, 'components__TracePage__TraceFlamegraph__testTrace.json')));
    expect(new Set(flame.map((s) => s.process.serviceName))).toEqual(new Set(['load-generator', 'ride-sharing-app']));
    const r = await readFile(path.join(ui!, 'components__TracePage__TraceStatistics__tableValuesTestTrace__testTrace.json'));
    expect(r.errors).toEqual([
      'components__TracePage__TraceStatistics__tableValuesTestTrace__testTrace.json: $.spans[0].traceID: invalid trace id "trace-123": expected 1 to 32 hex digits',
    ]);
  });

  it.skipIf(!crisp)('crisp letter ids: read as hex the way Jaeger parses ids ("A" = 0xa), and "G" rejected with its position', async () => {
    const ok = await readAllSpans('p', createReadStream(path.join(crisp!, 'err_patterns', 'err_pattern1_err1.json')));
    expect(ok.map((s) => s.spanId).sort()).toEqual(['000000000000000a', '000000000000000b']);
    const r = await readFile(path.join(crisp!, 'trace_15.json'), { isolateInvalidSpans: true });
    expect(r.errors).toEqual(['trace_15.json: data[0].spans[6].spanID: invalid span id "G": expected 1 to 16 hex digits']);
    expect(r.spans).toHaveLength(6);
  });

  it.skipIf(!head)('every Jaeger HEAD OTLP fixture reads as one OTLP document of one trace', async () => {
    const files = readdirSync(head!).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) {
      const r = await readFile(path.join(head!, f));
      expect(r.errors, f).toEqual([]);
      expect(r.layout, f).toBe('document');
      expect(r.formats, f).toEqual(['otlp']);
      expect(new Set(r.spans.map((s) => s.traceId)).size, f).toBe(1);
    }
  });
});
