/**
 * Option builders and parsers shared by the offline commands (deps, anomalies, export…).
 * Builders return commander Options; parsers turn raw strings into typed values and throw
 * InvalidArgumentError (exit 2) naming the flag and the bad value.
 */
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Option } from 'commander';
import type { CliContext } from './context.js';
import { InvalidArgumentError, NoDataError } from '../model/index.js';
import type { SpanReader } from '../storage/types.js';
import { DEFAULT_STORE_URI } from '../storage/open-store.js';
import { describeSystemError } from './system-errors.js';

/** A closed time interval, µs since the Unix epoch, both bounds inclusive. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** Raw window flags as commander hands them over. */
export interface RawTimeWindowOptions {
  since?: string;
  start?: string;
  end?: string;
}

/** `--store URI`; defaults to $JAEGER_SLS_STORE, then `sqlite:jaeger-sls.db`. */
export function storeOption(description = 'trace store URI (sqlite:PATH, memory:, sls://…, grpc://HOST:PORT, http(s)://HOST:16686, file:PATH)'): Option {
  return new Option('--store <uri>', description).env('JAEGER_SLS_STORE').default(DEFAULT_STORE_URI);
}

/** `--since`, `--start`, `--end`: the window to read. */
export function timeWindowOptions(defaultSince = '1h'): Option[] {
  return [
    new Option('--since <duration>', `window length ending at --end, e.g. 90s, 15m, 1h, 2d (default: ${defaultSince})`),
    new Option('--start <time>', `window start: ${TIME_FORMS}`),
    new Option('--end <time>', 'window end, same forms as --start; "latest" = the newest trace in the store (default: now)'),
  ];
}

/** How every time flag may be written; shown in help texts. */
export const TIME_FORMS = 'ISO-8601 (2024-05-01T10:00:00Z), epoch seconds/ms/µs, now-2h, or latest-10m (relative to the newest trace in the store)';

/** `--format F` restricted to `formats`. */
export function formatOption(formats: readonly string[], defaultFormat: string): Option {
  return new Option('--format <format>', 'output format').choices(formats).default(defaultFormat);
}

/** `-o, --output FILE`: write the result to FILE instead of stdout. */
export function outputOption(): Option {
  return new Option('-o, --output <file>', 'write the result to FILE instead of stdout');
}

/** `-q, --quiet`: no progress or informational lines on stderr. */
export function quietOption(): Option {
  return new Option('-q, --quiet', 'no progress or notes on stderr');
}

/** Adds each option to the command; returns the command for chaining. */
export function addOptions<C extends { addOption(o: Option): C }>(command: C, options: readonly Option[]): C {
  for (const o of options) command.addOption(o);
  return command;
}

const UNIT_US: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
  w: 604_800_000_000,
};

/**
 * A duration such as `90s`, `15m`, `1h30m`, `2d`, `500ms` or `250us`, in µs.
 * A bare number is seconds. Throws InvalidArgumentError naming `flag` when malformed or ≤ 0.
 */
export function parseDuration(text: string, flag = '--since'): number {
  const s = text.trim();
  let total = 0;
  if (/^\d+(\.\d+)?$/.test(s)) total = Number(s) * 1_000_000;
  else {
    const re = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d|w)/gy;
    let pos = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s))) {
      total += Number(m[1]) * UNIT_US[m[2]];
      pos = re.lastIndex;
    }
    if (pos === 0 || pos !== s.length) {
      throw new InvalidArgumentError(`${flag}: invalid duration "${text}": expected e.g. 90s, 15m, 1h, 1h30m, 2d`);
    }
  }
  if (!(total > 0) || !Number.isFinite(total)) throw new InvalidArgumentError(`${flag}: duration "${text}" must be greater than 0`);
  return Math.round(total);
}

/**
 * A point in time, µs since epoch: ISO-8601 / RFC 3339 text, `now`, `now-1h` / `now+5m`, `latest`,
 * `latest-10m` (relative to `latestUs`, the newest trace start in the store: a window that gives the
 * same answer tomorrow), or an epoch number whose magnitude picks the unit (≤ 1e11 seconds, ≤ 1e14 ms,
 * otherwise µs).
 */
export function parseTimestamp(text: string, flag: string, nowUs: number, latestUs?: number): number {
  const s = text.trim();
  const rel = /^(now|latest)(?:([+-])(.+))?$/i.exec(s);
  if (rel) {
    let ref = nowUs;
    if (rel[1].toLowerCase() === 'latest') {
      if (latestUs === undefined) throw new InvalidArgumentError(`${flag}: "latest" needs a store to look in`);
      ref = latestUs;
    }
    if (!rel[2]) return ref;
    const d = parseDuration(rel[3], flag);
    return rel[2] === '-' ? ref - d : ref + d;
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    if (n <= 1e11) return Math.round(n * 1_000_000);
    if (n <= 1e14) return Math.round(n * 1_000);
    return Math.round(n);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) {
      // Keep sub-millisecond digits that Date.parse drops.
      const frac = /\.(\d{4,6})/.exec(s);
      const extraUs = frac ? Number(frac[1].padEnd(6, '0').slice(3, 6)) : 0;
      return ms * 1000 + extraUs;
    }
  }
  throw new InvalidArgumentError(`${flag}: invalid time "${text}": expected ${TIME_FORMS}`);
}

/** True when any of the time flag values is relative to `latest` (so the store must be asked). */
export function mentionsLatest(...values: Array<string | undefined>): boolean {
  return values.some((v) => v !== undefined && /^\s*latest/i.test(v));
}

/**
 * The start of the newest trace in `reader` (µs), the reference point of `latest`; NoDataError when
 * the source holds no trace at all.
 */
export async function newestTraceStart(reader: SpanReader, where: string): Promise<number> {
  const [newest] = await reader.findTraceIds({ limit: 1 });
  if (!newest) throw new NoDataError(`"latest": ${where} holds no traces`);
  return newest.start;
}

/**
 * The window from `--since/--start/--end`: end defaults to now; start defaults to end − since
 * (since defaults to `defaultSince`). `--since` together with `--start` is a usage error.
 */
export function resolveTimeWindow(raw: RawTimeWindowOptions, nowUs: number, defaultSince = '1h', latestUs?: number): TimeWindow {
  if (raw.since !== undefined && raw.start !== undefined) {
    throw new InvalidArgumentError('--since and --start cannot be used together: give a length or a start');
  }
  const end = raw.end !== undefined ? parseTimestamp(raw.end, '--end', nowUs, latestUs) : nowUs;
  const start = raw.start !== undefined ? parseTimestamp(raw.start, '--start', nowUs, latestUs) : end - parseDuration(raw.since ?? defaultSince, '--since');
  if (start > end) {
    throw new InvalidArgumentError(`empty time window: start ${isoFromUs(start)} is after end ${isoFromUs(end)}`);
  }
  return { start, end };
}

/** ISO-8601 UTC text for µs since epoch (millisecond precision). */
export function isoFromUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/**
 * Writes a command's result: to `output` when given (the file appears only once complete), else stdout. Adds a trailing newline when missing.
 */
export async function writeResult(ctx: CliContext, text: string, output?: string): Promise<void> {
  const sink = await openOutput(ctx, output);
  try {
    await sink.write(text.endsWith('\n') ? text : `${text}\n`);
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/** Where a command's result goes: stdout, or a file that appears only when complete. */
export interface OutputSink {
  write(chunk: string): void | Promise<void>;
  /** The result is complete: a file output is moved into place. */
  commit(): Promise<void>;
  /** The command failed: a file output is removed, leaving no partial file. */
  abort(): Promise<void>;
}

/** `output` undefined or "-" is stdout; otherwise a file that appears only when complete (openFileOutput). */
export async function openOutput(ctx: CliContext, output?: string): Promise<OutputSink> {
  if (output === undefined || output === '-') {
    return {
      async write(chunk) {
        ctx.out(chunk);
        // Large results into a slow pipe: wait for stdout to drain rather than buffer them all.
        if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
      },
      commit: async () => {},
      abort: async () => {},
    };
  }
  return openFileOutput(output);
}

/**
 * FILE.tmp-PID beside FILE, renamed over it on commit; removed on abort and when the process gets
 * SIGINT or SIGTERM meanwhile (the signal is then re-raised, so the process ends as it would have).
 * A missing folder is refused (InvalidArgumentError, exit 2), as `--store sqlite:` refuses it;
 * every error names FILE, never the temporary name.
 */
export async function openFileOutput(output: string): Promise<OutputSink> {
  const folder = path.dirname(output);
  const kind = statSync(folder, { throwIfNoEntry: false });
  if (!kind) throw new InvalidArgumentError(`cannot write ${output}: the folder ${folder} does not exist`);
  if (!kind.isDirectory()) throw new InvalidArgumentError(`cannot write ${output}: ${folder} is not a folder`);
  const temp = `${output}.tmp-${process.pid}`;
  const fail = (err: unknown) => new Error(`cannot write ${output}: ${describeSystemError(err)}`, { cause: err });
  const stream = createWriteStream(temp);
  let failure: unknown;
  stream.on('error', (err) => (failure ??= err));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(temp, { force: true });
    process.kill(process.pid, signal);
  };
  const release = () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await once(stream, 'open');
  } catch (err) {
    release();
    rmSync(temp, { force: true });
    throw fail(err);
  }
  const finish = async () => {
    if (!stream.destroyed) {
      stream.end();
      await once(stream, 'close').catch(() => {});
    }
  };
  return {
    async write(chunk) {
      if (failure) throw fail(failure);
      if (!stream.write(chunk)) await once(stream, 'drain').catch((err) => (failure ??= err));
      if (failure) throw fail(failure);
    },
    async commit() {
      try {
        await finish();
        if (failure) throw fail(failure);
        await rename(temp, output).catch((err) => {
          throw fail(err);
        });
      } catch (err) {
        rmSync(temp, { force: true });
        throw err;
      } finally {
        release();
      }
    },
    async abort() {
      stream.destroy();
      await rm(temp, { force: true });
      release();
    },
  };
}

/** A strictly positive integer flag value. */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) {
    throw new InvalidArgumentError(`${flag}: expected a positive integer, got "${text}"`);
  }
  return Number(text);
}

/** A non-negative integer flag value. */
export function parseNonNegativeInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`${flag}: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

/** `--without a,b`: ranking signals to switch off (for ablation); each must be one of `known`. */
export function parseWithout<T extends string>(text: string | undefined, known: readonly T[]): T[] {
  if (text === undefined || text.trim() === '') return [];
  const out: T[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!known.includes(part as T)) throw new InvalidArgumentError(`--without: unknown signal "${part}": expected some of ${known.join(', ')}`);
    if (!out.includes(part as T)) out.push(part as T);
  }
  return out;
}
