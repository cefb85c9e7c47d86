/**
 * `jaeger-sls sls init --store sls://…` spawned from bin/ against the SLS emulator: creates the
 * logstore and index, is idempotent, and fails with one-line messages (exit 2 for configuration,
 * 1 for a rejected request) that never contain the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { SlsEmulator } from '../support/sls-emulator/index.js';

const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-ak-secret', JAEGER_SLS_STORE: '' };
let emulator: SlsEmulator;
beforeAll(async () => {
  emulator = await new SlsEmulator().start();
});
afterAll(() => emulator.stop());

const store = (instance: string) => `sls://initproj/${instance}?endpoint=${emulator.endpoint}`;

describe('jaeger-sls sls init', () => {
  it('creates <instance>-traces with the span index, then reports both as existing', async () => {
    const first = await runCli(['sls', 'init', '--store', store('one')], { env });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('created logstore initproj/one-traces\ncreated index    initproj/one-traces\n');
    const index = emulator.logstore('initproj', 'one-traces')!.index as { keys: Record<string, { type: string; token?: string[] }> };
    expect(index.keys.traceID).toMatchObject({ type: 'text', token: [] });
    expect(index.keys.duration.type).toBe('long');
    expect(index.keys.attribute.type).toBe('json');
    const again = await runCli(['sls', 'init', '--store', store('one')], { env });
    expect(again).toMatchObject({ code: 0, stdout: 'exists  logstore initproj/one-traces\nexists  index    initproj/one-traces\n' });
  });

  it('adds the index to an existing logstore without one', async () => {
    emulator.createLogstore('initproj', 'two-traces');
    const r = await runCli(['sls', 'init', '--store', store('two')], { env });
    expect(r.stdout).toBe('exists  logstore initproj/two-traces\ncreated index    initproj/two-traces\n');
  });

  it('fails clearly without credentials, with a wrong secret, or with a non-SLS store', async () => {
    const none = await runCli(['sls', 'init', '--store', store('three')], { env: { ALIBABA_CLOUD_ACCESS_KEY_ID: '', ALIBABA_CLOUD_ACCESS_KEY_SECRET: '', ACCESS_KEY_ID: '', ACCESS_KEY_SECRET: '', ALIBABA_CLOUD_CREDENTIALS_FILE: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^jaeger-sls: SLS credentials missing: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    const wrong = await runCli(['sls', 'init', '--store', store('three')], { env: { ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret-XYZ' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/SignatureNotMatch/);
    expect(wrong.stderr + wrong.stdout).not.toContain('not-the-secret-XYZ');
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    const memory = await runCli(['sls', 'init', '--store', 'memory:'], { env });
    expect(memory.code).toBe(2);
    expect(memory.stderr).toMatch(/sls init needs --store sls:\/\//);
  });
});
