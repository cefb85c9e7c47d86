import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import type { TraceQuery } from '../model/index.js';
import { InvalidArgumentError, NoDataError, parseTraceId } from '../model/index.js';
import { latestReference, openCommandStore } from './open-command-store.js';
import { EXPORT_FORMATS, exportTraces } from './run-export.js';
import type { ExportFormat } from './run-export.js';
import {
  addOptions,
  formatOption,
  openOutput,
  outputOption,
  parseDuration,
  parsePositiveInt,
  parseTimestamp,
  quietOption,
  resolveTimeWindow,
  storeOption,
  timeWindowOptions,
} from './shared-options.js';

interface ExportFlags {
  store: string;
  traceId?: string[];
  service?: string;
  operation?: string;
  tag?: string[];
  since?: string;
  start?: string;
  end?: string;
  minDuration?: string;
  maxDuration?: string;
  limit?: string;
  format: ExportFormat;
  output?: string;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The shared window flags; without any of them export reads all time. */
function exportWindowOptions(): Option[] {
  const [since, start, end] = timeWindowOptions();
  since.description = 'only traces with a span in the last DURATION before --end (or now), e.g. 90s, 15m, 1h, 2d';
  end.description = 'only traces with a span starting at or before TIME (same forms as --start) (default: now when --start or --since is given)';
  return [since, start, end];
}

/**
 * `jaeger-sls export`: the document goes to stdout or --output (written to a temporary file and
 * renamed, so a failed export leaves no partial file); "exported N traces (M spans)" to stderr.
 * Without --trace-id or query flags, every trace in the store is exported.
 */
export function exportCommand(ctx: CliContext): Command {
  const command = new Command('export').description(
    'export traces from a store as Jaeger UI JSON ({"data":[…]}, loads in the Jaeger UI) or OTLP JSON (TracesData); ' +
      'by trace id, by query, or everything',
  );
  addOptions(command, [
    storeOption(),
    new Option('--trace-id <id>', 'a trace to export (repeatable, or comma-separated); exclusive with the query flags').argParser(collect),
    new Option('--service <name>', 'traces with a span of this service'),
    new Option('--operation <name>', 'traces with a span of this operation'),
    new Option('--tag <key=value>', 'traces with a span having this tag, process tag or log field (repeatable)').argParser(collect),
    ...exportWindowOptions(),
    new Option('--min-duration <duration>', 'a matching span lasts at least this long, e.g. 1.2ms, 500us, 2s'),
    new Option('--max-duration <duration>', 'a matching span lasts at most this long'),
    new Option('--limit <n>', 'at most n traces, newest first'),
    formatOption(EXPORT_FORMATS, 'jaeger'),
    outputOption(),
    quietOption(),
  ]);
  return command.action(async (flags: ExportFlags) => {
    const traceIds = (flags.traceId ?? []).flatMap((ids) => ids.split(',')).map((id) => parseTraceId(id.trim()));
    const latest = await latestReference(flags.store, ctx, [flags.start, flags.end], flags.quiet);
    const query = traceQuery(flags, ctx.now(), latest);
    if (traceIds.length && query) {
      throw new InvalidArgumentError('--trace-id cannot be combined with query flags (--service, --tag, --start, …)');
    }
    const store = await openCommandStore(flags.store, ctx, { readOnly: true, quiet: flags.quiet });
    try {
      const sink = await openOutput(ctx, flags.output);
      try {
        const summary = await exportTraces(store, { traceIds: traceIds.length ? traceIds : undefined, query, format: flags.format, write: sink.write });
        if (summary.traces === 0) throw new NoDataError(query ? 'no traces match the query' : 'the store holds no traces');
        await sink.commit();
        if (!flags.quiet) ctx.err(`exported ${summary.traces} traces (${summary.spans} spans)${flags.output && flags.output !== '-' ? ` to ${flags.output}` : ''}`);
      } catch (err) {
        await sink.abort();
        throw err;
      }
    } finally {
      await store.close();
    }
  });
}

/** The query from the flags, or undefined when none was given. */
function traceQuery(flags: ExportFlags, nowUs: number, latestUs?: number): TraceQuery | undefined {
  const q: TraceQuery = {};
  let any = false;
  if (flags.service !== undefined) (q.serviceName = flags.service), (any = true);
  if (flags.operation !== undefined) (q.operationName = flags.operation), (any = true);
  if (flags.tag?.length) {
    q.tags = {};
    for (const pair of flags.tag) {
      const eq = pair.indexOf('=');
      const sep = eq > 0 ? eq : pair.indexOf(':');
      if (sep <= 0) throw new InvalidArgumentError(`--tag: expected key=value, got "${pair}"`);
      q.tags[pair.slice(0, sep)] = pair.slice(sep + 1);
    }
    any = true;
  }
  if (flags.since !== undefined || flags.start !== undefined) {
    const window = resolveTimeWindow({ since: flags.since, start: flags.start, end: flags.end }, nowUs, '1h', latestUs);
    q.startTimeMin = window.start;
    q.startTimeMax = window.end;
    any = true;
  } else if (flags.end !== undefined) {
    q.startTimeMax = parseTimestamp(flags.end, '--end', nowUs, latestUs);
    any = true;
  }
  if (flags.minDuration !== undefined) (q.durationMin = parseDuration(flags.minDuration, '--min-duration')), (any = true);
  if (flags.maxDuration !== undefined) (q.durationMax = parseDuration(flags.maxDuration, '--max-duration')), (any = true);
  if (q.durationMin !== undefined && q.durationMax !== undefined && q.durationMin > q.durationMax) {
    throw new InvalidArgumentError('--min-duration is greater than --max-duration');
  }
  if (flags.limit !== undefined) (q.limit = parsePositiveInt(flags.limit, '--limit')), (any = true);
  return any ? q : undefined;
}
