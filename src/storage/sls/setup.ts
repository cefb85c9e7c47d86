import { ConfigError } from '../../model/index.js';
import { parseSlsUri } from './config.js';
import { traceLogstores } from './index-config.js';
import { openSlsStore } from './sls-store.js';

export interface SlsInitResult {
  project: string;
  logstore: string;
  createdLogstore: boolean;
  createdIndex: boolean;
}

/**
 * `sls init`: creates `<instance>-traces` and its span index when missing; idempotent.
 * `-traces-deps` is left to the SLS Trace app (its scheduled SQL fills it; an empty one would hide
 * the SQL aggregation fallback).
 */
export async function initSlsStore(uri: string, env: NodeJS.ProcessEnv): Promise<SlsInitResult> {
  if (!/^sls:\/\//i.test(uri)) throw new ConfigError('sls init needs --store sls://PROJECT/INSTANCE?endpoint=ENDPOINT');
  const config = parseSlsUri(uri, env);
  const store = await openSlsStore(config, { skipStartupCheck: true });
  try {
    const logstore = traceLogstores(config.instance).traces;
    const { createdLogstore, createdIndex } = await store.ensureLogstore(logstore);
    return { project: config.project, logstore, createdLogstore, createdIndex };
  } finally {
    await store.close();
  }
}
