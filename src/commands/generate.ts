import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function generateCommand(_ctx: CliContext): Command {
  return new Command('generate').description('generate a synthetic workload with injected faults').allowUnknownOption().action(() => {
    throw new NotSupportedError('generate is not implemented yet');
  });
}
