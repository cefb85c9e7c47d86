import { describe, expect, it } from 'vitest';
import { OperationKeys } from '../../../src/analysis/operation-keys.js';
import { ServiceLinkCounter } from '../../../src/analysis/service-links.js';
import { summarizeTrace } from '../../../src/analysis/span-tree.js';
import { normalTraces, trace } from './fixtures.js';

describe('analysis/service-links ServiceLinkCounter', () => {
  it('counts cross-service calls and calls to uninstrumented peers', () => {
    const keys = new OperationKeys();
    const c = new ServiceLinkCounter(keys);
    for (const t of normalTraces(5, 0, 1)) c.add(summarizeTrace(t, keys));
    expect(c.links()).toEqual([
      { parent: 'front', child: 'mid', callCount: 5 },
      { parent: 'mid', child: 'db', callCount: 5 },
    ]);
  });

  it('does not add a peer link where an instrumented link exists, nor self-links', () => {
    const keys = new OperationKeys();
    const c = new ServiceLinkCounter(keys);
    c.add(
      summarizeTrace(
        trace([
          { id: 'r', service: 'a', start: 0, duration: 100, kind: 'server' },
          { id: 'c', parent: 'r', service: 'a', start: 1, duration: 50, kind: 'client', tags: [{ key: 'peer.service', type: 'string', value: 'b' }] },
          { id: 'd', parent: 'r', service: 'a', start: 60, duration: 10, kind: 'client', tags: [{ key: 'peer.service', type: 'string', value: 'b' }] },
          { id: 's', parent: 'c', service: 'b', start: 2, duration: 40, kind: 'server' },
          { id: 'x', parent: 'r', service: 'a', start: 80, duration: 5, kind: 'client', tags: [{ key: 'peer.service', type: 'string', value: 'a' }] },
        ]),
        keys,
      ),
    );
    expect(c.links()).toEqual([{ parent: 'a', child: 'b', callCount: 1 }]);
  });
});
