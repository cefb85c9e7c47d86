import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';
import { InvalidArgumentError } from '../model/index.js';
import type { GraphLevel } from '../analysis/dependency-graph.js';
import { DEPS_FORMATS, loadDepsRenderer } from '../render/deps-formats.js';
import type { DepsFormat } from '../render/deps-formats.js';
import { openStore } from '../storage/open-store.js';
import type { DepsOptions, DepsSource } from './run-deps.js';
import { runDeps } from './run-deps.js';
import { latestReference } from './open-command-store.js';
import type { RawTimeWindowOptions } from './shared-options.js';
import { addOptions, formatOption, outputOption, parseDuration, parseNonNegativeInt, parseTimestamp, quietOption, resolveTimeWindow, storeOption, timeWindowOptions, writeResult } from './shared-options.js';

interface RawDepsOptions extends RawTimeWindowOptions {
  store: string;
  links?: string;
  level: GraphLevel;
  format: DepsFormat;
  output?: string;
  quiet?: boolean;
  service?: string;
  depth?: string;
  path?: string[];
  diff?: boolean;
  baselineShift?: string;
  baselineStart?: string;
  baselineEnd?: string;
  baselineLinks?: string;
  highlight?: string[];
}

export function depsCommand(ctx: CliContext): Command {
  const command = new Command('deps')
    .description('service dependency graph: who calls whom, how often, how fast, how often failing')
    .addOption(storeOption())
    .addOption(new Option('--links <file>', 'read Jaeger dependency links ([{parent, child, callCount}]) instead of traces'));
  addOptions(command, timeWindowOptions('1h'))
    .addOption(new Option('--level <level>', 'graph nodes: services, or service+operation pairs').choices(['service', 'operation']).default('service'))
    .addOption(formatOption(DEPS_FORMATS, 'table'))
    .addOption(outputOption())
    .addOption(quietOption())
    .addOption(new Option('--service <name>', 'only the neighbourhood of this service (see --depth)'))
    .addOption(new Option('--depth <n>', 'hops around --service, callers and callees (default: 1)'))
    .addOption(new Option('--path <services...>', 'call paths from the first service to the second: --path A B'))
    .addOption(new Option('--diff', 'compare with a baseline window: new/vanished edges, error-rate, latency and volume changes'))
    .addOption(new Option('--baseline-shift <duration>', 'baseline = the window moved back by this much (default: its own length, i.e. the previous window)'))
    .addOption(new Option('--baseline-start <time>', 'baseline window start (with --baseline-end)'))
    .addOption(new Option('--baseline-end <time>', 'baseline window end (with --baseline-start)'))
    .addOption(new Option('--baseline-links <file>', 'baseline from a Jaeger links file'))
    .addOption(new Option('--highlight <services...>', 'html/dot: mark these services as suspects; a FILE.json argument reads `anomalies --format json` output (its top suspects)'))
    .action(async (raw: RawDepsOptions) => {
      const latest = raw.links === undefined ? await latestReference(raw.store, ctx, [raw.start, raw.end, raw.baselineStart, raw.baselineEnd], raw.quiet) : undefined;
      const opts = parseDepsOptions(raw, ctx.now(), latest);
      const highlight = raw.highlight ? await highlightedServices(raw.highlight, raw.format) : undefined;
      const progress = createProgress(ctx, 'reading spans', undefined, raw.quiet);
      let lastSpans = 0;
      const report = await runDeps(opts, {
        openStore: (uri) => openStore(uri, { env: ctx.env, readOnly: true, log: raw.quiet ? () => {} : (line) => ctx.err(line) }),
        progress: (_traces, spans) => {
          progress.tick(spans - lastSpans);
          lastSpans = spans;
        },
      });
      progress.done();
      const render = await loadDepsRenderer(raw.format);
      await writeResult(ctx, render(report, { highlight }), raw.output);
      if (raw.output && !raw.quiet) ctx.err(`wrote ${raw.format} (${report.totals.nodes} nodes, ${report.totals.edges} edges) to ${raw.output}`);
    });
  return command;
}

/** Raw flags → DepsOptions; usage errors throw InvalidArgumentError (exit 2). */
export function parseDepsOptions(raw: RawDepsOptions, nowUs: number, latestUs?: number): DepsOptions {
  const windowFlags = raw.since !== undefined || raw.start !== undefined || raw.end !== undefined;
  if (raw.links !== undefined && windowFlags) throw new InvalidArgumentError('--links reads a links file: --since/--start/--end do not apply');
  const window = resolveTimeWindow(raw, nowUs, '1h', latestUs);
  const source: DepsSource = raw.links !== undefined ? { kind: 'links', file: raw.links } : { kind: 'store', uri: raw.store, window };
  const opts: DepsOptions = { source, level: raw.level };
  if (raw.links !== undefined && raw.level === 'operation') throw new InvalidArgumentError('--level operation needs traces: a links file only has services');
  if (raw.service !== undefined && raw.path !== undefined) throw new InvalidArgumentError('--service and --path ask different questions: give one');
  if (raw.depth !== undefined && raw.service === undefined) throw new InvalidArgumentError('--depth needs --service');
  if (raw.service !== undefined) {
    opts.service = raw.service;
    opts.depth = raw.depth === undefined ? 1 : parseNonNegativeInt(raw.depth, '--depth');
  }
  if (raw.path !== undefined) {
    if (raw.path.length !== 2) throw new InvalidArgumentError(`--path takes two services (from, to), got ${raw.path.length}`);
    opts.path = [raw.path[0], raw.path[1]];
  }
  const baselineFlags = raw.baselineShift !== undefined || raw.baselineStart !== undefined || raw.baselineEnd !== undefined || raw.baselineLinks !== undefined;
  if (baselineFlags && !raw.diff) throw new InvalidArgumentError('--baseline-* options need --diff');
  if (raw.diff) {
    if (raw.format !== 'table' && raw.format !== 'json') throw new InvalidArgumentError(`--diff is shown as table or json, not ${raw.format}`);
    opts.baseline = parseBaseline(raw, source, nowUs, latestUs);
  }
  return opts;
}

function parseBaseline(raw: RawDepsOptions, source: DepsSource, nowUs: number, latestUs?: number): DepsSource {
  if (raw.baselineLinks !== undefined) return { kind: 'links', file: raw.baselineLinks };
  if (source.kind === 'links') throw new InvalidArgumentError('--diff with --links needs --baseline-links FILE');
  if ((raw.baselineStart === undefined) !== (raw.baselineEnd === undefined)) throw new InvalidArgumentError('--baseline-start and --baseline-end go together');
  if (raw.baselineStart !== undefined && raw.baselineShift !== undefined) throw new InvalidArgumentError('--baseline-shift and --baseline-start/--baseline-end are alternatives: give one');
  if (raw.baselineStart !== undefined && raw.baselineEnd !== undefined) {
    const start = parseTimestamp(raw.baselineStart, '--baseline-start', nowUs, latestUs);
    const end = parseTimestamp(raw.baselineEnd, '--baseline-end', nowUs, latestUs);
    if (start > end) throw new InvalidArgumentError('--baseline-start is after --baseline-end');
    return { kind: 'store', uri: source.uri, window: { start, end } };
  }
  // Default: the window just before, ending 1 µs before this one starts (bounds are inclusive).
  const length = source.window.end - source.window.start;
  const shift = raw.baselineShift !== undefined ? parseDuration(raw.baselineShift, '--baseline-shift') : length + 1;
  return { kind: 'store', uri: source.uri, window: { start: source.window.start - shift, end: source.window.end - shift } };
}

/** Services named by `--highlight`: names as given, and the suspects of anomalies JSON files. */
async function highlightedServices(values: string[], format: DepsFormat): Promise<string[]> {
  if (format !== 'html' && format !== 'dot') throw new InvalidArgumentError(`--highlight marks services in a drawing: use --format html or dot, not ${format}`);
  const out: string[] = [];
  for (const v of values) {
    if (!v.endsWith('.json')) {
      out.push(v);
      continue;
    }
    let report: { rootCauses?: Array<{ service: string }>; confidence?: { contenders?: string[] } };
    try {
      report = JSON.parse(await readFile(v, 'utf8'));
    } catch (err) {
      throw new InvalidArgumentError(`--highlight ${v}: cannot read an anomalies report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!Array.isArray(report?.rootCauses)) throw new InvalidArgumentError(`--highlight ${v}: not the output of anomalies --format json (no rootCauses)`);
    // The suspects: the first service, and those the report's confidence names as tied with it.
    const first = report.rootCauses[0]?.service;
    for (const s of [first, ...(report.confidence?.contenders ?? [])]) if (s !== undefined && !out.includes(s)) out.push(s);
  }
  return out;
}
