import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { CliContext } from './context.js';
import type { Progress } from './progress.js';
import { createProgress } from './progress.js';
import { ConfigError } from '../model/index.js';
import { defaultTopology } from '../workload/default-topology.js';
import type { FaultSpec, FaultTimeParsers } from '../workload/faults.js';
import { faultFromFields, parseFaultFlag } from '../workload/faults.js';
import type { LoadShape } from '../workload/load-profile.js';
import type { WorkloadProfile } from '../workload/realism.js';
import { WORKLOAD_PROFILES } from '../workload/realism.js';
import type { Topology } from '../workload/topology.js';
import { parseTopology } from '../workload/topology.js';
import type { GenerateOptions } from './run-generate.js';
import { countTraces, runGenerate } from './run-generate.js';
import { isoFromUs, parseDuration, parseNonNegativeInt, parseTimestamp, quietOption, storeOption } from './shared-options.js';

interface RawGenerateOptions {
  store: string;
  output?: string;
  format: 'jaeger' | 'otlp';
  duration: string;
  rate: string;
  seed: string;
  start?: string;
  load: LoadShape;
  profile: WorkloadProfile;
  topology?: string;
  printTopology?: boolean;
  fault: string[];
  scenario?: string;
  labels?: string;
  quiet?: boolean;
}

export function generateCommand(ctx: CliContext): Command {
  const command = new Command('generate')
    .description('generate a synthetic microservice workload with injected, labelled faults')
    .addOption(storeOption('store URI to write to (or use --output)'))
    .addOption(new Option('-o, --output <file>', 'write a trace file (NDJSON) instead of a store; "-" for stdout'))
    .addOption(new Option('--format <format>', 'file format: jaeger (one UI trace per line) or otlp (OTLP/JSON per batch)').choices(['jaeger', 'otlp']).default('jaeger'))
    .addOption(new Option('--duration <duration>', 'length of the generated period, e.g. 30m, 2h').default('1h'))
    .addOption(new Option('--rate <n>', 'mean traces per second (the load varies around it)').default('5'))
    .addOption(new Option('--seed <n>', 'seed: the same seed, start and options give the same spans').default('1'))
    .addOption(new Option('--start <time>', 'period start (ISO-8601, epoch, now-2h) (default: now minus --duration)'))
    .addOption(new Option('--load <shape>', 'load over time: diurnal (daily curve with noise) or flat').choices(['diurnal', 'flat']).default('diurnal'))
    .addOption(
      new Option('--profile <profile>', 'clean (steady services) or realistic (heavy-tailed pauses, load-following database waits, background errors, 1.3–2× load while faults are active)')
        .choices([...WORKLOAD_PROFILES])
        .default('clean'),
    )
    .addOption(new Option('--topology <file>', 'topology JSON/YAML (schema: src/workload/topology.ts) (default: a 22-service shop)'))
    .addOption(new Option('--print-topology', 'print the default topology as JSON and exit'))
    .addOption(
      new Option('--fault <spec>', 'inject a fault, repeatable: TYPE:key=value,… with TYPE latency|cpu|error|db-slow|network and keys service, operation, instance, database, delay, factor, fraction, start, end; e.g. latency:service=cart-service,delay=300ms,start=20m,end=35m')
        .argParser((v: string, prev: string[] = []) => [...prev, v])
        .default([], 'none'),
    )
    .addOption(new Option('--scenario <file>', 'JSON/YAML file {faults: [{type, service, …}]} with the --fault keys'))
    .addOption(new Option('--labels <file>', 'write the ground-truth labels (faults and affected trace ids) as JSON'))
    .addOption(quietOption())
    .action(async (raw: RawGenerateOptions) => {
      if (raw.printTopology) {
        ctx.out(JSON.stringify(defaultTopology(), null, 2));
        return;
      }
      if (raw.output !== undefined && command.getOptionValueSource('store') === 'cli') {
        throw new ConfigError('--store and --output cannot be used together: write to a store or to a file');
      }
      const duration = parseDuration(raw.duration, '--duration');
      const start = raw.start !== undefined ? parseTimestamp(raw.start, '--start', ctx.now()) : ctx.now() - duration;
      const seed = parseNonNegativeInt(raw.seed, '--seed');
      const rate = Number(raw.rate);
      if (!(rate > 0) || !Number.isFinite(rate)) throw new ConfigError(`--rate: expected a positive number of traces per second, got "${raw.rate}"`);
      const topology = raw.topology ? parseTopology(await readText(raw.topology, '--topology'), raw.topology) : defaultTopology();
      const faults = await resolveFaults(raw, topology, start, start + duration, ctx);
      let reported = 0;
      let progress: Progress | undefined;
      const options: GenerateOptions = {
        topology,
        seed,
        start,
        duration,
        rate,
        load: raw.load,
        profile: raw.profile,
        faults,
        sink: raw.output !== undefined ? { kind: 'file', path: raw.output, format: raw.format } : { kind: 'store', uri: raw.store },
        labelsPath: raw.labels,
        onProgress: (n) => {
          progress?.tick(n - reported);
          reported = n;
        },
      };
      // The bar's total is the exact number of traces the run writes (counted only when a bar is drawn).
      progress = createProgress(ctx, 'generating traces', !raw.quiet && ctx.stderrIsTTY ? countTraces(options) : undefined, raw.quiet);
      const summary = await runGenerate(
        options,
        { env: ctx.env, log: (l) => ctx.err(l), writeLine: (l) => ctx.out(l) },
      );
      progress.done();
      if (!raw.quiet) {
        const abnormal = summary.labels.abnormalTraceIds.length;
        ctx.err(
          `generated ${summary.traces} traces (${summary.spans} spans) from ${isoFromUs(start)} to ${isoFromUs(start + duration)} into ${summary.destination}` +
            (faults.length ? `; ${faults.length} fault(s), ${abnormal} abnormal trace(s)` : '') +
            (raw.labels ? `; labels in ${raw.labels}` : ''),
        );
        const storeUri = raw.output === undefined ? raw.store : raw.output !== '-' ? `file:${raw.output}` : undefined;
        if (storeUri !== undefined) ctx.err(nextCommands(storeUri, start, start + duration, faults));
      }
    });
  return command;
}

async function resolveFaults(raw: RawGenerateOptions, topology: Topology, periodStart: number, periodEnd: number, ctx: CliContext): Promise<FaultSpec[]> {
  const parsers: FaultTimeParsers = {
    duration: (text, where) => parseDuration(text, where),
    timestamp: (text, where) => parseTimestamp(text, where, ctx.now()),
  };
  const faults = raw.fault.map((f) => parseFaultFlag(f, topology, periodStart, periodEnd, parsers));
  if (raw.scenario) {
    const text = await readText(raw.scenario, '--scenario');
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`${raw.scenario}: not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    const list = (doc as { faults?: unknown } | null)?.faults;
    if (!Array.isArray(list)) throw new ConfigError(`${raw.scenario}: expected {faults: [{type, service, …}, …]}`);
    list.forEach((f, i) => {
      if (!f || typeof f !== 'object') throw new ConfigError(`${raw.scenario}: faults[${i}]: expected an object`);
      faults.push(faultFromFields(f as Record<string, unknown>, topology, periodStart, periodEnd, parsers, `${raw.scenario}: faults[${i}]`));
    });
  }
  for (const f of faults) {
    if (f.start < periodStart || f.end > periodEnd) {
      throw new ConfigError(`fault ${f.type} ${f.service ?? f.database}: window ${isoFromUs(f.start)}–${isoFromUs(f.end)} is outside the generated period`);
    }
  }
  return faults;
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/**
 * The deps and anomalies commands for the data just written, with absolute times so they give the
 * same answer tomorrow: the whole period for deps; for anomalies the window from the first fault's
 * start to the period's end against the fault-free time before it (without faults: the second half
 * against the first).
 */
export function nextCommands(storeUri: string, start: number, end: number, faults: readonly FaultSpec[]): string {
  const firstFault = faults.length ? Math.min(...faults.map((f) => f.start)) : start + Math.floor((end - start) / 2);
  const windowStart = firstFault > start ? firstFault : start + Math.floor((end - start) / 2);
  const store = shellWord(storeUri.replace(/\?.*$/, ''));
  return [
    'look at it (absolute times: the same answer tomorrow):',
    `  npx jaeger-sls deps --store ${store} --start ${isoFromUs(start)} --end ${isoFromUs(end)}`,
    `  npx jaeger-sls anomalies --store ${store} --start ${isoFromUs(windowStart)} --end ${isoFromUs(end)} --baseline-start ${isoFromUs(start)} --baseline-end ${isoFromUs(windowStart - 1000)}`,
  ].join('\n');
}

/** `word` quoted for a POSIX shell when it holds anything but safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
