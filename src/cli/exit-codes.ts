import { CommanderError } from 'commander';
import {
  ConfigError,
  InvalidArgumentError,
  NotSupportedError,
  TraceNotFoundError,
} from '../model/index.js';

/** 0 success, 1 runtime failure, 2 usage or configuration error, 130 interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Thrown by commands that want a specific exit status after printing their own result. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
    this.name = 'ExitError';
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.usage;
  if (err instanceof ConfigError || err instanceof InvalidArgumentError) return EXIT.usage;
  if (err instanceof NotSupportedError || err instanceof TraceNotFoundError) return EXIT.failure;
  return EXIT.failure;
}

/** One line for stderr; never a stack trace (set JAEGER_SLS_DEBUG=1 for one). */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0].trim() || (err instanceof Error ? err.name : 'unknown error');
  return `jaeger-sls: ${line.replace(/^error: /, '')}`;
}
