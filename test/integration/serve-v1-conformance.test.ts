/**
 * Jaeger's v1 storage integration suite (fixtures in ../shared/data/jaeger-integration/fixtures and
 * test/fixtures/jaeger-v1) replayed over the wire: `jaeger-sls serve` is spawned from bin/, and the
 * suite talks to it through the grpc:// store forced onto the storage v1 API (WriteSpanStream /
 * WriteSpan, SpanReaderPlugin, DependenciesReaderPlugin, Archive*). Each store the suite opens is a
 * fresh tenant, which gives every test an empty store without restarting the server.
 */
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../src/storage/open-store.js';
import { describeStorageConformance } from '../storage/conformance.js';
import { startServe, type ServeProcess } from '../support/serve-harness.js';

let server: ServeProcess;
let tenants = 0;

beforeAll(async () => {
  server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--tenancy']);
});
afterAll(async () => {
  await server?.stop();
});

describeStorageConformance('grpc v1 API → serve (memory)', () => openStore(`grpc://${server.address}?api=v1&tenant=conformance-${++tenants}`), {
  skip: ['Purge'],
});
