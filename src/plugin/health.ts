import type * as grpc from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { decoded, type MalformedRequest } from './calls.js';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

type Request = { service: string } | MalformedRequest;

/**
 * grpc.health.v1.Health over a fixed set of service names. Check of an unregistered name is
 * NOT_FOUND (as Go's health server answers); Watch streams the status until the server stops.
 */
export class HealthService {
  private readonly statuses = new Map<string, number>();
  private readonly watchers = new Set<grpc.ServerWritableStream<Request, { status: number }>>();

  constructor(names: readonly string[]) {
    for (const name of names) this.statuses.set(name, SERVING_STATUS.SERVING);
  }

  status(name: string): number | undefined {
    return this.statuses.get(name);
  }

  /** Marks every name NOT_SERVING and ends open Watch streams (so shutdown is not held up). */
  stop(): void {
    for (const name of this.statuses.keys()) this.statuses.set(name, SERVING_STATUS.NOT_SERVING);
    for (const call of this.watchers) {
      call.write({ status: SERVING_STATUS.NOT_SERVING });
      call.end();
    }
    this.watchers.clear();
  }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let service: string;
        try {
          service = decoded(call.request).service;
        } catch (err) {
          callback({ code: grpcStatus.INVALID_ARGUMENT, details: (err as Error).message });
          return;
        }
        const status = this.statuses.get(service);
        if (status === undefined) callback({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
        else callback(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<Request, { status: number }>) => {
        let service: string;
        try {
          service = decoded(call.request).service;
        } catch (err) {
          call.emit('error', { code: grpcStatus.INVALID_ARGUMENT, details: (err as Error).message });
          return;
        }
        call.write({ status: this.statuses.get(service) ?? SERVING_STATUS.SERVICE_UNKNOWN });
        this.watchers.add(call);
        call.on('cancelled', () => this.watchers.delete(call));
      },
    };
  }
}
