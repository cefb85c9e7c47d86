import * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  NotSupportedError,
  PermissionError,
  ResourceExhaustedError,
  StorageUnavailableError,
  TraceNotFoundError,
} from '../../model/index.js';

/** A gRPC status error as grpc-js handlers pass it to callbacks and `call.destroy`. */
export interface ServiceError extends Partial<grpc.StatusObject> {
  code: grpc.status;
  details: string;
  message: string;
}

/**
 * The one mapping from domain errors to gRPC status. Unknown errors become INTERNAL with their
 * message only (no stack, no cause). TraceNotFoundError keeps Jaeger's exact text, which Jaeger's
 * client matches on.
 */
export function toServiceError(err: unknown): ServiceError {
  const code = statusCodeFor(err);
  const text = err instanceof Error ? err.message : String(err);
  const details = err instanceof TraceNotFoundError ? 'trace not found' : text.split('\n')[0] || 'internal error';
  return { code, details, message: details };
}

export function statusCodeFor(err: unknown): grpc.status {
  if (err instanceof TraceNotFoundError) return grpc.status.NOT_FOUND;
  if (err instanceof InvalidArgumentError) return grpc.status.INVALID_ARGUMENT;
  if (err instanceof NotSupportedError) return grpc.status.UNIMPLEMENTED;
  if (err instanceof StorageUnavailableError) return grpc.status.UNAVAILABLE;
  if (err instanceof ResourceExhaustedError) return grpc.status.RESOURCE_EXHAUSTED;
  if (err instanceof PermissionError) return err.unauthenticated ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED;
  return grpc.status.INTERNAL;
}

/**
 * The reverse mapping, for the grpc:// client store: a status from a remote backend → domain error.
 * "trace not found" is recognised by code NOT_FOUND or by the exact message, as Jaeger's client does.
 */
export function fromServiceError(err: unknown, what: string): Error {
  const e = err as Partial<grpc.ServiceError>;
  const details = e.details ?? (err instanceof Error ? err.message : String(err));
  if (e.code === grpc.status.NOT_FOUND || details === 'trace not found') return new TraceNotFoundError();
  switch (e.code) {
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.OUT_OF_RANGE:
      return new InvalidArgumentError(`${what}: ${details}`);
    case grpc.status.UNIMPLEMENTED:
      return new NotSupportedError(`${what}: ${details}`);
    case grpc.status.UNAUTHENTICATED:
      return new PermissionError(`${what}: ${details}`, true);
    case grpc.status.PERMISSION_DENIED:
      return new PermissionError(`${what}: ${details}`);
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.ABORTED:
      return new StorageUnavailableError(`${what}: ${details}`);
    default:
      return new Error(`${what}: ${details}`);
  }
}
