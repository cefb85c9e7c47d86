import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/model/index.js';
import { parseSlsUri } from '../../../src/storage/sls/config.js';
import { tenantSlug, traceLogstores } from '../../../src/storage/sls/index-config.js';

const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id1', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret1' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'sls-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sls:// URI', () => {
  it('parses project, instance, endpoint and options; https unless told otherwise', () => {
    const c = parseSlsUri('sls://my-proj/inst_1?endpoint=cn-hangzhou.log.aliyuncs.com&compress=deflate&lookbackHours=6', env);
    expect(c).toMatchObject({ project: 'my-proj', instance: 'inst_1', endpoint: 'cn-hangzhou.log.aliyuncs.com', compress: 'deflate', lookbackHours: 6, timeoutMs: 30000 });
    expect(c.credentials).toEqual({ accessKeyId: 'id1', accessKeySecret: 'secret1', securityToken: undefined });
    expect(parseSlsUri('sls://proj/i?endpoint=http://127.0.0.1:8080', env).compress).toBe('deflate');
  });

  it('rejects bad URIs with one-line ConfigErrors', () => {
    for (const [uri, msg] of [
      ['sls://proj', /expected sls:\/\/PROJECT\/INSTANCE/],
      ['sls://Bad_Project/i?endpoint=x', /invalid SLS project/],
      ['sls://proj/i', /needs \?endpoint=/],
      ['sls://proj/i?endpoint=x&compress=zip', /invalid compress/],
      ['sls://proj/i?endpoint=x&foo=1', /unknown SLS store URI parameter "foo"/],
    ] as const) {
      expect(() => parseSlsUri(uri, env)).toThrow(ConfigError);
      expect(() => parseSlsUri(uri, env)).toThrow(msg);
    }
  });

  it('refuses credentials in the URI without echoing them', () => {
    const attempt = () => parseSlsUri('sls://proj/i?endpoint=x&accessKeySecret=TOPSECRET', env);
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      expect((err as Error).message).not.toContain('TOPSECRET');
      expect((err as Error).message).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    }
  });
});

describe('credentials', () => {
  it('names the environment variables when missing', () => {
    expect(() => parseSlsUri('sls://proj/i?endpoint=x', {})).toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
  });

  it('takes STS tokens and aliyun-log-jaeger variable names', () => {
    expect(parseSlsUri('sls://proj/i?endpoint=x', { ...env, ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' }).credentials.securityToken).toBe('tok');
    expect(parseSlsUri('sls://proj/i?endpoint=x', { ACCESS_KEY_ID: 'a', ACCESS_KEY_SECRET: 'b' }).credentials).toMatchObject({ accessKeyId: 'a', accessKeySecret: 'b' });
  });

  it('reads an Alibaba Cloud INI credentials file and an aliyun-log-jaeger YAML config', () => {
    const ini = path.join(dir, 'credentials');
    writeFileSync(ini, '[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-secret\n\n[other]\naccess_key_id = no\n');
    expect(parseSlsUri('sls://proj/i?endpoint=x', { ALIBABA_CLOUD_CREDENTIALS_FILE: ini }).credentials).toMatchObject({ accessKeyId: 'ini-id', accessKeySecret: 'ini-secret' });
    const yaml = path.join(dir, 'config.yaml');
    writeFileSync(yaml, 'ACCESS_KEY_ID: "y-id"\nACCESS_KEY_SECRET: y-secret\nPROJECT: p\n');
    expect(parseSlsUri(`sls://proj/i?endpoint=x&credentialsFile=${encodeURIComponent(yaml)}`, {}).credentials).toMatchObject({ accessKeyId: 'y-id', accessKeySecret: 'y-secret' });
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '# nothing\n');
    expect(() => parseSlsUri('sls://proj/i?endpoint=x', { ALIBABA_CLOUD_CREDENTIALS_FILE: empty })).toThrow(ConfigError);
    expect(() => parseSlsUri('sls://proj/i?endpoint=x', { ALIBABA_CLOUD_CREDENTIALS_FILE: path.join(dir, 'missing') })).toThrow(/cannot read SLS credentials file/);
  });
});

describe('logstore names', () => {
  it('default tenant uses <instance>-traces, others a safe distinct slug', () => {
    expect(traceLogstores('inst')).toEqual({ traces: 'inst-traces', deps: 'inst-traces-deps', archive: 'inst-traces-archive' });
    expect(traceLogstores('inst', 'tenant-a').traces).toBe('inst-t-tenant-a-traces');
    expect(tenantSlug('Tenant A')).not.toBe(tenantSlug('tenant-a'));
    expect(tenantSlug('Tenant A')).toMatch(/^[a-z0-9-]+$/);
    expect(tenantSlug('租户')).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('endpoint', () => {
  it('defaults to https and keeps an explicit scheme and port', async () => {
    const { splitEndpoint } = await import('../../../src/storage/sls/sls-client.js');
    expect(splitEndpoint('cn-hangzhou.log.aliyuncs.com')).toEqual({ scheme: 'https', host: 'cn-hangzhou.log.aliyuncs.com', port: undefined });
    expect(splitEndpoint('http://127.0.0.1:8080')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 8080 });
    expect(() => splitEndpoint('ftp://x/y')).toThrow(/invalid SLS endpoint/);
    const { SlsClient } = await import('../../../src/storage/sls/sls-client.js');
    const credentials = { accessKeyId: 'a', accessKeySecret: 'b' };
    const remote = new SlsClient({ endpoint: 'cn-hangzhou.log.aliyuncs.com', credentials });
    const local = new SlsClient({ endpoint: 'http://127.0.0.1:9', credentials });
    expect([remote.use_https, remote.endpoint, local.use_https, local.endpoint]).toEqual([true, 'cn-hangzhou.log.aliyuncs.com', false, '127.0.0.1:9']);
    remote.close();
    local.close();
  });
});
