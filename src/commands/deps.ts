import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function depsCommand(_ctx: CliContext): Command {
  return new Command('deps').description('service dependency graph').allowUnknownOption().action(() => {
    throw new NotSupportedError('deps is not implemented yet');
  });
}
