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
