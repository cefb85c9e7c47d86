/** What a command may touch of the outside world; injected so commands are testable in-process. */
export interface CliContext {
  /** Results: stdout. */
  out(text: string): void;
  /** Logs, progress and warnings: stderr. */
  err(text: string): void;
  readonly stderrIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** µs since epoch. */
  now(): number;
}

export function processContext(): CliContext {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    now: () => Date.now() * 1000,
  };
}
