import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** ../shared/data beside the clone (CI has it; a clone elsewhere may not). */
export const SHARED_DATA = path.resolve(fileURLToPath(new URL('../../../shared/data', import.meta.url)));

export const hasSharedData = existsSync(SHARED_DATA);

/** Path under ../shared/data, or undefined with a visible note when the folder is absent. */
export function sharedDataPath(relative: string): string | undefined {
  if (!hasSharedData) {
    console.warn(`skipping: ${relative} needs ../shared/data beside the clone (not present)`);
    return undefined;
  }
  return path.join(SHARED_DATA, relative);
}
