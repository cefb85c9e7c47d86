/**
 * Option builders and parsers shared by the offline commands (deps, anomalies, export…).
 * Builders return commander Options; parsers turn raw strings into typed values and throw
 * InvalidArgumentError (exit 2) naming the flag and the bad value.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Option } from 'commander';
import type { CliContext } from './context.js';
import { InvalidArgumentError } from '../model/index.js';
import { DEFAULT_STORE_URI } from '../storage/open-store.js';

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
    new Option('--since <duration>', `window length ending at --end (or now), e.g. 90s, 15m, 1h, 2d; default ${defaultSince}`),
    new Option('--start <time>', 'window start: ISO-8601 (2024-05-01T10:00:00Z), epoch seconds/ms/µs, or relative (now-2h)'),
    new Option('--end <time>', 'window end (same forms as --start); default now'),
  ];
}

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
 * A point in time, µs since epoch: ISO-8601 / RFC 3339 text, `now`, `now-1h` / `now+5m`, or an
 * epoch number whose magnitude picks the unit (≤ 1e11 seconds, ≤ 1e14 ms, otherwise µs).
 */
export function parseTimestamp(text: string, flag: string, nowUs: number): number {
  const s = text.trim();
  const rel = /^now(?:([+-])(.+))?$/i.exec(s);
  if (rel) {
    if (!rel[1]) return nowUs;
    const d = parseDuration(rel[2], flag);
    return rel[1] === '-' ? nowUs - d : nowUs + d;
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
  throw new InvalidArgumentError(`${flag}: invalid time "${text}": expected ISO-8601 (2024-05-01T10:00:00Z), epoch seconds/ms/µs, or now-1h`);
}

/**
 * The window from `--since/--start/--end`: end defaults to now; start defaults to end − since
 * (since defaults to `defaultSince`). `--since` together with `--start` is a usage error.
 */
export function resolveTimeWindow(raw: RawTimeWindowOptions, nowUs: number, defaultSince = '1h'): TimeWindow {
  if (raw.since !== undefined && raw.start !== undefined) {
    throw new InvalidArgumentError('--since and --start cannot be used together: give a length or a start');
  }
  const end = raw.end !== undefined ? parseTimestamp(raw.end, '--end', nowUs) : nowUs;
  const start = raw.start !== undefined ? parseTimestamp(raw.start, '--start', nowUs) : end - parseDuration(raw.since ?? defaultSince, '--since');
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
 * Writes a command's result: to `output` when given (parent folders created; the file appears only
 * once complete), else stdout. Adds a trailing newline when missing.
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

/** `output` undefined or "-" is stdout; otherwise FILE.tmp-PID beside FILE, renamed over it on commit. */
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
  const temp = `${output}.tmp-${process.pid}`;
  let stream: WriteStream;
  try {
    await mkdir(path.dirname(path.resolve(output)), { recursive: true });
    stream = createWriteStream(temp);
    await once(stream, 'open');
  } catch (err) {
    throw new Error(`cannot write ${output}: ${describeFsError(err)}`);
  }
  const finish = async () => {
    stream.end();
    await once(stream, 'close');
  };
  return {
    async write(chunk) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async commit() {
      await finish();
      await rename(temp, output);
    },
    async abort() {
      await finish().catch(() => {});
      await rm(temp, { force: true });
    },
  };
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a parent path is not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return err instanceof Error ? err.message : String(err);
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
