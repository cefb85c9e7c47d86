import type { CliContext } from './context.js';

export interface Progress {
  /** Adds n to the count done. */
  tick(n: number): void;
  done(): void;
}

const SILENT: Progress = { tick() {}, done() {} };

/** A progress line on stderr, redrawn at most 10 times a second; silent unless stderr is a terminal. */
export function createProgress(ctx: CliContext, label: string, total?: number, quiet = false): Progress {
  if (quiet || !ctx.stderrIsTTY) return SILENT;
  let count = 0;
  let last = 0;
  const draw = (final: boolean) => {
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    let line = `${label} ${count.toLocaleString('en-US')}`;
    if (total) {
      const frac = Math.min(1, count / total);
      const width = 30;
      const filled = Math.round(frac * width);
      line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ${count.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    }
    process.stderr.write(`\r${line}\u001b[K${final ? '\n' : ''}`);
  };
  return {
    tick(n) {
      count += n;
      draw(false);
    },
    done() {
      draw(true);
    },
  };
}
