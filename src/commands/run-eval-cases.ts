/**
 * `eval --cases DIR`: runs labelled real fault cases end to end and scores the service ranking.
 *
 * A case folder holds `case.json` (system, faultType, rootCause / rootCauses, incident and baseline
 * windows as RFC 3339) and the traces of both windows as trace files named `baseline.*` and
 * `incident.*` (any format `import` reads, gzip or not). DIR is one case folder or a folder of them
 * (searched recursively, sorted by path). Each case is imported into a fresh in-process `memory:`
 * store and analysed with the case's windows exactly as `anomalies` would be.
 *
 * Scoring: a case is a hit at k when any root-cause service is among the first k ranked services
 * (AC@k); Avg@5 is the mean of AC@1…AC@5; "all@k" asks for every root-cause service of the case
 * within the first k (the same as AC@k for one cause).
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AnomalyReport } from '../analysis/anomaly-report.js';
import { hitRanks, shareWithin } from '../analysis/eval-metrics.js';
import { readTraceFile, TRACE_FILE_READ_CHUNK } from '../formats/trace-file-reader.js';
import type { Span } from '../model/index.js';
import { InvalidArgumentError } from '../model/index.js';
import { openStore } from '../storage/open-store.js';
import type { SpanReader } from '../storage/types.js';
import type { AnomaliesOptions } from './run-anomalies.js';
import { ANOMALIES_DEFAULTS, runAnomalies } from './run-anomalies.js';
import { parseTimestamp } from './shared-options.js';

export interface CaseFile {
  system: string;
  faultType: string;
  /** Every root-cause service (rootCauses when present, else rootCause). */
  rootCauses: string[];
  incident: { start: number; end: number };
  baseline: { start: number; end: number };
}

export interface RealCaseResult {
  id: string;
  system: string;
  faultType: string;
  rootCauses: string[];
  /** Service ranking from the report, best first (top 5). */
  ranked: string[];
  /** 1-based rank of the first root-cause service, null when not ranked. */
  firstHitRank: number | null;
  /** Rank by which every root-cause service is named, null when one is missing. */
  allHitRank: number | null;
  windowTraces: number;
  baselineTraces: number;
  abnormalTraces: number;
  /** The report's ranking confidence, when it gives one. */
  confidence?: AnomalyReport['confidence'];
  message?: string;
}

export interface RealCaseScores {
  cases: number;
  ac1: number;
  ac3: number;
  ac5: number;
  avg5: number;
  /** Every root cause within the first 3. */
  all3: number;
}

export interface RealEvalReport {
  folder: string;
  overall: RealCaseScores;
  byFaultType: Array<{ faultType: string } & RealCaseScores>;
  bySystem: Array<{ system: string } & RealCaseScores>;
  cases: RealCaseResult[];
  elapsedMs: number;
}

export interface RealEvalOptions {
  folder: string;
  /** Analysis options other than the windows (ablation switches, method…). */
  analysis?: Partial<Omit<AnomaliesOptions, 'window' | 'baseline'>>;
  /** Called before each case with its folder, and after it with its result. */
  onCase?: (done: number, total: number, result: RealCaseResult) => void;
  onCasesFound?: (total: number) => void;
}

export interface RealEvalDeps {
  analyse?: (reader: SpanReader, opts: AnomaliesOptions) => Promise<AnomalyReport>;
}

/** The case folders at or below `folder` (a folder holding case.json), sorted by path. */
export async function findCaseFolders(folder: string): Promise<string[]> {
  const info = await stat(folder).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`--cases ${folder}: ${err.code === 'ENOENT' ? 'no such folder' : err.message}`);
  });
  if (!info.isDirectory()) throw new InvalidArgumentError(`--cases ${folder}: not a folder (expected a case folder with case.json, or a folder of them)`);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const found = entries
    .filter((e) => e.isFile() && e.name === 'case.json')
    .map((e) => path.dirname(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
  if (found.length === 0) throw new InvalidArgumentError(`--cases ${folder}: no case folders (a folder with case.json) found`);
  return found;
}

/** Reads and checks `case.json` of a case folder. */
export async function readCaseFile(folder: string): Promise<CaseFile> {
  const file = path.join(folder, 'case.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`${file}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('expected a JSON object');
  const c = raw as Record<string, unknown>;
  const text = (v: unknown, name: string): string => (typeof v === 'string' && v !== '' ? v : bad(`"${name}" must be a non-empty string`));
  const serviceOf = (v: unknown, name: string): string =>
    typeof v === 'object' && v !== null ? text((v as Record<string, unknown>).service, `${name}.service`) : bad(`"${name}" must be an object with a "service"`);
  let rootCauses: string[];
  if (c.rootCauses !== undefined) {
    if (!Array.isArray(c.rootCauses) || c.rootCauses.length === 0) bad('"rootCauses" must be a non-empty array');
    rootCauses = (c.rootCauses as unknown[]).map((r, i) => serviceOf(r, `rootCauses[${i}]`));
  } else rootCauses = [serviceOf(c.rootCause, 'rootCause')];
  const range = (v: unknown, name: string) => {
    if (typeof v !== 'object' || v === null) bad(`"${name}" must be an object with "start" and "end"`);
    const r = v as Record<string, unknown>;
    const start = parseTimestamp(text(r.start, `${name}.start`), `${file}: ${name}.start`, 0);
    const end = parseTimestamp(text(r.end, `${name}.end`), `${file}: ${name}.end`, 0);
    if (start > end) bad(`${name}.start is after ${name}.end`);
    return { start, end };
  };
  return {
    system: text(c.system, 'system'),
    faultType: text(c.faultType, 'faultType'),
    rootCauses: [...new Set(rootCauses)],
    incident: range(c.incident, 'incident'),
    baseline: range(c.baseline, 'baseline'),
  };
}

export async function runRealEval(opts: RealEvalOptions, deps: RealEvalDeps = {}): Promise<RealEvalReport> {
  const began = performance.now();
  const folders = await findCaseFolders(opts.folder);
  opts.onCasesFound?.(folders.length);
  const analyse = deps.analyse ?? runAnomalies;
  const results: RealCaseResult[] = [];
  for (const folder of folders) {
    const result = await runCase(folder, analyse, opts.analysis ?? {});
    results.push(result);
    opts.onCase?.(results.length, folders.length, result);
  }
  const groups = <K extends string>(field: 'faultType' | 'system', name: K) =>
    [...new Set(results.map((r) => r[field]))].sort().map((v) => ({ [name]: v, ...scoreCases(results.filter((r) => r[field] === v)) }) as Record<K, string> & RealCaseScores);
  return {
    folder: opts.folder,
    overall: scoreCases(results),
    byFaultType: groups('faultType', 'faultType'),
    bySystem: groups('system', 'system'),
    cases: results,
    elapsedMs: Math.round(performance.now() - began),
  };
}

async function runCase(folder: string, analyse: NonNullable<RealEvalDeps['analyse']>, analysis: RealEvalOptions['analysis'] & object): Promise<RealCaseResult> {
  const c = await readCaseFile(folder);
  const names = (await readdir(folder)).filter((f) => /^(baseline|incident)\./.test(f) && f !== 'case.json').sort();
  for (const side of ['baseline', 'incident']) {
    if (!names.some((f) => f.startsWith(`${side}.`))) throw new InvalidArgumentError(`${folder}: no ${side}.* trace file (expected e.g. ${side}.json.gz)`);
  }
  const store = await openStore('memory:');
  try {
    for (const name of names) {
      const file = path.join(folder, name);
      let batch: Span[] = [];
      for await (const entry of readTraceFile(file, createReadStream(file, { highWaterMark: TRACE_FILE_READ_CHUNK }))) {
        if (!entry.ok) throw entry.error;
        for (const s of entry.spans) batch.push(s);
        if (batch.length >= 10_000) {
          await store.writeSpans(batch);
          batch = [];
        }
      }
      await store.writeSpans(batch);
    }
    const report = await analyse(store, {
      top: ANOMALIES_DEFAULTS.top,
      method: ANOMALIES_DEFAULTS.method,
      pagerank: ANOMALIES_DEFAULTS.pagerank,
      ...analysis,
      window: c.incident,
      baseline: c.baseline,
    });
    const ranked = report.rootCauses.map((r) => r.service);
    const ranks = hitRanks({ ranked, truth: c.rootCauses.map((s) => [s]) });
    return {
      id: path.basename(folder),
      system: c.system,
      faultType: c.faultType,
      rootCauses: c.rootCauses,
      ranked: ranked.slice(0, 5),
      firstHitRank: ranks.first,
      allHitRank: ranks.all,
      windowTraces: report.window.traces,
      baselineTraces: report.baseline.traces,
      abnormalTraces: report.window.abnormalTraces,
      ...(report.confidence ? { confidence: report.confidence } : {}),
      ...(report.message ? { message: report.message } : {}),
    };
  } finally {
    await store.close();
  }
}

export function scoreCases(results: readonly RealCaseResult[]): RealCaseScores {
  const first = results.map((r) => r.firstHitRank);
  const ac = [1, 2, 3, 4, 5].map((k) => shareWithin(first, k));
  return {
    cases: results.length,
    ac1: ac[0],
    ac3: ac[2],
    ac5: ac[4],
    avg5: ac.reduce((a, b) => a + b, 0) / 5,
    all3: shareWithin(results.map((r) => r.allHitRank), 3),
  };
}

/** Per fault type, per system and overall; then the cases whose causes are not all in the top 3. */
export function renderRealEvalTable(report: RealEvalReport): string {
  const head = ['', 'cases', 'AC@1', 'AC@3', 'AC@5', 'Avg@5', 'all@3'];
  const row = (name: string, s: RealCaseScores) => [name, String(s.cases), ...[s.ac1, s.ac3, s.ac5, s.avg5, s.all3].map((x) => x.toFixed(3))];
  const rows: string[][] = [['fault type', ...head.slice(1)]];
  for (const f of report.byFaultType) rows.push(row(f.faultType, f));
  rows.push(['system', ...head.slice(1).map(() => '')]);
  for (const s of report.bySystem) rows.push(row(s.system, s));
  rows.push(row('overall', report.overall));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [`${report.cases.length} cases from ${report.folder}, ${(report.elapsedMs / 1000).toFixed(1)} s`];
  for (const r of rows) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const misses = report.cases.filter((c) => c.allHitRank === null || c.allHitRank > 3 || c.firstHitRank !== 1);
  if (misses.length > 0) {
    lines.push('', 'cases without a root cause first, or without every root cause in the top 3:');
    for (const c of misses) {
      const conf = c.confidence ? ` [${c.confidence.level}, margin ${c.confidence.margin.toFixed(2)}]` : '';
      lines.push(`  ${c.id} ${c.faultType} ${c.rootCauses.join('+')}: ranked ${c.ranked.join(', ') || '(nothing)'} (first hit ${c.firstHitRank ?? '-'}, all ${c.allHitRank ?? '-'})${conf}${c.message ? ` — ${c.message}` : ''}`);
    }
  }
  return lines.join('\n');
}
