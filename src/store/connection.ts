// Opening one SQLite connection with the settings every connection of the store uses.
import { DatabaseSync } from 'node:sqlite';

export const MEMORY_PATH = ':memory:';

export interface ConnectionOptions {
  /** How long to wait for another connection's write lock, in ms. */
  busyTimeout: number;
  /** Page cache size in KiB; the writer wants room for a large batch so commits do not spill. */
  cacheKiB?: number | undefined;
}

export function openConnection(path: string, options: ConnectionOptions): DatabaseSync {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: false });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeout)}`);
    // WAL lets the dashboard read while a run writes; NORMAL sync may lose the last commits on
    // power loss but never corrupts the database.
    if (path !== MEMORY_PATH) db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    if (options.cacheKiB !== undefined) db.exec(`PRAGMA cache_size = -${Math.trunc(options.cacheKiB)}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Whether an error from node:sqlite means another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}
