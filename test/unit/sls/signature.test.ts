import Client from '@alicloud/log';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signature, stringToSign } from '../../support/sls-emulator/signature.js';

// Official test vectors (sls.md §6).
const AK_SECRET = '4fdO2fTDDnZPU/L7CHNdemB2Nsk=';

describe('SLS signature v1 (emulator side)', () => {
  it('reproduces the documented GET vector', () => {
    const text = stringToSign({
      verb: 'GET',
      path: '/logstores',
      query: { logstoreName: '', offset: '0', size: '1000' },
      headers: { date: 'Mon, 09 Nov 2015 06:11:16 GMT', 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1' },
    });
    expect(text).toBe('GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\nx-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n/logstores?logstoreName=&offset=0&size=1000');
    expect(signature(AK_SECRET, text)).toBe('jEYOTCJs2e88o+y5F4/S5IsnBJQ=');
  });

  it('reproduces the documented POST vector', () => {
    const text = stringToSign({
      verb: 'POST',
      path: '/logstores/test-logstore',
      query: {},
      headers: {
        'content-md5': '1DD45FA4A70A9300CC9FE7305AF2C494',
        'content-type': 'application/x-protobuf',
        date: 'Mon, 09 Nov 2015 06:03:03 GMT',
        'x-log-apiversion': '0.6.0',
        'x-log-bodyrawsize': '50',
        'x-log-compresstype': 'lz4',
        'x-log-signaturemethod': 'hmac-sha1',
      },
    });
    expect(signature(AK_SECRET, text)).toBe('XWLGYHGg2F2hcfxWxMLiNkGki6g=');
  });

  it('agrees with the SDK signer on arbitrary queries (property)', () => {
    const sdk = new Client({ accessKeyId: 'id', accessKeySecret: 'secret', endpoint: 'example.com' }) as unknown as {
      _sign(verb: string, path: string, queries: Record<string, string>, headers: Record<string, string>, creds: { accessKeyId: string; accessKeySecret: string }): string;
    };
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-zA-Z]{1,8}$/), fc.string({ maxLength: 30 })), fc.string({ maxLength: 20 }), (query, token) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', date: new Date(0).toUTCString(), 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1', 'x-acs-security-token': token };
        const ours = `LOG id:${signature('secret', stringToSign({ verb: 'GET', path: '/logstores/ls', query, headers }))}`;
        expect(sdk._sign('GET', '/logstores/ls', query, headers, { accessKeyId: 'id', accessKeySecret: 'secret' })).toBe(ours);
      }),
      { numRuns: 200 },
    );
  });
});
