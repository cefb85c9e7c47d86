/**
 * The README's "Try it in one minute", run as written with the clock moved 24 h past `generate`:
 * the same top suspect as right after it, and the commands `generate` printed give it too.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/cli.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const DAY_US = 86_400_000_000;

/** The `npx jaeger-sls …` commands of the README section, continuation lines joined, as argv. */
function demoCommands(): string[][] {
  const section = README.slice(README.indexOf('## Try it in one minute'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('npx jaeger-sls '))
    .map((l) => l.slice('npx jaeger-sls '.length).trim().split(/\s+/));
}

function topSuspect(json: string): string {
  return (JSON.parse(json) as { rootCauses: Array<{ service: string }> }).rootCauses[0]?.service;
}

describe('README demo', () => {
  let dir: string;
  let cwd: string;
  let generatedAt: number;
  let printed: string[][];
  beforeAll(async () => {
    cwd = process.cwd();
    dir = mkdtempSync(path.join(tmpdir(), 'readme-demo-'));
    process.chdir(dir);
    const [generate] = demoCommands();
    expect(generate[0]).toBe('generate');
    generatedAt = Date.now() * 1000;
    const r = await runCliInProcess(generate, { nowUs: generatedAt });
    expect(r.code, r.stderr).toBe(0);
    printed = r.stderr
      .split('\n')
      .filter((l) => l.trim().startsWith('npx jaeger-sls '))
      .map((l) => l.trim().slice('npx jaeger-sls '.length).split(/\s+/));
  }, 300_000);
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same top suspect 24 h later, with the README commands and with the ones generate printed', async () => {
    const commands = demoCommands().slice(1);
    expect(commands.map((c) => c[0])).toEqual(['deps', 'deps', 'anomalies']);
    const later = generatedAt + DAY_US;
    for (const args of commands) {
      const r = await runCliInProcess(args, { nowUs: later });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect(statSync(path.join(dir, 'deps.html')).size).toBeGreaterThan(1000);

    const anomalies = commands[2];
    const now = await runCliInProcess([...anomalies, '--format', 'json'], { nowUs: generatedAt });
    const tomorrow = await runCliInProcess([...anomalies, '--format', 'json'], { nowUs: later });
    expect(now.code, now.stderr).toBe(0);
    expect(topSuspect(now.stdout)).toBe('cart-service');
    expect(topSuspect(tomorrow.stdout)).toBe(topSuspect(now.stdout));

    // generate's own suggestions: absolute times, so any clock gives the same answer.
    expect(printed.map((c) => c[0])).toEqual(['deps', 'anomalies']);
    const deps = await runCliInProcess(printed[0], { nowUs: later });
    expect(deps.code, deps.stderr).toBe(0);
    expect(deps.stdout).toContain('cart-service');
    const suggested = await runCliInProcess([...printed[1], '--format', 'json'], { nowUs: later });
    expect(suggested.code, suggested.stderr).toBe(0);
    expect(topSuspect(suggested.stdout)).toBe('cart-service');
  }, 300_000);
});
