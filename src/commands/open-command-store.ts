import type { CliContext } from './context.js';
import { JaegerSlsError, StorageUnavailableError } from '../model/index.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/types.js';
import { mentionsLatest, newestTraceStart } from './shared-options.js';

/**
 * openStore for a command: backend logs go to stderr (none when quiet), and a failure that is not
 * already a typed error becomes a one-line StorageUnavailableError naming the URI (query dropped).
 * The third argument is `readOnly` or `{readOnly, quiet}`.
 */
export async function openCommandStore(
  uri: string,
  ctx: CliContext,
  readOnlyOrOptions: boolean | { readOnly?: boolean; quiet?: boolean } = {},
): Promise<Store> {
  const options = typeof readOnlyOrOptions === 'boolean' ? { readOnly: readOnlyOrOptions } : readOnlyOrOptions;
  try {
    return await openStore(uri, { env: ctx.env, readOnly: options.readOnly ?? false, log: options.quiet ? () => {} : (line) => ctx.err(line) });
  } catch (err) {
    if (err instanceof JaegerSlsError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    // The query part may carry options; never echo it (it could hold a secret someone put there).
    throw new StorageUnavailableError(`cannot open store "${uri.split('?')[0]}": ${message}`, { cause: err });
  }
}

/**
 * The reference point `latest` of the time flags: the newest trace start in the store at `uri`, read
 * only when one of `timeFlags` uses it (undefined otherwise).
 */
export async function latestReference(uri: string, ctx: CliContext, timeFlags: Array<string | undefined>, quiet = false): Promise<number | undefined> {
  if (!mentionsLatest(...timeFlags)) return undefined;
  const store = await openCommandStore(uri, ctx, { readOnly: true, quiet });
  try {
    return await newestTraceStart(store, `store "${uri.split('?')[0]}"`);
  } finally {
    await store.close();
  }
}
