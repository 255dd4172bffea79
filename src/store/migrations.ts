// Versioned schema changes of the store, and the code that applies the missing ones to SQLite.
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';

/** One schema change. Versions start at 1 and have no gaps; a released migration never changes. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run inside the migration transaction. */
  sql: string;
  /**
   * The PostgreSQL statements when they differ from `sql` (translated the same way); empty for a change
   * of SQLite's storage that PostgreSQL's already has.
   */
  postgres?: string;
}

const INITIAL_SCHEMA = `
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  task_name TEXT NOT NULL,
  args_preview TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  cwd TEXT NOT NULL,
  argv TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  result_hash TEXT,
  error TEXT
);
CREATE INDEX executions_by_start ON executions (started_at);
CREATE INDEX executions_by_status ON executions (status, started_at);
CREATE INDEX executions_by_task ON executions (task_name, started_at);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  parent_id TEXT,
  task_name TEXT NOT NULL,
  task_hash TEXT NOT NULL,
  eval_hash TEXT NOT NULL,
  call_hash TEXT,
  executor TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  cached_from_job_id TEXT,
  cached_from_execution_id TEXT,
  args_hash TEXT,
  result_hash TEXT,
  error TEXT
);
CREATE INDEX jobs_by_execution ON jobs (execution_id, id);

CREATE TABLE tasks (
  hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  module_url TEXT NOT NULL
);

CREATE TABLE cache_entries (
  eval_hash TEXT PRIMARY KEY,
  value_hash TEXT NOT NULL,
  call_hash TEXT NOT NULL,
  job_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- data is NULL when the value lives in a file of the values folder. WITHOUT ROWID: one B-tree
-- keyed by hash instead of a table plus an index, since most values are small.
CREATE TABLE "values" (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  data BLOB,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tags (
  entity_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (entity_id, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key ON tags (key, value);
`;

// Calls a scheduler is computing right now, in a store several schedulers share (PostgreSQL): the
// first to insert an eval hash computes it, the others wait. owner_key is the advisory lock the
// owner's database session holds while it lives, so the lease of a killed scheduler passes on at once.
const CALL_LEASES = `
CREATE TABLE call_leases (
  eval_hash TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  owner_key INTEGER NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

// A run that outlives its terminal: its scheduler writes a sign of life while it runs and looks for a
// cancel request that `baton cancel` records (from any host that shares the store). Jobs keep a short
// rendering of their arguments for `baton log --job` and the dashboard.
const RUN_CONTROL = `
ALTER TABLE executions ADD COLUMN heartbeat_at INTEGER;
ALTER TABLE executions ADD COLUMN cancel_requested_at INTEGER;
ALTER TABLE jobs ADD COLUMN args_preview TEXT;
CREATE INDEX cache_entries_by_created ON cache_entries (created_at);
`;

// Cache entries in the order they are made, found by an index on the eval hash. Keyed by the hash
// itself, every batch of new entries landed on pages all over the table, and each commit rewrote most
// of it; now a batch appends its rows and only the smaller index takes the scattered writes.
// PostgreSQL keeps a table's rows in a heap beside its primary key's index already.
const CACHE_IN_INSERT_ORDER = `
CREATE TABLE cache_entries_in_order (
  eval_hash TEXT NOT NULL,
  value_hash TEXT NOT NULL,
  call_hash TEXT NOT NULL,
  job_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO cache_entries_in_order (eval_hash, value_hash, call_hash, job_id, execution_id, created_at)
  SELECT eval_hash, value_hash, call_hash, job_id, execution_id, created_at FROM cache_entries ORDER BY created_at;
DROP TABLE cache_entries;
ALTER TABLE cache_entries_in_order RENAME TO cache_entries;
CREATE UNIQUE INDEX cache_entries_by_eval_hash ON cache_entries (eval_hash);
CREATE INDEX cache_entries_by_created ON cache_entries (created_at);
`;

/**
 * Every migration of the store, oldest first. Written for SQLite; the PostgreSQL store applies the
 * same list through a small translation of types (src/store/postgres/ddl.ts), so both keep one schema.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'call leases', sql: CALL_LEASES },
  { version: 3, name: 'run control and job arguments', sql: RUN_CONTROL },
  { version: 4, name: 'cache entries in insertion order', sql: CACHE_IN_INSERT_ORDER, postgres: '' },
];

/** The schema version this Baton writes. */
export const LATEST_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

function currentVersion(db: DatabaseSync): number {
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get();
  return typeof row?.version === 'number' ? row.version : 0;
}

/**
 * Brings the database up to the newest migration in one transaction. A database written by a newer
 * Baton (a version this code does not know) is refused rather than guessed at.
 * @returns the schema version after migrating
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[], dbPath: string): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new StoreError(`store migrations are out of order at version ${m.version} (expected ${i + 1})`);
  });
  const latest = migrations.length;
  db.exec(MIGRATIONS_TABLE);
  if (currentVersion(db) === latest) return latest;
  // IMMEDIATE takes the write lock first, so two processes opening an old database migrate it once.
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = currentVersion(db);
    if (version > latest) {
      throw new StoreError(
        `database ${dbPath} has schema version ${version}, newer than this Baton knows (${latest})`,
        { hint: 'upgrade Baton, or point backend.db in baton.toml at another database' },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations.slice(version)) {
      try {
        db.exec(m.sql);
      } catch (cause) {
        throw new StoreError(
          `migration ${m.version} (${m.name}) failed on database ${dbPath}: ${String(cause)}`,
          {
            cause,
            hint: 'the database was left unchanged; restore it from a backup or move it aside to start afresh',
          },
        );
      }
      record.run(m.version, m.name, Date.now());
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return latest;
}
