import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  InvalidArgumentError,
  NotSupportedError,
  PermissionError,
  StorageUnavailableError,
  TraceNotFoundError,
} from '../../../src/model/index.js';
import { fromServiceError, toServiceError } from '../../../src/storage/grpc/status.js';
import { tenantFromMetadata } from '../../../src/plugin/tenancy.js';

describe('storage/grpc/status', () => {
  it('maps domain errors to gRPC codes, Jaeger’s "trace not found" text, INTERNAL with the message only', () => {
    expect(toServiceError(new TraceNotFoundError('abc'))).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'trace not found' });
    expect(toServiceError(new InvalidArgumentError('bad id'))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'bad id' });
    expect(toServiceError(new NotSupportedError('no'))).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    expect(toServiceError(new StorageUnavailableError('down'))).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(toServiceError(new PermissionError('missing tenant header', true))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(toServiceError(new PermissionError('unknown tenant'))).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const internal = new Error('disk on fire\n    at secret (file.ts:1:1)');
    expect(toServiceError(internal)).toEqual({ code: grpc.status.INTERNAL, details: 'disk on fire', message: 'disk on fire' });
    expect(toServiceError(new ConfigError('x')).code).toBe(grpc.status.INTERNAL);
  });

  it('maps remote statuses back to domain errors', () => {
    const err = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });
    expect(fromServiceError(err(grpc.status.NOT_FOUND, 'x'), 'GetTrace')).toBeInstanceOf(TraceNotFoundError);
    expect(fromServiceError(err(grpc.status.UNKNOWN, 'trace not found'), 'GetTrace')).toBeInstanceOf(TraceNotFoundError);
    expect(fromServiceError(err(grpc.status.UNIMPLEMENTED, 'x'), 'm')).toBeInstanceOf(NotSupportedError);
    expect(fromServiceError(err(grpc.status.UNAVAILABLE, 'x'), 'm')).toBeInstanceOf(StorageUnavailableError);
    expect(fromServiceError(err(grpc.status.INVALID_ARGUMENT, 'x'), 'm')).toBeInstanceOf(InvalidArgumentError);
    expect(fromServiceError(err(grpc.status.PERMISSION_DENIED, 'unknown tenant'), 'm')).toBeInstanceOf(PermissionError);
  });
});

describe('plugin/tenancy', () => {
  const md = (...values: string[]) => {
    const m = new grpc.Metadata();
    for (const v of values) m.add('x-tenant', v);
    return m;
  };
  it('follows Jaeger’s guard', () => {
    expect(tenantFromMetadata(md('a'), { header: 'x-tenant', tenants: ['a'] })).toBe('a');
    expect(tenantFromMetadata(md('anyone'), { header: 'x-tenant' })).toBe('anyone');
    expect(() => tenantFromMetadata(md(), { header: 'x-tenant' })).toThrow('missing tenant header');
    expect(() => tenantFromMetadata(md('a', 'b'), { header: 'x-tenant' })).toThrow('extra tenant header');
    expect(() => tenantFromMetadata(md('a, b'), { header: 'x-tenant' })).toThrow('extra tenant header');
    expect(() => tenantFromMetadata(md('c'), { header: 'x-tenant', tenants: ['a'] })).toThrow('unknown tenant');
  });
});
