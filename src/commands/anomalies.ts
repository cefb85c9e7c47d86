import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function anomaliesCommand(_ctx: CliContext): Command {
  return new Command('anomalies').description('latency outliers and root-cause ranking').allowUnknownOption().action(() => {
    throw new NotSupportedError('anomalies is not implemented yet');
  });
}
