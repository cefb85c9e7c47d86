import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dependencyGraphFromLinks } from '../../../src/analysis/dependency-graph.js';
import { dependencyReport } from '../../../src/analysis/dependency-report.js';
import { readLinksFile } from '../../../src/commands/run-deps.js';
import { renderDepsDot } from '../../../src/render/graph-dot.js';
import { sharedDataPath } from '../../support/shared-data.js';
import { shopReport } from '../../support/deps-workload.js';

const DOT = '/usr/bin/dot';
const hasDot = existsSync(DOT);
if (!hasDot) console.warn('skipping: Graphviz /usr/bin/dot is not installed (apt-get install graphviz; .ci/run installs it)');

function graphviz(source: string, format = 'svg', engine = 'dot') {
  return spawnSync(DOT, [`-T${format}`, `-K${engine}`], { input: source, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
}

describe.skipIf(!hasDot)('DOT output parses with Graphviz', () => {
  it('the shop graph renders to SVG with every node and edge', () => {
    const report = shopReport();
    const res = graphviz(renderDepsDot(report));
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('<svg');
    expect(res.stdout.match(/class="node"/g)).toHaveLength(report.nodes.length);
    expect(res.stdout.match(/class="edge"/g)).toHaveLength(report.edges.length);
    expect(res.stdout).toContain('<title>checkout&#45;&gt;payments</title>');
  });

  it('names that need quoting survive', () => {
    const b = dependencyGraphFromLinks([
      { parent: 'svc "quoted"', child: 'a<b>&c', callCount: 5 },
      { parent: 'back\\slash', child: 'multi\nline', callCount: 1 },
      { parent: 'ünïcødé → x', child: 'svc "quoted"', callCount: 2 },
    ]);
    const res = graphviz(renderDepsDot(dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals })));
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.match(/class="node"/g)).toHaveLength(5);
  });

  const large = sharedDataPath('sample-traces/jaeger-ui-fixtures/components__DependencyGraph__sample_data__large.json');
  it.skipIf(!large)('the 1,238-service sample graph is valid DOT', async () => {
    const b = dependencyGraphFromLinks(await readLinksFile(large!));
    const dot = renderDepsDot(dependencyReport(b.graph, { input: 'links', window: null, totals: b.totals }));
    // Laying out 4,271 edges with `dot` takes minutes; gvpr reads it with Graphviz's own parser.
    const res = spawnSync('/usr/bin/gvpr', ['-c', 'N{}'], { input: dot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout.split(' -> ').length - 1).toBe(4271);
  });
});
