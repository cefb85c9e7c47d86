import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Dependencies point one way: cli → commands → plugin/analysis/render → storage → formats → model. */
const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

/** For each folder, the src folders it may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  model: [],
  config: ['model'],
  analysis: ['model'],
  formats: ['model'],
  workload: ['model', 'formats'],
  storage: ['model', 'analysis', 'formats', 'config'],
  plugin: ['model', 'storage', 'formats', 'config'],
  render: ['model', 'analysis'],
  commands: ['model', 'storage', 'analysis', 'render', 'formats', 'plugin', 'config', 'workload'],
  cli: ['model', 'commands', 'storage', 'render', 'analysis', 'config'],
};

/** Packages that only the outer layers may use. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  model: /^(commander|@grpc\/|cli-table3|better-sqlite3|@alicloud\/)/,
  analysis: /^(commander|@grpc\/|cli-table3|better-sqlite3|@alicloud\/)/,
  formats: /^(commander|@grpc\/|cli-table3|better-sqlite3|@alicloud\/)/,
  storage: /^(commander|cli-table3)/,
  render: /^(commander|@grpc\/|better-sqlite3|@alicloud\/)/,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('architecture', () => {
  it('keeps dependencies pointing one way', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = path.relative(SRC, file).split(path.sep)[0];
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) {
          const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
          if (target !== layer && !(ALLOWED[layer] ?? []).includes(target)) violations.push(`${path.relative(SRC, file)} → ${spec}`);
        } else if (FORBIDDEN_PACKAGES[layer]?.test(spec)) {
          violations.push(`${path.relative(SRC, file)} → package ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('sets the exit status only in src/cli/main.ts', () => {
    const offenders = files(SRC)
      .filter((f) => !f.endsWith(path.join('cli', 'main.ts')))
      .filter((f) => /process\.exit(Code)?\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
