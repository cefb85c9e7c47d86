import { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { NotSupportedError } from '../model/index.js';

// Placeholder until the command lands; replaced by its owner.
export function serveCommand(_ctx: CliContext): Command {
  return new Command('serve').description('serve Jaeger storage APIs over gRPC').allowUnknownOption().action(() => {
    throw new NotSupportedError('serve is not implemented yet');
  });
}
