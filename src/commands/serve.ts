import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import type { ServeFlags } from '../config/serve-config.js';
import { DEFAULT_LISTEN, DEFAULT_SERVE_STORE, resolveServeConfig } from '../config/serve-config.js';
import { ConfigError } from '../model/index.js';
import { runServe } from '../plugin/run-serve.js';

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('serve Jaeger storage over gRPC: storage v1 and v2 APIs, OTLP Export, go-plugin sidecar')
    .option('--listen <host:port>', `address to listen on (default: ${DEFAULT_LISTEN}, env: JAEGER_SLS_LISTEN)`)
    .option('--store <uri>', `where spans are kept (default: ${DEFAULT_SERVE_STORE}, env: JAEGER_SLS_STORE)`)
    .option('--tls-cert <file>', 'PEM server certificate (enables TLS)')
    .option('--tls-key <file>', 'PEM server private key')
    .option('--tls-ca <file>', 'PEM CA bundle; clients must present a certificate it signed (mutual TLS)')
    .option('--tenancy', 'require the tenant header (x-tenant); each tenant sees only its own spans')
    .option('--tenants <list>', 'comma-separated allowed tenants (implies --tenancy) (default: any)')
    .option('--tenant-header <name>', 'metadata key carrying the tenant (default: x-tenant)')
    .option('--max-message-size <bytes>', 'largest gRPC message received or sent, e.g. 16MiB (default: 4MiB)')
    .option('--log-level <level>', 'debug, info, warn or error (default: info)')
    .option('--metrics-listen <host:port>', 'serve Prometheus counters on http://HOST:PORT/metrics')
    .option('--max-concurrent-reads <n>', 'trace reads (GetTrace, FindTraces) running at once; more wait, then get RESOURCE_EXHAUSTED (default: 8)')
    .option('--max-trace-spans <n>', 'return at most N spans of one trace, with a warning on the last (default: no cap)')
    .option('--exit-with-parent <bool>', 'stop when the process that started serve dies, unless that is PID 1 (default: true)')
    .option('--config <file>', 'YAML config file; keys as the long options in snake_case (Jaeger passes this to a sidecar)')
    .addHelpText('after', '\nPrecedence: flag > env JAEGER_SLS_<KEY> (e.g. JAEGER_SLS_LISTEN) > --config file > defaults.')
    .action(async (raw: ServeFlags & { config?: string }) => {
      const { config: configPath, ...flags } = raw;
      const file = configPath ? { path: configPath, text: await readConfigFile(configPath) } : undefined;
      const config = resolveServeConfig({ flags, env: ctx.env, ...(file ? { file } : {}) });
      await runServe(config, { env: ctx.env, out: ctx.out, err: ctx.err, signals: process, parentId: () => process.ppid });
    });
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
