import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('jaeger-sls CLI', () => {
  it('prints help with every command on stdout and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'import', 'export', 'deps', 'anomalies', 'generate', 'eval', 'sls']) {
      expect(r.stdout).toContain(cmd);
    }
    expect(r.stderr).toBe('');
  });

  it('prints its version on stdout and exits 0, for -V and --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `${version}\n`, '']);
    }
  });

  it('rejects an unknown command with one line on stderr and exit 2', async () => {
    const r = await runCli(['bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(["jaeger-sls: unknown command 'bogus'"]);
  });

  it('shows help and exits 2 when no command is given', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: jaeger-sls');
    expect(r.stderr).not.toContain('jaeger-sls: ');
  });

  it('rejects an unknown option with exit 2 and no stack trace', async () => {
    const r = await runCli(['deps', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^jaeger-sls: .*--no-such-flag/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
