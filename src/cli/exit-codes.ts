import { CommanderError } from 'commander';
import { ConfigError, InvalidArgumentError, NoDataError, TraceNotFoundError } from '../model/index.js';
import { describeSystemError } from '../commands/system-errors.js';

/**
 * The exit-code contract of every command (README "Exit codes", `jaeger-sls --help`):
 * 0 success; 1 runtime failure (I/O, network, store); 2 usage or bad input (flags, config, trace
 * files); 3 no data (the time window, query or trace id matched no trace); 130 interrupted (SIGINT).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, noData: 3, interrupted: 130 } as const;

/** The contract as printed after the top-level and every command's help. */
export const EXIT_CODES_HELP =
  '\nExit codes: 0 success, 1 runtime failure (I/O, network, store), 2 usage or bad input, 3 no data in the window, 130 interrupted.';

/** Thrown by commands that want a specific exit status after printing their own result. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
    this.name = 'ExitError';
  }
}

/** The one mapping from an error to the process exit status. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof ConfigError || err instanceof InvalidArgumentError) return EXIT.usage;
  if (err instanceof NoDataError || err instanceof TraceNotFoundError) return EXIT.noData;
  return EXIT.failure;
}

/** One line for stderr; never a stack trace (set JAEGER_SLS_DEBUG=1 for one). */
export function formatError(err: unknown): string {
  const errno = err as NodeJS.ErrnoException;
  // An untyped system error that escaped a command: say what and where, never errno alone.
  if (errno instanceof Error && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code) && errno.path) {
    return `jaeger-sls: ${errno.syscall === 'open' || errno.syscall === 'read' ? 'cannot read' : 'cannot write'} ${errno.path}: ${describeSystemError(errno)}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0].trim() || (err instanceof Error ? err.name : 'unknown error');
  return `jaeger-sls: ${line.replace(/^error: /, '')}`;
}
