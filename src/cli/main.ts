import { CommanderError } from 'commander';
import { processContext } from './process-context.js';
import { exitCodeFor, formatError } from './exit-codes.js';
import { createProgram } from './program.js';

/** The only place that sets the process exit status. */
async function main(argv: string[]): Promise<void> {
  const ctx = processContext();
  try {
    await (await createProgram(ctx, argv)).parseAsync(argv);
  } catch (err) {
    const code = exitCodeFor(err);
    const helpOrVersion = err instanceof CommanderError && (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version');
    // No command given: commander already printed the help; the status says it was a usage error.
    const helpForMissingCommand = err instanceof CommanderError && err.code === 'commander.help';
    if (!helpOrVersion && !helpForMissingCommand && !(err instanceof Error && err.name === 'ExitError' && !err.message)) {
      ctx.err(formatError(err));
      if (ctx.env.JAEGER_SLS_DEBUG && err instanceof Error && err.stack) ctx.err(err.stack);
    }
    process.exitCode = helpOrVersion ? 0 : code;
  }
}

// A reader that closed our stdout (`jaeger-sls deps | head`) wants no more output: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

await main(process.argv);
