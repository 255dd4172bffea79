// Opening the SQLite database of a store: the connection, its migrations, and the writer that
// commits batches (on a thread of its own for a file database).
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import { InlineWriter, ThreadWriter, type BatchWriter } from './batch-writer.ts';
import { openConnection } from './connection.ts';
import { migrate, SQLITE_MIGRATIONS, type Migration } from './migrations.ts';
import { SqliteQueries } from './sqlite-queries.ts';

// The writer thread may wait long for a lock: it holds nobody up but its own queue.
const WRITER_BUSY_TIMEOUT = 30_000;
// Room for the eval-hash index of a few hundred thousand cache entries, the only tree that new rows
// reach at random (migration 4); a larger cache only added to a long run's peak memory.
const WRITER_CACHE_KIB = 32 * 1024;

export interface OpenedDatabase {
  db: DatabaseSync;
  queries: SqliteQueries;
  writer: BatchWriter;
}

/** Opens and migrates the database at `path`; a StoreError says what is wrong with it. */
export function openDatabase(
  path: string,
  options: {
    busyTimeout?: number | undefined;
    migrations?: readonly Migration[] | undefined;
    writerThread?: boolean | undefined;
  },
  memory: boolean,
): OpenedDatabase {
  let db: DatabaseSync | undefined;
  try {
    db = openConnection(path, { busyTimeout: options.busyTimeout ?? 5000, cacheKiB: WRITER_CACHE_KIB });
    migrate(db, options.migrations ?? SQLITE_MIGRATIONS, path);
  } catch (cause) {
    db?.close();
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(`cannot open database ${path}: ${String(cause)}`, {
      cause,
      hint: 'check that the file is a Baton SQLite database and is writable, or set backend.db in baton.toml',
    });
  }
  const queries = new SqliteQueries(db);
  const inline = new InlineWriter(queries);
  const writer: BatchWriter =
    memory || options.writerThread === false
      ? inline
      : new ThreadWriter({ path, busyTimeout: WRITER_BUSY_TIMEOUT, cacheKiB: WRITER_CACHE_KIB }, inline);
  return { db, queries, writer };
}
