import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { initSlsStore } from '../storage/sls/setup.js';

/** `jaeger-sls sls init --store sls://…`: create the span logstore and its index when missing. */
export function slsCommand(ctx: CliContext): Command {
  const sls = new Command('sls').description('Aliyun Log Service (SLS) setup');
  sls
    .command('init')
    .description('create the <instance>-traces logstore and its index in SLS when missing (idempotent); credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET')
    .addOption(new Option('--store <uri>', 'sls://PROJECT/INSTANCE?endpoint=ENDPOINT').env('JAEGER_SLS_STORE').makeOptionMandatory())
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s), outputError: () => {} })
    .action(async (opts: { store: string }) => {
      const r = await initSlsStore(opts.store, ctx.env);
      ctx.out(`${r.createdLogstore ? 'created' : 'exists '} logstore ${r.project}/${r.logstore}`);
      ctx.out(`${r.createdIndex ? 'created' : 'exists '} index    ${r.project}/${r.logstore}`);
    });
  return sls;
}
