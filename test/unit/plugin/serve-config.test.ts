import { describe, expect, it } from 'vitest';
import { parseByteSize, parseHostPort, resolveServeConfig } from '../../../src/config/serve-config.js';
import { ConfigError } from '../../../src/model/index.js';

describe('config/serve-config', () => {
  it('has the documented defaults', () => {
    expect(resolveServeConfig({ flags: {}, env: {} })).toEqual({
      listen: { host: '127.0.0.1', port: 17271 },
      store: 'sqlite:jaeger-sls.db',
      tenancy: false,
      tenants: [],
      tenantHeader: 'x-tenant',
      maxMessageSize: 4 * 1024 * 1024,
      logLevel: 'info',
      enableStreamingWriter: true,
      exitWithParent: true,
      maxConcurrentReads: 8,
    });
  });

  it('reads the read limits and exit_with_parent from flag, env and file', () => {
    const file = { path: 'r.yaml', text: 'max_concurrent_reads: 3\nmax_trace_spans: 50000\nexit_with_parent: false\n' };
    const c = resolveServeConfig({ flags: {}, env: {}, file });
    expect([c.maxConcurrentReads, c.maxTraceSpans, c.exitWithParent]).toEqual([3, 50000, false]);
    expect(resolveServeConfig({ flags: { maxConcurrentReads: '5' }, env: { JAEGER_SLS_MAX_CONCURRENT_READS: '2' }, file }).maxConcurrentReads).toBe(5);
    expect(resolveServeConfig({ flags: {}, env: { JAEGER_SLS_MAX_CONCURRENT_READS: '2' }, file }).maxConcurrentReads).toBe(2);
    expect(() => resolveServeConfig({ flags: { maxConcurrentReads: '0' }, env: {} })).toThrow(/--max-concurrent-reads: expected a whole number ≥ 1, got "0"/);
    expect(() => resolveServeConfig({ flags: { maxTraceSpans: '1e3' }, env: {} })).toThrow(/--max-trace-spans/);
  });

  it('layers flag > env JAEGER_SLS_* > config file > default, field by field', () => {
    const file = { path: 'c.yaml', text: 'listen: 0.0.0.0:1000\nstore: "memory:"\nlog_level: warn\nmax-message-size: 8MiB\ntenants: [a, b]\n' };
    const env = { JAEGER_SLS_STORE: 'sqlite:env.db', JAEGER_SLS_LOG_LEVEL: 'error' };
    const c = resolveServeConfig({ flags: { logLevel: 'debug' }, env, file });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 1000 });
    expect(c.store).toBe('sqlite:env.db');
    expect(c.logLevel).toBe('debug');
    expect(c.maxMessageSize).toBe(8 * 1024 * 1024);
    expect(c.tenants).toEqual(['a', 'b']);
    expect(c.tenancy).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    expect(resolveServeConfig({ flags: { tenants: 'x, y' }, env: { JAEGER_SLS_TENANTS: 'z' } }).tenants).toEqual(['x', 'y']);
  });

  it('accepts the memstore plugin key enable_streaming_writer and boolean spellings', () => {
    expect(resolveServeConfig({ flags: {}, env: {}, file: { path: 'p.yaml', text: 'enable_streaming_writer: false\n' } }).enableStreamingWriter).toBe(false);
    expect(resolveServeConfig({ flags: {}, env: { JAEGER_SLS_TENANCY: 'yes' } }).tenancy).toBe(true);
    expect(resolveServeConfig({ flags: {}, env: {}, file: { path: 'empty.yaml', text: '' } }).store).toBe('sqlite:jaeger-sls.db');
  });

  it('names the unknown key, the bad field and the bad value', () => {
    const bad = (sources: Parameters<typeof resolveServeConfig>[0]) => () => resolveServeConfig(sources);
    expect(bad({ flags: {}, env: {}, file: { path: 'c.yaml', text: 'storage: x\n' } })).toThrow(/c\.yaml: unknown key "storage"/);
    expect(bad({ flags: {}, env: {}, file: { path: 'c.yaml', text: '- a\n' } })).toThrow(/expected a mapping/);
    expect(bad({ flags: {}, env: {}, file: { path: 'c.yaml', text: 'a: [\n' } })).toThrow(/not valid YAML/);
    expect(bad({ flags: { listen: 'nowhere' }, env: {} })).toThrow(/--listen: invalid address "nowhere"/);
    expect(bad({ flags: {}, env: { JAEGER_SLS_LOG_LEVEL: 'loud' } })).toThrow(/JAEGER_SLS_LOG_LEVEL: invalid log level "loud"/);
    expect(bad({ flags: {}, env: { JAEGER_SLS_MAX_MESSAGE_SIZE: '12 parsecs' } })).toThrow(/JAEGER_SLS_MAX_MESSAGE_SIZE: invalid size "12 parsecs"/);
    expect(bad({ flags: {}, env: {}, file: { path: 'c.yaml', text: 'tenancy: maybe\n' } })).toThrow(/c\.yaml: tenancy: expected true or false, got "maybe"/);
    expect(bad({ flags: { tlsCert: 'a.pem' }, env: {} })).toThrow(ConfigError);
  });

  it('parses addresses and sizes', () => {
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort(':17271')).toEqual({ host: '0.0.0.0', port: 17271 });
    expect(() => parseHostPort('127.0.0.1:70000')).toThrow(ConfigError);
    expect(parseByteSize('16MiB')).toBe(16 << 20);
    expect(parseByteSize('512k')).toBe(512 << 10);
    expect(parseByteSize('4194304')).toBe(4194304);
    expect(() => parseByteSize('3GiB')).toThrow(ConfigError);
  });
});
