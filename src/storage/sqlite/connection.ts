/**
 * The open connection of the embedded store as its parts share it: the file's path, whether it is
 * read-only or closed, SQLite failures turned into StorageUnavailableError, and tenant name → id.
 */
import Database from 'better-sqlite3';
import { StorageUnavailableError } from '../../model/index.js';

export class SqliteConnection {
  closed = false;
  private readonly tenantIds = new Map<string, number>();
  private readonly selectTenant;
  private readonly insertTenant;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly readOnly: boolean,
  ) {
    this.selectTenant = db.prepare<[string], { id: number }>('SELECT id FROM tenants WHERE name = ?');
    this.insertTenant = readOnly ? undefined : db.prepare<[string]>('INSERT OR IGNORE INTO tenants (name) VALUES (?)');
  }

  /** Runs `fn` on the open connection, turning SQLite failures into StorageUnavailableError. */
  use<T>(fn: () => T): T {
    if (this.closed) throw new StorageUnavailableError(`sqlite store "${this.path}" is closed`);
    try {
      return fn();
    } catch (error) {
      if (error instanceof Database.SqliteError) throw new StorageUnavailableError(`sqlite store "${this.path}": ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** The tenant's row id; `create` adds the tenant when unknown (writing connections only). */
  tenantId(name: string, create: boolean): number | undefined {
    const cached = this.tenantIds.get(name);
    if (cached !== undefined) return cached;
    let row = this.selectTenant.get(name);
    if (!row && create) {
      this.insertTenant!.run(name);
      row = this.selectTenant.get(name);
    }
    if (row) this.tenantIds.set(name, row.id);
    return row?.id;
  }

  /** Drops the cached tenant ids (after a purge). */
  forgetTenants(): void {
    this.tenantIds.clear();
  }
}
