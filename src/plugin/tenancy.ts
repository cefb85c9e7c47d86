import type * as grpc from '@grpc/grpc-js';
import { PermissionError } from '../model/index.js';

/** Jaeger's multi-tenancy settings: the header (lower-case metadata key) and the allowed tenants. */
export interface TenancyOptions {
  header: string;
  /** Allowed tenants; empty or undefined accepts any tenant. */
  tenants?: readonly string[];
}

/**
 * The tenant of a call, as Jaeger's remote-storage guard decides it: no header ⇒ UNAUTHENTICATED
 * "missing tenant header"; more than one value ⇒ PERMISSION_DENIED "extra tenant header"; a tenant
 * not in the list ⇒ PERMISSION_DENIED "unknown tenant".
 */
export function tenantFromMetadata(metadata: grpc.Metadata, options: TenancyOptions): string {
  // NOTE: Node's HTTP/2 joins repeated headers into one "a, b" value; tenants never contain commas
  // (Jaeger configures them as a comma-separated list), so a comma means more than one header.
  const values = metadata.get(options.header).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (values.length === 0) throw new PermissionError('missing tenant header', true);
  if (values.length > 1) throw new PermissionError('extra tenant header');
  const tenant = String(values[0]);
  if (options.tenants && options.tenants.length > 0 && !options.tenants.includes(tenant)) throw new PermissionError('unknown tenant');
  if (tenant === '') throw new PermissionError('missing tenant header', true);
  return tenant;
}
