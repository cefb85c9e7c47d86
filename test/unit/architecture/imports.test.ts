import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point one way, with no exceptions:
 * cli → commands → plugin/render/analysis → storage → facts/formats → model.
 * config (serve settings) and workload (the generator) sit beside formats and analysis.
 */
const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

const BASE = ['model'];
const BELOW_STORAGE = [...BASE, 'facts', 'formats', 'config'];
const BELOW_ANALYSIS = [...BELOW_STORAGE, 'storage'];

/** For each folder, the src folders it may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  model: [],
  facts: BASE,
  formats: BASE,
  config: BASE,
  storage: BELOW_STORAGE,
  workload: [...BASE, 'facts', 'formats'],
  analysis: BELOW_ANALYSIS,
  plugin: BELOW_ANALYSIS,
  // Render draws what analysis reports: it reads analysis' report types, never the reverse.
  render: [...BELOW_ANALYSIS, 'analysis'],
  commands: [...BELOW_ANALYSIS, 'analysis', 'render', 'plugin', 'workload'],
  cli: ['model', 'commands'],
};

const OUTER_PACKAGES = /^(commander|@grpc\/|cli-table3|better-sqlite3|@alicloud\/)/;
/** Packages that only the outer layers may use. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  model: OUTER_PACKAGES,
  facts: OUTER_PACKAGES,
  analysis: OUTER_PACKAGES,
  formats: OUTER_PACKAGES,
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

  it('places every src folder in the layering', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(path.join(SRC, name)).isDirectory() && files(path.join(SRC, name)).length > 0);
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('sets the exit status only in src/cli/main.ts', () => {
    const offenders = files(SRC)
      .filter((f) => !f.endsWith(path.join('cli', 'main.ts')))
      .filter((f) => /process\.exit(Code)?\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
