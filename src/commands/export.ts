import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function exportCommand(_ctx: CliContext): Command {
  return new Command('export').description('export traces from a store').allowUnknownOption().action(() => {
    throw new NotSupportedError('export is not implemented yet');
  });
}
