import type { LogLevel } from '../config/serve-config.js';
import { LOG_LEVELS } from '../config/serve-config.js';

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * Structured logs, one JSON object per line in hashicorp hclog's shape (`@level`, `@message`,
 * `@timestamp`, `@module`, then fields) — what Jaeger parses from a sidecar's stderr, and easy to
 * grep. Lines below `level` are dropped. `write` receives one line without its newline.
 */
export function createJsonLogger(write: (line: string) => void, level: LogLevel = 'info', now: () => Date = () => new Date()): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const record: Record<string, unknown> = { '@level': lvl, '@message': message, '@module': 'jaeger-sls', '@timestamp': now().toISOString() };
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = v;
    write(JSON.stringify(record));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const SILENT_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };
