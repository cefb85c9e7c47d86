import type { CliContext } from '../commands/context.js';

/** The CliContext of the running process: stdout, stderr, its environment and clock. */
export function processContext(): CliContext {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    now: () => Date.now() * 1000,
  };
}
