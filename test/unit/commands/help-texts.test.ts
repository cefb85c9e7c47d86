import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../support/cli.js';

const COMMANDS = ['serve', 'import', 'export', 'deps', 'anomalies', 'generate', 'eval'];

describe('help texts', () => {
  it.each(COMMANDS)('%s prints every default one way, "(default: X)", unquoted', async (command) => {
    const r = await runCliInProcess([command, '--help']);
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).not.toMatch(/\(default [^:]|; default|default: "/);
    expect(text).toContain('Exit codes: 0 success');
  });

  it('serve --store names its environment variable', async () => {
    const r = await runCliInProcess(['serve', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/--store <uri> where spans are kept \(default: sqlite:jaeger-sls\.db, env: JAEGER_SLS_STORE\)/);
  });

  it('deps and anomalies --store name theirs too, and the time flags say what "latest" is', async () => {
    for (const command of ['deps', 'anomalies']) {
      const text = (await runCliInProcess([command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(text).toMatch(/default: sqlite:jaeger-sls\.db, env: JAEGER_SLS_STORE\)/);
      expect(text).toContain('"latest" = the newest trace in the store');
    }
  });
});
