/**
 * The files a store URI would create: a command that fails before writing removes a store it
 * created, so a rejected import or a serve that cannot bind leaves no empty database behind.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';

export interface NewStoreFiles {
  /** Removes the store's files if this run created them (no-op for a store that existed before). */
  discard(): Promise<void>;
}

/** Call before opening the store at `uri`. Only file-backed stores (`sqlite:PATH`) create files. */
export function newStoreFiles(uri: string): NewStoreFiles {
  const m = /^sqlite:(?:\/\/)?([^?]*)/i.exec(uri);
  const file = m ? m[1] || 'jaeger-sls.db' : undefined;
  if (!file || file === ':memory:' || existsSync(file)) return { discard: async () => {} };
  return {
    async discard() {
      // SQLite's companions: the write-ahead log, its shared-memory index, a rollback journal.
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) await rm(f, { force: true });
    },
  };
}
