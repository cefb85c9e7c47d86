import { Command } from 'commander';
import type { CliContext } from './context.js';
import { anomaliesCommand } from '../commands/anomalies.js';
import { depsCommand } from '../commands/deps.js';
import { evalCommand } from '../commands/eval.js';
import { exportCommand } from '../commands/export.js';
import { generateCommand } from '../commands/generate.js';
import { importCommand } from '../commands/import.js';
import { serveCommand } from '../commands/serve.js';
import { slsCommand } from '../commands/sls.js';

export const VERSION = '0.1.0';

/** Builds the command tree; exitOverride makes commander throw instead of exiting. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('jaeger-sls')
    .description('Jaeger trace storage (SQLite or Aliyun Log Service) and trace analysis')
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      outputError: () => {},
    })
    .exitOverride();
  for (const make of [serveCommand, importCommand, exportCommand, depsCommand, anomaliesCommand, generateCommand, evalCommand, slsCommand]) {
    // A go-plugin host (Jaeger ≤ 1.57) runs `jaeger-sls --config FILE` with STORAGE_PLUGIN=jaeger: that is `serve`.
    const isDefault = make === serveCommand && ctx.env.STORAGE_PLUGIN === 'jaeger';
    program.addCommand(make(ctx).exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s), outputError: () => {} }), { isDefault });
  }
  return program;
}
