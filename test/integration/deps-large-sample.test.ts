/**
 * The 1,238-service / 4,271-link production graph from the Jaeger UI fixtures renders in every
 * format within 5 s. Asserted on CPU time of the in-process build+render (robust on a loaded
 * machine); the CLI is also run once per format to check the files it writes. Wall-clock CLI
 * figures are printed by `npm run bench:deps` (LARGE_ONLY=1).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyGraphFromLinks } from '../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../src/analysis/dependency-report.js';
import { findCycles } from '../../src/analysis/graph-cycles.js';
import { readLinksFile } from '../../src/commands/run-deps.js';
import { DEPS_FORMATS, renderDeps } from '../../src/render/deps-render.js';
import { runCli } from '../support/cli.js';
import { sharedDataPath } from '../support/shared-data.js';

const LARGE = sharedDataPath('sample-traces/jaeger-ui-fixtures/components__DependencyGraph__sample_data__large.json');

describe.skipIf(!LARGE)('large sample dependency graph (1,238 services, 4,271 links)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deps-large-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const format of DEPS_FORMATS) {
    it(`${format}: builds and renders in < 5 s of CPU, and the CLI writes it`, async () => {
      const cpu = process.cpuUsage();
      const b = dependencyGraphFromLinks(await readLinksFile(LARGE!));
      const report = dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals });
      report.cycles = findCycles(b.graph);
      const text = renderDeps(report, format);
      const used = process.cpuUsage(cpu);
      const ms = (used.user + used.system) / 1000;
      console.log(`large sample ${format}: ${ms.toFixed(0)} ms CPU, ${text.length} chars`);
      expect(ms).toBeLessThan(5000);
      expect(report.totals).toMatchObject({ nodes: 1238, edges: 4271 });

      const out = path.join(dir, `large.${format}`);
      const res = await runCli(['deps', '--links', LARGE!, '--format', format, '--output', out, '--quiet']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(text.endsWith('\n') ? text : `${text}\n`);
    });
  }
});
