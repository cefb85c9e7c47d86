import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';
import type { SpectrumMethod } from '../analysis/anomaly-report.js';
import { SPECTRUM_METHODS } from '../analysis/spectrum-scoring.js';
import { ANALYSIS_SWITCHES } from '../analysis/anomaly-report.js';
import { InvalidArgumentError, NoDataError } from '../model/index.js';
import { ANOMALIES_FORMATS, renderAnomalies } from '../render/anomalies-render.js';
import type { AnomaliesFormat, AnomaliesRenderOptions } from '../render/anomalies-render.js';
import { DEFAULT_MAX_TRACES } from '../render/anomalies-json.js';
import { latestReference, openCommandStore } from './open-command-store.js';
import type { AnomaliesOptions } from './run-anomalies.js';
import { ANOMALIES_DEFAULTS, runAnomalies } from './run-anomalies.js';
import type { RawTimeWindowOptions } from './shared-options.js';
import { addOptions, formatOption, outputOption, parseDuration, parseNonNegativeInt, parsePositiveInt, parseTimestamp, parseWithout, quietOption, resolveTimeWindow, storeOption, timeWindowOptions, writeResult } from './shared-options.js';

interface RawAnomaliesOptions extends RawTimeWindowOptions {
  store: string;
  baseline?: string;
  baselineStart?: string;
  baselineEnd?: string;
  service?: string;
  top: string;
  method: SpectrumMethod;
  pagerank?: boolean;
  without?: string;
  zThreshold?: string;
  minShift?: string;
  examples?: string;
  format: AnomaliesFormat;
  wide?: boolean;
  jaegerUi?: string;
  maxTraces?: string;
  output?: string;
  quiet?: boolean;
}

export function anomaliesCommand(ctx: CliContext): Command {
  const command = new Command('anomalies')
    .description('abnormal traces in a window against a baseline, and the most likely root causes with their evidence')
    .addOption(storeOption());
  addOptions(command, timeWindowOptions('1h'))
    .addOption(new Option('--baseline <duration>', 'baseline = this long before the window start').default('24h'))
    .addOption(new Option('--baseline-start <time>', 'baseline start (with --baseline-end; replaces --baseline)'))
    .addOption(new Option('--baseline-end <time>', 'baseline end (with --baseline-start)'))
    .addOption(new Option('--service <name>', 'only traces through this service'))
    .addOption(new Option('--top <n>', 'root causes to show').default(String(ANOMALIES_DEFAULTS.top)))
    .addOption(new Option('--method <method>', 'spectrum formula').choices(SPECTRUM_METHODS).default(ANOMALIES_DEFAULTS.method))
    .addOption(new Option('--pagerank', 'weight the spectrum counts by PageRank over the trace graph (MicroRank)'))
    .addOption(new Option('--without <signals>', `switch ranking signals or detection parts off, comma-separated, for ablation: ${ANALYSIS_SWITCHES.join(', ')}`))
    .addOption(new Option('--z-threshold <z>', 'robust z on log-latency above which a span is an outlier (default: 3)'))
    .addOption(new Option('--min-shift <duration>', 'an outlier must also exceed the baseline median by this much (default: 1ms)'))
    .addOption(new Option('--examples <n>', 'example trace ids per root cause').default(String(ANOMALIES_DEFAULTS.examples)))
    .addOption(formatOption(ANOMALIES_FORMATS, 'table'))
    .addOption(new Option('--wide', 'table: every evidence column (counts, critical path, instance, example traces) (default: a table within 120 columns)'))
    .addOption(new Option('--jaeger-ui <url>', 'Jaeger UI base URL, e.g. http://localhost:16686: trace ids become links in markdown and html'))
    .addOption(new Option('--max-traces <n>', 'json: abnormal traces listed at most (the count is always given)').default(String(DEFAULT_MAX_TRACES)))
    .addOption(outputOption())
    .addOption(quietOption())
    .action(async (raw: RawAnomaliesOptions) => {
      const latest = await latestReference(raw.store, ctx, [raw.start, raw.end, raw.baselineStart, raw.baselineEnd], raw.quiet);
      const opts = parseAnomaliesOptions(raw, ctx.now(), latest);
      renderOptions(raw);
      const progress = createProgress(ctx, 'reading traces', undefined, raw.quiet);
      let last = 0;
      opts.onProgress = (_phase, traces) => {
        progress.tick(traces > last ? traces - last : traces);
        last = traces;
      };
      const store = await openCommandStore(raw.store, ctx, true);
      try {
        const report = await runAnomalies(store, opts);
        progress.done();
        if (report.window.traces === 0) throw new NoDataError(report.message ?? 'no traces in the window');
        if (report.message && !raw.quiet) ctx.err(`note: ${report.message}`);
        await writeResult(ctx, renderAnomalies(report, raw.format, renderOptions(raw)), raw.output);
        if (raw.output && !raw.quiet) ctx.err(`wrote ${raw.format} (${report.window.abnormalTraces} abnormal of ${report.window.traces} traces) to ${raw.output}`);
      } finally {
        await store.close();
      }
    });
  return command;
}

/** Raw flags → AnomaliesOptions; usage errors throw InvalidArgumentError (exit 2). */
export function parseAnomaliesOptions(raw: RawAnomaliesOptions, nowUs: number, latestUs?: number): AnomaliesOptions {
  const window = resolveTimeWindow(raw, nowUs, '1h', latestUs);
  if ((raw.baselineStart === undefined) !== (raw.baselineEnd === undefined)) throw new InvalidArgumentError('--baseline-start and --baseline-end go together');
  let baseline: AnomaliesOptions['baseline'];
  if (raw.baselineStart !== undefined && raw.baselineEnd !== undefined) {
    baseline = { start: parseTimestamp(raw.baselineStart, '--baseline-start', nowUs, latestUs), end: parseTimestamp(raw.baselineEnd, '--baseline-end', nowUs, latestUs) };
    if (baseline.start > baseline.end) throw new InvalidArgumentError('--baseline-start is after --baseline-end');
  } else {
    const length = parseDuration(raw.baseline ?? '24h', '--baseline');
    baseline = { start: window.start - length, end: window.start - 1 };
  }
  const opts: AnomaliesOptions = {
    window,
    baseline,
    top: parsePositiveInt(raw.top, '--top'),
    method: raw.method,
    pagerank: Boolean(raw.pagerank),
    without: parseWithout(raw.without, ANALYSIS_SWITCHES),
    examples: parsePositiveInt(raw.examples ?? String(ANOMALIES_DEFAULTS.examples), '--examples'),
  };
  if (raw.service !== undefined) opts.service = raw.service;
  const thresholds: NonNullable<AnomaliesOptions['thresholds']> = {};
  if (raw.zThreshold !== undefined) {
    const z = Number(raw.zThreshold);
    if (!(z > 0) || !Number.isFinite(z)) throw new InvalidArgumentError(`--z-threshold: expected a positive number, got "${raw.zThreshold}"`);
    thresholds.zThreshold = z;
  }
  if (raw.minShift !== undefined) thresholds.minShiftUs = parseDuration(raw.minShift, '--min-shift');
  if (Object.keys(thresholds).length) opts.thresholds = thresholds;
  return opts;
}

/** The rendering flags, checked (usage errors exit 2). */
function renderOptions(raw: RawAnomaliesOptions): AnomaliesRenderOptions {
  const options: AnomaliesRenderOptions = { wide: Boolean(raw.wide), maxTraces: parseNonNegativeInt(raw.maxTraces ?? String(DEFAULT_MAX_TRACES), '--max-traces') };
  if (raw.jaegerUi !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(raw.jaegerUi)) throw new InvalidArgumentError(`--jaeger-ui: expected an http(s) URL such as http://localhost:16686, got "${raw.jaegerUi}"`);
    options.jaegerUi = raw.jaegerUi;
  }
  return options;
}
