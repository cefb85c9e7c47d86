import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function importCommand(_ctx: CliContext): Command {
  return new Command('import').description('import trace files into a store').allowUnknownOption().action(() => {
    throw new NotSupportedError('import is not implemented yet');
  });
}
