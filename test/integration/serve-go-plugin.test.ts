/**
 * The hashicorp go-plugin sidecar path as Jaeger ≤ v1.57 drives it: exec `jaeger-sls --config FILE`
 * with STORAGE_PLUGIN=jaeger and PLUGIN_MIN/MAX_PORT, read the handshake line from stdout, dial with
 * authority "unused", ping health "plugin", call the storage API, then plugin.GRPCController/Shutdown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { spanToProto } from '../../src/formats/proto-mapping.js';
import { runCli } from '../support/cli.js';
import { closeClient, collectStream, grpcClient, startServe, unary } from '../support/serve-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLUGIN_ENV = { STORAGE_PLUGIN: 'jaeger', PLUGIN_MIN_PORT: '10000', PLUGIN_MAX_PORT: '25000', PLUGIN_PROTOCOL_VERSIONS: '1' };

async function handshake(stdout: () => string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!stdout().includes('\n')) {
    if (Date.now() > deadline) throw new Error('no handshake line on stdout');
    await new Promise((r) => setTimeout(r, 10));
  }
  return stdout();
}

const span: Span = {
  traceId: '0000000000000000000000000000abcd',
  spanId: '0000000000000001',
  operationName: 'plugin-op',
  references: [],
  flags: 0,
  startTime: Date.now() * 1000,
  duration: 5,
  tags: [],
  logs: [],
  process: { serviceName: 'plugin-service', tags: [] },
  warnings: [],
};

describe('go-plugin sidecar', () => {
  it('shakes hands on stdout, serves health "plugin" and the API, and exits 0 on Shutdown', async () => {
    const config = path.join(dir, 'plugin.yaml');
    writeFileSync(config, 'enable_streaming_writer: true\nstore: "memory:"\nlog_level: debug\n');
    const plugin = await startServe(['--config', config], { goPlugin: true, env: PLUGIN_ENV });
    const out = await handshake(plugin.stdout);
    const m = /^1\|1\|tcp\|127\.0\.0\.1:(\d+)\|grpc\n$/.exec(out);
    expect(m, `handshake line: ${JSON.stringify(out)}`).not.toBeNull();
    const port = Number(m![1]);
    expect(port).toBeGreaterThanOrEqual(10000);
    expect(port).toBeLessThanOrEqual(25000);
    const address = `127.0.0.1:${port}`;
    const options = { 'grpc.default_authority': 'unused' };
    const health = grpcClient('health', address, undefined, options);
    const writer = grpcClient('spanWriter', address, undefined, options);
    const reader = grpcClient('spanReader', address, undefined, options);
    const caps = grpcClient('pluginCapabilities', address, undefined, options);
    const controller = grpcClient('grpcController', address, undefined, options);
    try {
      expect(await unary(health, 'Check', { service: 'plugin' })).toEqual({ status: 1 });
      expect((await unary(caps, 'Capabilities', {})).streamingSpanWriter).toBe(true);
      await unary(writer, 'WriteSpan', { span: spanToProto(span) });
      const chunks = await collectStream(reader, 'GetTrace', { traceId: Buffer.from(span.traceId, 'hex') });
      expect(chunks.flatMap((c) => c.spans).map((s) => s.operationName)).toEqual(['plugin-op']);
      expect(await unary(controller, 'Shutdown', {})).toEqual({});
    } finally {
      for (const c of [health, writer, reader, caps, controller]) closeClient(c);
    }
    expect(await plugin.exited).toBe(0);
    expect(plugin.stdout(), 'nothing but the handshake on stdout').toBe(out);
    for (const line of plugin.logs()) expect(Object.keys(line)).toEqual(expect.arrayContaining(['@level', '@message', '@timestamp']));
    expect(plugin.logs().map((l) => l['@message'])).toContain('shutting down');
  });

  it('accepts the empty --config Jaeger passes when no file is configured, and exits 0 on SIGTERM', async () => {
    const plugin = await startServe(['--config', ''], { goPlugin: true, env: { ...PLUGIN_ENV, JAEGER_SLS_STORE: 'memory:' } });
    expect(await handshake(plugin.stdout)).toMatch(/^1\|1\|tcp\|127\.0\.0\.1:\d+\|grpc\n$/);
    expect(await plugin.stop('SIGTERM')).toBe(0);
  });

  it('refuses an unknown config key with exit 2 and a one-line error naming it', async () => {
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(config, 'enable_streaming_writer: true\nstorage_backend: memory\n');
    const r = await runCli(['--config', config], { env: PLUGIN_ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown key "storage_backend"');
  });
});
