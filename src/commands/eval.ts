import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function evalCommand(_ctx: CliContext): Command {
  return new Command('eval').description('evaluate anomaly detection and root-cause accuracy').allowUnknownOption().action(() => {
    throw new NotSupportedError('eval is not implemented yet');
  });
}
