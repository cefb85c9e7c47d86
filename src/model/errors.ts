/**
 * Typed domain errors. Transport layers map them in one place each:
 * gRPC status in src/storage/grpc/status.ts, exit codes in src/cli/exit-codes.ts.
 */

export class JaegerSlsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The requested trace does not exist in the store. Message is Jaeger's exact text. */
export class TraceNotFoundError extends JaegerSlsError {
  constructor(readonly traceId?: string) {
    super('trace not found');
  }
}

/** A request or input value is malformed (bad id, negative duration, bad query). */
export class InvalidArgumentError extends JaegerSlsError {}

/** A trace file entry could not be read; `where` names the file and position. */
export class InputFormatError extends InvalidArgumentError {
  constructor(readonly where: string, readonly reason: string) {
    super(`${where}: ${reason}`);
  }
}

/** The backend does not implement this operation. */
export class NotSupportedError extends JaegerSlsError {}

/** The backend cannot be reached or failed transiently; the caller may retry. */
export class StorageUnavailableError extends JaegerSlsError {}

/** The caller is not allowed (missing or unknown tenant, bad credentials). */
export class PermissionError extends JaegerSlsError {
  constructor(message: string, readonly unauthenticated = false) {
    super(message);
  }
}

/** Bad configuration: a flag, env var, config key or store URI. Exit code 2. */
export class ConfigError extends JaegerSlsError {}

/** Analysis modules reject unusable input with this, message prefixed by the module path. */
export class AnalysisInputError extends JaegerSlsError {}

/** The time window (or the whole source) holds no traces: nothing to analyse or export. */
export class NoDataError extends JaegerSlsError {}

/** The server is at a configured limit (concurrent reads) and refuses more work for now; retry later. */
export class ResourceExhaustedError extends JaegerSlsError {}
