/**
 * Bad input through the real binary (`node bin/jaeger-sls.js`, needs a built dist/): every case gives
 * one line on stderr, the right exit code, no stack trace, nothing on stdout — and, on a real sqlite
 * file, the traces stored before the failed import are all still there.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/open-store.js';
import { runCli } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';

const FILES = fileURLToPath(new URL('../fixtures/files', import.meta.url));
const GOOD = path.join(FILES, 'good');
const BAD = path.join(FILES, 'bad');

let dir: string;
let hugeTag: string;
/** A regular file: anything "inside" it cannot be created. */
let notAFolder: string;

/** `sqlite:` is built by another part of the project; these checks run once it is registered. */
const sqliteAvailable = await (async () => {
  const probe = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-probe-'));
  try {
    const store = await openStore(`sqlite:${path.join(probe, 'probe.db')}`);
    await store.close();
    return true;
  } catch {
    console.warn('skipping sqlite-backed CLI error checks: the sqlite: store is not available yet');
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
})();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-cli-errors-'));
  const trace = JSON.parse(readFileSync(path.join(GOOD, 'jaeger-bare-trace.json'), 'utf8'));
  trace.spans[1].tags.push({ key: 'huge', type: 'string', value: 'x'.repeat(10 * 1024 * 1024) });
  hugeTag = path.join(dir, 'huge-tag.json');
  await writeFile(hugeTag, JSON.stringify({ data: [trace] }, null, 1));
  notAFolder = path.join(dir, 'plain-file');
  await writeFile(notAFolder, 'not a folder');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jaeger-sls: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** The bad inputs of the must-show list, each with the message that must name it. */
const BAD_INPUTS: [string, () => string, RegExp][] = [
  ['malformed JSON', () => path.join(BAD, 'malformed.json'), /malformed\.json:5:7 \(byte 47\): malformed JSON: .*; nothing was imported$/],
  ['truncated JSON', () => path.join(BAD, 'truncated.json'), /truncated\.json:8:22 \(byte 120\): malformed JSON: unexpected end of input/],
  ['a malformed NDJSON line', () => path.join(BAD, 'lines.ndjson'), /lines\.ndjson:2:30 \(byte 323\): malformed JSON/],
  ['a wrong span id length (Jaeger)', () => path.join(BAD, 'wrong-id-length.json'), /wrong-id-length\.json: data\[1\]\.spans\[0\]\.spanID: invalid span id "00000000000000201"/],
  ['a wrong trace id length (OTLP)', () => path.join(BAD, 'otlp-wrong-id-length.json'), /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\.traceId: .* has 30 hex digits, expected 32/],
  ['a non-hex id', () => path.join(BAD, 'non-hex-id.json'), /non-hex-id\.json: data\[1\]\.spans\[0\]\.traceID: invalid trace id "xyz-not-hex"/],
  ['a negative duration (Jaeger)', () => path.join(BAD, 'negative-duration.json'), /negative-duration\.json: data\[1\]\.spans\[1\]\.duration: negative duration -1µs/],
  ['a negative duration (OTLP)', () => path.join(BAD, 'otlp-negative-duration.json'), /spans\[1\]: endTimeUnixNano is before startTimeUnixNano \(negative duration\)/],
  ['a 10 MB tag value', () => hugeTag, /huge-tag\.json: data\[0\]\.spans\[1\]: tag "huge" is 10485760 characters \(at most 1048576\)/],
  ['not trace data', () => path.join(BAD, 'not-traces.json'), /not-traces\.json: \[0\]: not trace data/],
];

describe('import: bad input gives one line, exit 2, no stack trace', () => {
  // Independent processes on memory: stores, so they may run side by side.
  it.concurrent.each(BAD_INPUTS)('%s', async (_name, file, pattern) => {
    expectOneLineError(await runCli(['import', '--store', 'memory:', file()]), 2, pattern);
  });

  it('bad input on stdin is named "stdin"', async () => {
    const r = await runCli(['import', '--store', 'memory:', '-'], { input: '{"data": [\n' });
    expectOneLineError(r, 2, /^jaeger-sls: stdin:2:1 \(byte 11\): malformed JSON: unexpected end of input/);
  });

  it('good input on stdin imports, with the summary on stdout and no progress bar off a terminal', async () => {
    const r = await runCli(['import', '--store', 'memory:', '-'], { input: readFileSync(path.join(GOOD, 'otlp-lines.jsonl'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ traces: 3, spans: 3, files: [{ file: 'stdin', format: 'OTLP NDJSON' }] });
    expect(r.stderr).toBe('imported 3 traces (3 spans) from 1 file\n');
  });

  it('an unknown store scheme lists the valid ones (exit 2)', async () => {
    expectOneLineError(await runCli(['import', '--store', 'mysql://x', path.join(GOOD, 'jaeger-array.json')]), 2, /unknown store "mysql:\/\/x": expected one of sqlite:PATH, memory:/);
  });

  it('an --output inside a regular file is one line, exit 2', async () => {
    const r = await runCli(['export', '--store', `file:${GOOD}`, '--output', path.join(notAFolder, 'x.json')]);
    expectOneLineError(r, 2, /cannot write .*plain-file\/x\.json: .*plain-file is not a folder$/);
  });
});

describe.skipIf(!sqliteAvailable)('on a real sqlite file', () => {
  let db: string;
  let exportedBefore: string[];

  beforeAll(async () => {
    db = `sqlite:${path.join(dir, 'store.db')}`;
    const r = await runCli(['import', '--store', db, GOOD]);
    expect(r.code, r.stderr).toBe(0);
    expectedCounts = JSON.parse(r.stdout);
    exportedBefore = await exportAll(db);
  });
  let expectedCounts: { traces: number; spans: number };

  /**
   * Every stored trace, read in this process after the CLI has exited (canonical, comparable).
   * `jaegerView`: spans without their OTLP fields (`otel`), i.e. the Jaeger model as Jaeger JSON holds it.
   */
  async function exportAll(uri: string, jaegerView = false): Promise<string[]> {
    const store = await openStore(uri);
    try {
      const traces: string[] = [];
      for await (const t of store.findTraces({})) {
        const spans = t.spans.map(({ otel, ...jaeger }) =>
          JSON.stringify(jaegerView ? jaeger : { ...jaeger, otel }, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)),
        );
        traces.push(spans.sort().join('\n'));
      }
      return traces.sort();
    } finally {
      await store.close();
    }
  }

  it.each(BAD_INPUTS)('%s: refused, and every trace stored before is still there', async (_name, file, pattern) => {
    expectOneLineError(await runCli(['import', '--store', db, path.join(GOOD, 'otlp-traces.json'), file()]), 2, pattern);
    expect(await exportAll(db)).toEqual(exportedBefore);
  });

  // The export is Jaeger JSON, the Jaeger v1 model: spans imported from OTLP keep their v1 view, but
  // not what only OTLP carries (array attributes become JSON text, as in Jaeger's own translator).
  // OTLP export keeps that: test/integration/serve-otlp-property.test.ts.
  it('import → export (Jaeger JSON) → import into a second file gives the same traces as Jaeger shows them', async () => {
    const exported = path.join(dir, 'export.json');
    expect((await runCli(['export', '--store', db, '--output', exported])).code).toBe(0);
    const second = `sqlite:${path.join(dir, 'second.db')}`;
    const r = await runCli(['import', '--store', second, exported]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ traces: expectedCounts.traces, spans: expectedCounts.spans });
    expect(await exportAll(second, true)).toEqual(await exportAll(db, true));
  });

  it('an unwritable store path is one line, exit 1 or 2, no stack trace', async () => {
    const r = await runCli(['import', '--store', `sqlite:${path.join(notAFolder, 'db.sqlite')}`, path.join(GOOD, 'jaeger-array.json')]);
    expect([1, 2]).toContain(r.code);
    expectOneLineError(r, r.code!, /plain-file/);
  });
});
