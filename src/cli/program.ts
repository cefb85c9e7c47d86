import { Command } from 'commander';
import type { Help, Option } from 'commander';
import type { CliContext } from '../commands/context.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

export const VERSION = '0.1.0';

type CommandFactory = (ctx: CliContext) => Command;

/**
 * Every option's extras printed one way, "(choices: a, b, default: x, env: VAR)", values unquoted —
 * the form the hand-written descriptions use for defaults that are not flag values.
 */
const HELP: Partial<Help> = {
  optionDescription(option: Option): string {
    const extra: string[] = [];
    if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
    const v = option.defaultValue;
    const emptyList = Array.isArray(v) && v.length === 0;
    if (option.defaultValueDescription !== undefined) extra.push(`default: ${option.defaultValueDescription}`);
    else if (v !== undefined && v !== false && !emptyList) extra.push(`default: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`);
    return extra.length ? `${option.description} (${extra.join(', ')})` : option.description;
  },
};

/**
 * Each command's module, loaded only when that command runs (or all of them for top-level help),
 * so start-up stays fast and one command's dependencies never slow down another.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  serve: async () => (await import('../commands/serve.js')).serveCommand,
  import: async () => (await import('../commands/import.js')).importCommand,
  export: async () => (await import('../commands/export.js')).exportCommand,
  deps: async () => (await import('../commands/deps.js')).depsCommand,
  anomalies: async () => (await import('../commands/anomalies.js')).anomaliesCommand,
  generate: async () => (await import('../commands/generate.js')).generateCommand,
  eval: async () => (await import('../commands/eval.js')).evalCommand,
  sls: async () => (await import('../commands/sls.js')).slsCommand,
};

/** Builds the command tree for `argv`; exitOverride makes commander throw instead of exiting. */
export async function createProgram(ctx: CliContext, argv: readonly string[]): Promise<Command> {
  const program = new Command('jaeger-sls')
    .description('Jaeger trace storage (SQLite or Aliyun Log Service) and trace analysis')
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s), outputError: () => {} })
    .addHelpText('after', EXIT_CODES_HELP)
    .configureHelp(HELP)
    .exitOverride();
  // A go-plugin host (Jaeger ≤ 1.57) runs `jaeger-sls --config FILE` with STORAGE_PLUGIN=jaeger: that is `serve`.
  const defaultCommand = ctx.env.STORAGE_PLUGIN === 'jaeger' ? 'serve' : undefined;
  const args = argv.slice(2);
  const requested = args.find((a) => !a.startsWith('-'));
  const versionOnly = !requested && !defaultCommand && args.some((a) => a === '-V' || a === '--version');
  const wanted = requested && requested in COMMANDS ? [requested] : defaultCommand && !requested ? [defaultCommand] : versionOnly ? [] : Object.keys(COMMANDS);
  for (const name of wanted) {
    const make = await COMMANDS[name]();
    const command = make(ctx).addHelpText('after', EXIT_CODES_HELP).configureHelp(HELP).exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s), outputError: () => {} });
    program.addCommand(command, { isDefault: name === defaultCommand });
  }
  return program;
}
