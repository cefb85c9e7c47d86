/**
 * TLS and mutual TLS with certificates generated in the test (openssl, into a temp dir): a CA, a
 * server certificate for 127.0.0.1, a client certificate. Checks the raw client, the grpc:// store's
 * TLS options, and that plaintext or certificate-less clients are refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.js';
import { openStore } from '../../src/storage/open-store.js';
import { healthStatus, startServe } from '../support/serve-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jaeger-sls-tls-'));
const file = (name: string) => path.join(dir, name);

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** CA, server (SAN 127.0.0.1, localhost) and client certificates, EC P-256, valid one day. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=jaeger-sls test CA', '-days', '1']);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl(['req', ...ec, '-keyout', file(`${who}.key`), '-out', file(`${who}.csr`), '-subj', `/CN=${who === 'server' ? 'localhost' : 'jaeger'}`]);
    openssl(['x509', '-req', '-in', file(`${who}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${who}.crt`), '-days', '1', '-extfile', file(`${who}.ext`)]);
  }
}

const span: Span = {
  traceId: '00000000000000000000000000000f00',
  spanId: '0000000000000001',
  operationName: 'secure-op',
  references: [],
  flags: 0,
  startTime: Date.now() * 1000,
  duration: 7,
  tags: [],
  logs: [],
  process: { serviceName: 'secure-service', tags: [] },
  warnings: [],
};

beforeAll(() => makeCertificates());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS', () => {
  it('serves TLS with --tls-cert/--tls-key; plaintext clients are refused', async () => {
    const server = await startServe(['--listen', '127.0.0.1:0', '--store', 'memory:', '--tls-cert', file('server.crt'), '--tls-key', file('server.key')]);
    try {
      expect(server.logs().find((l) => l['@message'] === 'listening')?.tls).toBe('server');
      const creds = grpc.credentials.createSsl(readFileSync(file('ca.crt')));
      expect(await healthStatus(server.address, '', creds)).toBe(1);
      await expect(healthStatus(server.address, '')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      const store = await openStore(`grpc://${server.address}?ca=${encodeURIComponent(file('ca.crt'))}`);
      try {
        await store.writeSpans([span]);
        expect((await store.getTrace({ traceId: span.traceId })).spans[0].operationName).toBe('secure-op');
      } finally {
        await store.close();
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('requires a client certificate signed by --tls-ca (mutual TLS)', async () => {
    const server = await startServe([
      '--listen', '127.0.0.1:0', '--store', 'memory:',
      '--tls-cert', file('server.crt'), '--tls-key', file('server.key'), '--tls-ca', file('ca.crt'),
    ]);
    try {
      const ca = readFileSync(file('ca.crt'));
      const withCert = grpc.credentials.createSsl(ca, readFileSync(file('client.key')), readFileSync(file('client.crt')));
      expect(await healthStatus(server.address, '', withCert)).toBe(1);
      await expect(healthStatus(server.address, '', grpc.credentials.createSsl(ca))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      const q = (name: string) => encodeURIComponent(file(name));
      const store = await openStore(`grpc://${server.address}?ca=${q('ca.crt')}&cert=${q('client.crt')}&key=${q('client.key')}`);
      try {
        await store.writeSpans([span]);
        expect(await store.getServices()).toEqual(['secure-service']);
      } finally {
        await store.close();
      }
      await expect(openStore(`grpc://${server.address}?ca=${q('ca.crt')}`)).rejects.toThrow();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
