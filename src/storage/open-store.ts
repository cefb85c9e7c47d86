import { ConfigError } from '../model/index.js';
import { createMemoryStore } from './memory/memory-store.js';
import type { Store } from './types.js';

export const DEFAULT_STORE_URI = 'sqlite:jaeger-sls.db';

export interface OpenStoreOptions {
  /** Environment for credentials (SLS) — never flags. */
  env?: NodeJS.ProcessEnv;
  /** Open for reading only where the backend can (sqlite: no migrations, no writes). */
  readOnly?: boolean;
  /** stderr log sink for backends that report progress or warnings. */
  log?: (line: string) => void;
}

export const STORE_SCHEMES = ['sqlite:PATH', 'memory:', 'sls://PROJECT/INSTANCE?endpoint=HOST', 'grpc://HOST:PORT', 'http(s)://HOST:PORT', 'file:PATH'];

/** The one place store URIs are parsed and a backend chosen. */
export async function openStore(uri: string, options: OpenStoreOptions = {}): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite': {
      const { openSqliteStoreUri } = await import('./sqlite/sqlite-store.js');
      return openSqliteStoreUri(uri, { readOnly: options.readOnly });
    }
    case 'file': {
      const { openFileStore } = await import('./file/file-store.js');
      return openFileStore(uri, options);
    }
    case 'grpc': {
      const { openRemoteStore } = await import('./grpc/grpc-store.js');
      return openRemoteStore(uri);
    }
    case 'http':
    case 'https': {
      const { openJaegerQueryStore } = await import('./jaeger-query/jaeger-query-store.js');
      return openJaegerQueryStore(uri, { env: options.env });
    }
    case 'sls': {
      const { openSlsStoreUri } = await import('./sls/open.js');
      return openSlsStoreUri(uri, options);
    }
    default:
      throw new ConfigError(`unknown store "${uri}": expected one of ${STORE_SCHEMES.join(', ')}`);
  }
}
