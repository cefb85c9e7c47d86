import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/commands/context.js';
import { Command } from 'commander';
import { exportCommand } from '../../src/commands/export.js';
import { importCommand } from '../../src/commands/import.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { exportTraces } from '../../src/commands/run-export.js';
import type { ExportFormat } from '../../src/commands/run-export.js';
import { importTraceFiles } from '../../src/commands/run-import.js';
import type { ImportInput } from '../../src/commands/run-import.js';
import { readAllSpans } from '../../src/formats/trace-file-reader.js';
import type { Span } from '../../src/model/index.js';
import { openStore } from '../../src/storage/open-store.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { SpanReader, Store } from '../../src/storage/types.js';
import { BIN } from '../support/cli.js';

const FILES = fileURLToPath(new URL('../fixtures/files', import.meta.url));
const GOOD = path.join(FILES, 'good');
const BAD = path.join(FILES, 'bad');
const goodFiles = readdirSync(GOOD).sort().map((f) => path.join(GOOD, f));

const input = (file: string): ImportInput => ({ name: path.basename(file), open: () => createReadStream(file) });
const stringInput = (name: string, text: string): ImportInput => ({
  name,
  open: async function* () {
    yield text;
  },
});

/** Spans in a canonical order (trace, span, start) so stores' orders do not matter. */
function canonical(spans: readonly Span[]): Span[] {
  return [...spans].sort((a, b) => a.traceId.localeCompare(b.traceId) || a.spanId.localeCompare(b.spanId) || a.startTime - b.startTime);
}

/** The span without its OTLP fields: all that Jaeger JSON holds. */
const v1View = (s: Span): Span => ({ ...s, otel: undefined });

async function allSpans(reader: SpanReader): Promise<Span[]> {
  const out: Span[] = [];
  for await (const t of reader.findTraces({})) out.push(...t.spans);
  return canonical(out);
}

async function exportToText(reader: SpanReader, format: ExportFormat, traceIds?: string[]): Promise<string> {
  let text = '';
  await exportTraces(reader, { format, traceIds, write: (c) => void (text += c) });
  return text;
}

async function importFiles(files: string[], store?: Store): Promise<Store> {
  const target = store ?? createMemoryStore();
  await importTraceFiles(target, { inputs: files.map(input), skipInvalid: false, batchSpans: 1000 });
  return target;
}

describe('import service', () => {
  it('imports every fixture format, counting traces, spans and formats per file', async () => {
    const store = createMemoryStore();
    const summary = await importTraceFiles(store, { inputs: goodFiles.map(input), skipInvalid: false, batchSpans: 3 });
    // mixed-lines-no-extension repeats trace f3 and d1: 16 distinct traces, 23 spans.
    expect(summary).toMatchObject({ traces: 16, spans: 23, skipped: 0 });
    expect(Object.fromEntries(summary.files.map((f) => [f.file, f.format]))).toEqual({
      'jaeger-array.json': 'Jaeger JSON',
      'jaeger-bare-trace.json': 'Jaeger JSON',
      'jaeger-data-object.json': 'Jaeger JSON',
      'jaeger-envelope.json': 'Jaeger JSON',
      'jaeger-lines.ndjson': 'Jaeger NDJSON',
      'mixed-lines-no-extension': 'Jaeger+OTLP NDJSON',
      'otlp-lines.jsonl': 'OTLP NDJSON',
      'otlp-requests-array.json': 'OTLP JSON',
      'otlp-traces.json': 'OTLP JSON',
    });
    expect(await allSpans(store)).toHaveLength(23);
    expect(await store.getServices()).toContain('checkout');
  });

  it('writes in batches of at most --batch spans, and reads inputs twice when they do not fit in memory', async () => {
    const batches: number[] = [];
    const store = createMemoryStore();
    const recording = { writeSpans: async (spans: readonly Span[]) => (batches.push(spans.length), store.writeSpans(spans)) };
    const opened: string[] = [];
    const inputs = goodFiles.map((f) => ({ name: f, open: () => (opened.push(f), createReadStream(f)) }));
    await importTraceFiles(recording, { inputs, skipInvalid: false, batchSpans: 4, retainSpans: 5 });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(23);
    expect(Math.max(...batches)).toBe(4);
    expect(opened).toHaveLength(goodFiles.length * 2);
    const direct = await importFiles(goodFiles);
    expect(await allSpans(store)).toEqual(await allSpans(direct));
  });

  it('all or nothing: a bad entry in any input writes nothing, and what was stored before stays', async () => {
    const store = await importFiles([path.join(GOOD, 'jaeger-envelope.json')]);
    const before = await allSpans(store);
    for (const badFile of readdirSync(BAD)) {
      const err = await importTraceFiles(store, {
        inputs: [input(path.join(GOOD, 'otlp-traces.json')), input(path.join(BAD, badFile))],
        skipInvalid: false,
        batchSpans: 1,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, badFile).toBeInstanceOf(Error);
      expect((err as Error).message, badFile).toMatch(new RegExp(`^${badFile.replace('.', '\\.')}.*; nothing was imported$`));
      expect(exitCodeFor(err), badFile).toBe(2);
      expect(await allSpans(store), badFile).toEqual(before);
    }
  });

  it('--skip-invalid imports the valid entries and counts the rest', async () => {
    const store = createMemoryStore();
    const skipped: string[] = [];
    const summary = await importTraceFiles(store, {
      inputs: [input(path.join(BAD, 'lines.ndjson')), input(path.join(BAD, 'negative-duration.json')), input(path.join(BAD, 'malformed.json'))],
      skipInvalid: true,
      batchSpans: 100,
      onSkipped: (e) => skipped.push(e.message),
    });
    expect(summary).toMatchObject({ traces: 5, spans: 5, skipped: 6 });
    expect(summary.files.map((f) => [f.file, f.spans, f.skipped])).toEqual([
      ['lines.ndjson', 3, 4],
      ['negative-duration.json', 2, 1],
      ['malformed.json', 0, 1],
    ]);
    expect(skipped[0]).toBe('lines.ndjson:2:30 (byte 323): malformed JSON: unexpected end of input (truncated JSON)');
    expect((await allSpans(store)).map((s) => s.operationName).sort()).toEqual(['ok', 'ok-0', 'ok-1', 'ok-3', 'ok-7']);
  });

  it('a store failure part-way says how much was written', async () => {
    let calls = 0;
    const failing = {
      writeSpans: async () => {
        if (++calls === 3) throw new Error('disk I/O error\n    at fake (x.js:1:1)');
      },
    };
    await expect(importTraceFiles(failing, { inputs: goodFiles.map(input), skipInvalid: false, batchSpans: 5 })).rejects.toThrow(
      /^writing to the store failed after 10 spans were imported: disk I\/O error$/,
    );
  });
});

describe('round trips', () => {
  it('Jaeger JSON: import → export → import gives identical spans (typed tags exact, reference order kept)', async () => {
    const first = await importFiles(goodFiles);
    const exported = await exportToText(first, 'jaeger');
    expect(JSON.parse(exported)).toMatchObject({ total: 16, limit: 0, offset: 0, errors: null });
    const second = createMemoryStore();
    await importTraceFiles(second, { inputs: [stringInput('export.json', exported)], skipInvalid: false, batchSpans: 1000 });
    // Jaeger JSON is the v1 view: OTLP inputs' own fields (Span.otel) are not in it.
    expect(await allSpans(second)).toEqual((await allSpans(first)).map(v1View));
    const big = (await allSpans(second)).find((s) => s.spanId === '00000000000000a1')!;
    expect(big.tags).toContainEqual({ key: 'big.counter', type: 'int64', value: 9223372036854775807n });
    expect((await allSpans(second)).find((s) => s.spanId === '00000000000000a2')!.references.map((r) => r.refType)).toEqual(['FOLLOWS_FROM', 'CHILD_OF']);
  });

  it('OTLP JSON: OTLP input survives import → export --format otlp → import unchanged', async () => {
    const otlpFiles = ['otlp-traces.json', 'otlp-requests-array.json', 'otlp-lines.jsonl'].map((f) => path.join(GOOD, f));
    const first = await importFiles(otlpFiles);
    const exported = await exportToText(first, 'otlp');
    expect(Object.keys(JSON.parse(exported))).toEqual(['resourceSpans']);
    const second = createMemoryStore();
    await importTraceFiles(second, { inputs: [stringInput('export.json', exported)], skipInvalid: false, batchSpans: 1000 });
    expect(await allSpans(second)).toEqual(await allSpans(first));
  });

  it('OTLP export of Jaeger input is a fixed point after one conversion', async () => {
    const first = await importFiles(goodFiles);
    const once = createMemoryStore();
    await importTraceFiles(once, { inputs: [stringInput('a.json', await exportToText(first, 'otlp'))], skipInvalid: false, batchSpans: 1000 });
    const twice = createMemoryStore();
    await importTraceFiles(twice, { inputs: [stringInput('b.json', await exportToText(once, 'otlp'))], skipInvalid: false, batchSpans: 1000 });
    expect(await allSpans(twice)).toEqual(await allSpans(once));
    expect(await allSpans(once)).toHaveLength(23);
  });
});

const sqliteAvailable = await (async () => {
  const probe = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-probe-'));
  try {
    await (await openStore(`sqlite:${path.join(probe, 'p.db')}`)).close();
    return true;
  } catch {
    console.warn('skipping sqlite round trips: the sqlite: store is not available');
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
})();

describe.skipIf(!sqliteAvailable)('round trips through a real sqlite file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-roundtrip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['jaeger', 'otlp'] as const)('import → sqlite → export %s → import → sqlite keeps every span', async (format) => {
    const reference = await importFiles(goodFiles);
    const first = await openStore(`sqlite:${path.join(dir, `first-${format}.db`)}`);
    await importTraceFiles(first, { inputs: goodFiles.map(input), skipInvalid: false, batchSpans: 7 });
    expect(await allSpans(first)).toEqual(await allSpans(reference));
    const exported = await exportToText(first, format);
    await first.close();
    const second = await openStore(`sqlite:${path.join(dir, `second-${format}.db`)}`);
    await importTraceFiles(second, { inputs: [stringInput('export.json', exported)], skipInvalid: false, batchSpans: 1000 });
    const converted = createMemoryStore();
    await importTraceFiles(converted, { inputs: [stringInput('export.json', await exportToText(reference, format))], skipInvalid: false, batchSpans: 1000 });
    expect(await allSpans(second)).toEqual(await allSpans(format === 'jaeger' ? reference : converted).then((spans) => (format === 'jaeger' ? spans.map(v1View) : spans)));
    await second.close();
  });
});

/** The real import and export commands (as program.ts registers them), in-process, output captured. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    out: (t) => void (stdout += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void (stderr += t.endsWith('\n') ? t : `${t}\n`),
    stderrIsTTY: false,
    env: {},
    now: () => Date.UTC(2023, 10, 15) * 1000,
  };
  try {
    const output = { writeOut: ctx.out, writeErr: ctx.err, outputError: () => {} };
    const program = new Command('jaeger-sls').exitOverride().configureOutput(output);
    for (const make of [importCommand, exportCommand]) program.addCommand(make(ctx).exitOverride().configureOutput(output));
    await program.parseAsync(['node', 'jaeger-sls', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: exitCodeFor(err), stdout, stderr: stderr + String((err as Error).message) };
  }
}

describe('export command (file: store, in-process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-export-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const ids = async (args: string[]) => {
    const r = await cli(['export', '--store', `file:${GOOD}`, ...args]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout).data as { traceID: string }[]).map((t) => t.traceID).sort();
  };

  it('exports everything, by trace id, and by service / operation / tag / duration / time / limit', async () => {
    expect(await ids([])).toHaveLength(16);
    expect(await ids(['--trace-id', 'F1', '--trace-id', '5b8efff798038103d269b633813fc60c'])).toEqual(['00000000000000f1', '5b8efff798038103d269b633813fc60c']);
    expect(await ids(['--trace-id', 'f1,f2'])).toEqual(['00000000000000f1', '00000000000000f2']);
    expect(await ids(['--service', 'catalog'])).toEqual(['00000000000000f1', '00000000000000f2', '00000000000000f3', '00000000000000f4']);
    expect(await ids(['--service', 'catalog', '--operation', 'list'])).toEqual(['00000000000000f1', '00000000000000f2']);
    expect(await ids(['--tag', 'db.statement=SELECT 1'])).toEqual(['00000000000000f1']);
    expect(await ids(['--tag', 'http.status_code=500', '--tag', 'span.kind=server'])).toEqual(['5b8efff798038103d269b633813fc60c']);
    expect(await ids(['--service', 'catalog', '--min-duration', '301us'])).toEqual(['00000000000000f2']);
    expect(await ids(['--service', 'catalog', '--max-duration', '0.02ms'])).toEqual(['00000000000000f3']);
    expect(await ids(['--service', 'catalog', '--limit', '1'])).toEqual(['00000000000000f4']);
    expect(await ids(['--start', '1700000401000000', '--end', '1700000402000000'])).toEqual(['00000000000000f2', '00000000000000f3']);
    expect(await ids(['--service', 'catalog', '--end', '2023-11-14T22:20:01Z'])).toEqual(['00000000000000f1', '00000000000000f2']);
    // now() is 2023-11-15T00:00:00Z in these tests; the catalog traces start at 2023-11-14T22:20:00Z.
    // No match: exit 3; on stdout the (already streamed) document is complete and empty.
    const none = await cli(['export', '--store', `file:${GOOD}`, '--service', 'catalog', '--since', '1h']);
    expect(none).toMatchObject({ code: 3, stderr: 'no traces match the query' });
    expect(JSON.parse(none.stdout).data).toEqual([]);
    expect(await ids(['--service', 'catalog', '--since', '2h'])).toHaveLength(4);
  });

  it('writes --output atomically and in the chosen format; reports counts on stderr only', async () => {
    const out = path.join(dir, 'nested', 'traces.json');
    await mkdir(path.dirname(out));
    const r = await cli(['export', '--store', `file:${GOOD}`, '--service', 'checkout', '--format', 'otlp', '--output', out]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe(`exported 1 traces (3 spans) to ${out}\n`);
    expect(readdirSync(path.dirname(out))).toEqual(['traces.json']);
    const spans = await readAllSpans(out, createReadStream(out));
    expect(spans.map((s) => s.operationName).sort()).toEqual(['POST /order', 'SELECT orders', 'reserve']);
  });

  it('usage errors exit 2 and name the flag; a missing trace exits 3 (no data) naming it', async () => {
    expect(await cli(['export', '--store', `file:${GOOD}`, '--trace-id', 'xyz'])).toMatchObject({ code: 2, stderr: expect.stringContaining('invalid trace id "xyz"') });
    expect(await cli(['export', '--store', `file:${GOOD}`, '--trace-id', 'f1', '--service', 'a'])).toMatchObject({ code: 2 });
    expect(await cli(['export', '--store', `file:${GOOD}`, '--tag', 'novalue'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--tag: expected key=value') });
    expect(await cli(['export', '--store', `file:${GOOD}`, '--min-duration', 'fast'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--min-duration') });
    expect(await cli(['export', '--store', `file:${GOOD}`, '--format', 'zipkin'])).toMatchObject({ code: 2 });
    expect(await cli(['export', '--store', `file:${GOOD}`, '--trace-id', 'abcdef'])).toMatchObject({
      code: 3,
      stderr: 'trace 00000000000000000000000000abcdef not found',
    });
  });

  it('a file: store is read-only and refuses a folder with a bad trace file, naming the entry', async () => {
    const r = await cli(['import', '--store', `file:${GOOD}`, path.join(GOOD, 'jaeger-array.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('file: stores are read-only');
    const broken = await cli(['export', '--store', `file:${FILES}`]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/bad\/lines\.ndjson:2:30 \(byte 323\): malformed JSON/);
    const missing = await cli(['export', '--store', `file:${path.join(dir, 'nope')}`]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or folder') });
  });

  it('a file: folder skips files that are not trace data (with a note) and serves deps-style reads', async () => {
    const folder = path.join(dir, 'mixed');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    await writeFile(path.join(folder, 'deps.json'), readFileSync(path.join(BAD, 'not-traces.json')));
    await writeFile(path.join(folder, 'trace.json'), readFileSync(path.join(GOOD, 'jaeger-bare-trace.json')));
    const notes: string[] = [];
    const store = await openStore(`file:${folder}`, { log: (l) => notes.push(l) });
    expect(notes).toEqual([expect.stringMatching(/^file store: skipping .*deps\.json: not trace data/)]);
    expect(await store.getServices()).toEqual(['api', 'db']);
    expect(await store.getDependencies(1700000200000000, 200_000_000)).toEqual([{ parent: 'api', child: 'db', callCount: 1 }]);
    await expect(store.writeSpans([])).rejects.toThrow('file: stores are read-only');
    await store.close();
  });
});

describe('import command (in-process)', () => {
  it('prints one JSON summary line on stdout and the human summary on stderr', async () => {
    const r = await cli(['import', '--store', 'memory:', GOOD]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    // A folder is read for *.json, *.ndjson, *.jsonl: the extension-less file is left out.
    expect(JSON.parse(r.stdout)).toMatchObject({ traces: 16, spans: 21, skipped: 0 });
    expect(r.stderr).toBe('imported 16 traces (21 spans) from 8 files\n');
    const quiet = await cli(['import', '--store', 'memory:', '--quiet', GOOD]);
    expect(quiet.stderr).toBe('');
  });

  it('--skip-invalid lists each skipped entry and the counts on stderr', async () => {
    const r = await cli(['import', '--store', 'memory:', '--skip-invalid', path.join(BAD, 'lines.ndjson')]);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^skipped .*lines\.ndjson:2:30 \(byte 323\): malformed JSON/);
    expect(lines[4]).toBe('imported 3 traces (3 spans) from 1 file, skipped 4 invalid entries');
  });

  it('rejects a bad --batch, a missing file and a folder without trace files as usage errors', async () => {
    expect(await cli(['import', '--store', 'memory:', '--batch', '0', GOOD])).toMatchObject({ code: 2, stderr: expect.stringContaining('--batch') });
    expect(await cli(['import', '--store', 'memory:', path.join(GOOD, 'missing.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file') });
    const empty = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-empty-'));
    try {
      expect(await cli(['import', '--store', 'memory:', empty])).toMatchObject({ code: 2, stderr: expect.stringContaining('no *.json, *.ndjson or *.jsonl files') });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('exported files load where Jaeger loads them', () => {
  it('the Jaeger export is the UI "Download Results" shape: {data:[{traceID, spans, processes, warnings}]}', async () => {
    const store = await importFiles([path.join(GOOD, 'jaeger-envelope.json')]);
    const doc = JSON.parse(await exportToText(store, 'jaeger', ['00000000000000007f0c2d1e9a4b3c5d']));
    expect(doc.data).toHaveLength(1);
    const trace = doc.data[0];
    expect(trace.traceID).toBe('7f0c2d1e9a4b3c5d');
    expect(Object.values(trace.processes).map((p) => (p as { serviceName: string }).serviceName).sort()).toEqual(['frontend', 'payments']);
    for (const s of trace.spans) expect(Object.keys(trace.processes)).toContain(s.processID);
    expect(await readFile(path.join(GOOD, 'jaeger-envelope.json'), 'utf8')).toContain('"9223372036854775807"');
    expect(trace.spans[0].tags).toContainEqual({ key: 'big.counter', type: 'int64', value: '9223372036854775807' });
  });
});

const hasScript = existsSync('/usr/bin/script');

describe.skipIf(!hasScript)('progress on a terminal (util-linux script gives the CLI a pseudo-terminal)', () => {
  const onTerminal = (args: string) =>
    spawnSync('/usr/bin/script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 }).stdout;

  it('draws a progress line on stderr when it is a terminal, and none with --quiet', () => {
    const file = path.join(GOOD, 'otlp-lines.jsonl');
    const shown = onTerminal(`import --store memory: ${file}`);
    expect(shown).toMatch(/\rvalidating spans 3\u001b\[K/);
    expect(shown).toMatch(/\rimporting spans 3\u001b\[K/);
    expect(onTerminal(`import --store memory: --quiet ${file}`)).not.toContain('importing spans');
  });
});
