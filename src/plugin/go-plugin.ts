import { ConfigError } from '../model/index.js';

/**
 * hashicorp go-plugin sidecar launch, as Jaeger ≤ v1.57 does it: env STORAGE_PLUGIN=jaeger (the magic
 * cookie), PLUGIN_MIN_PORT/PLUGIN_MAX_PORT (TCP port range), PLUGIN_PROTOCOL_VERSIONS (must offer 1);
 * the plugin answers with one handshake line on stdout: CORE|APP|NETWORK|ADDR|PROTOCOL.
 */
export function isGoPluginLaunch(env: NodeJS.ProcessEnv): boolean {
  return env.STORAGE_PLUGIN === 'jaeger';
}

/** The port range to listen in, or undefined for any free port. */
export function goPluginPortRange(env: NodeJS.ProcessEnv): { min: number; max: number } | undefined {
  const versions = env.PLUGIN_PROTOCOL_VERSIONS;
  if (versions && !versions.split(',').map((v) => v.trim()).includes('1')) {
    throw new ConfigError(`PLUGIN_PROTOCOL_VERSIONS=${versions}: this plugin speaks protocol version 1 only`);
  }
  if (!env.PLUGIN_MIN_PORT && !env.PLUGIN_MAX_PORT) return undefined;
  const min = Number(env.PLUGIN_MIN_PORT ?? 1024);
  const max = Number(env.PLUGIN_MAX_PORT ?? 65535);
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
    throw new ConfigError(`invalid plugin port range PLUGIN_MIN_PORT=${env.PLUGIN_MIN_PORT} PLUGIN_MAX_PORT=${env.PLUGIN_MAX_PORT}`);
  }
  return { min, max };
}

/** The line go-plugin's client reads first from stdout: core protocol 1, app protocol 1, TCP, gRPC. */
export function handshakeLine(port: number): string {
  return `1|1|tcp|127.0.0.1:${port}|grpc`;
}
