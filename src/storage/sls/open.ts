import type { Store } from '../types.js';
import { parseSlsUri } from './config.js';
import { openSlsStore } from './sls-store.js';
import type { SlsStoreOptions } from './sls-store.js';

/** openStore's entry for `sls://…` URIs; credentials come from `options.env` (never the URI). */
export async function openSlsStoreUri(
  uri: string,
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; producer?: SlsStoreOptions['producer'] } = {},
): Promise<Store> {
  const config = parseSlsUri(uri, options.env ?? process.env);
  return openSlsStore(config, { log: options.log ?? ((line) => process.stderr.write(`${line}\n`)), producer: options.producer });
}
