import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function slsCommand(_ctx: CliContext): Command {
  return new Command('sls').description('Aliyun Log Service setup').allowUnknownOption().action(() => {
    throw new NotSupportedError('sls is not implemented yet');
  });
}
