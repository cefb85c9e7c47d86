import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../src/model/index.js';
import { spanFacts } from '../../../src/facts/dependency-spans.js';
import { span } from '../analysis/fixtures.js';

const facts = (tags: KeyValue[]) => spanFacts(span({ id: 'a', service: 's', start: 0, duration: 1, tags }));
const str = (key: string, value: string): KeyValue => ({ key, type: 'string', value });

describe('facts/dependency-spans spanFacts', () => {
  it('reads the kind, in any case, and only from a string tag', () => {
    expect(facts([str('span.kind', 'client')]).kind).toBe('client');
    expect(facts([str('span.kind', 'SERVER')]).kind).toBe('server');
    expect(facts([{ key: 'span.kind', type: 'int64', value: 2n }]).kind).toBe('');
    // A key of the same length as span.kind, but another key.
    expect(facts([str('span.kine', 'client')]).kind).toBe('');
  });

  it('names the peer from each of its tag keys, in the order of precedence', () => {
    expect(facts([str('peer.service', 'p'), str('server.address', 'a')])).toMatchObject({ peer: 'p', peerType: 'virtual', peerServiceTagged: true });
    expect(facts([str('server.address', 'a'), str('net.peer.name', 'n')])).toMatchObject({ peer: 'a', peerType: 'virtual' });
    expect(facts([str('net.peer.name', 'n'), str('peer.hostname', 'h')])).toMatchObject({ peer: 'n', peerType: 'virtual' });
    expect(facts([str('peer.hostname', 'h')])).toMatchObject({ peer: 'h', peerType: 'virtual' });
    expect(facts([str('peer.service', 'p'), str('messaging.system', 'kafka')])).toMatchObject({ peer: 'p', peerType: 'messaging' });
    expect(facts([str('messaging.system', 'kafka')])).toMatchObject({ peer: 'kafka', peerType: 'messaging' });
    for (const system of ['db.system', 'db.type']) expect(facts([str(system, 'mysql')])).toMatchObject({ peer: 'mysql', peerType: 'database' });
    for (const name of ['db.name', 'db.namespace', 'db.instance']) expect(facts([str('db.system', 'mysql'), str(name, 'orders')])).toMatchObject({ peer: 'orders', peerType: 'database' });
    for (const address of ['network.peer.address', 'net.sock.peer.addr']) {
      expect(facts([str('db.system', 'redis'), str(address, '10.0.0.1'), { key: 'network.peer.port', type: 'int64', value: 6379n }])).toMatchObject({ peer: '10.0.0.1:6379', peerType: 'database' });
    }
    expect(facts([str('peer.service', 'orders-db'), str('db.system', 'mysql')])).toMatchObject({ peer: 'orders-db', peerType: 'database' });
    expect(facts([str('http.method', 'GET'), str('component', 'net/http')])).toMatchObject({ kind: '', error: false, peer: undefined, peerType: '', peerServiceTagged: false });
  });

  it('marks a failure from every failure key, also after the peer keys', () => {
    expect(facts([str('span.kind', 'client'), { key: 'error', type: 'bool', value: true }]).error).toBe(true);
    expect(facts([str('otel.status_code', 'ERROR')]).error).toBe(true);
    expect(facts([{ key: 'http.status_code', type: 'int64', value: 502n }]).error).toBe(true);
    expect(facts([{ key: 'http.response.status_code', type: 'int64', value: 500n }]).error).toBe(true);
    expect(facts([{ key: 'rpc.grpc.status_code', type: 'int64', value: 14n }]).error).toBe(true);
    expect(facts([str('grpc.status_code', '2')]).error).toBe(true);
    expect(facts([{ key: 'http.status_code', type: 'int64', value: 404n }, str('peer.service', 'p')])).toMatchObject({ error: false, peer: 'p' });
  });
});
