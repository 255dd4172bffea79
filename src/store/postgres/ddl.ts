// The store's migrations applied to PostgreSQL: the SQLite statements with their types translated,
// one transaction under an advisory lock, so concurrent schedulers create or upgrade a schema once.
import type pg from 'pg';
import { StoreError } from '../../errors.ts';
import type { Migration } from '../migrations.ts';
import { lockKey } from './connect.ts';
import type { PostgresTarget } from './url.ts';

/**
 * SQLite DDL as PostgreSQL DDL: INTEGER columns hold milliseconds (BIGINT), BLOB is BYTEA, and text
 * compares bytewise (COLLATE "C", as in SQLite) so that id-prefix ranges can use the primary keys.
 */
export function postgresDdl(sql: string): string {
  return sql
    .replace(/\)\s*WITHOUT ROWID/g, ')')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bBLOB\b/g, 'BYTEA')
    .replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');
}

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** The schema version of the store's schema; 0 when it has no tables yet. */
export async function schemaVersion(
  db: Pick<pg.ClientBase, 'query'>,
  target: PostgresTarget,
): Promise<number> {
  const table = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${target.schema}.schema_migrations`,
  ]);
  if (!table.rows[0]?.present) return 0;
  const row = await db.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return row.rows[0]?.version ?? 0;
}

export interface MigrateOptions {
  /** Apply migrations to a schema that has some already (`baton db upgrade`). */
  upgrade: boolean;
}

/**
 * Creates the schema of an empty database; with `upgrade`, also brings an older one up to date.
 * @returns the schema version afterwards
 */
export async function migratePostgres(
  client: pg.PoolClient,
  target: PostgresTarget,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<number> {
  const latest = migrations.length;
  const before = await schemaVersion(client, target);
  if (before === latest) return latest;
  if (before > latest) throw newerSchema(target, before, latest);
  if (before > 0 && !options.upgrade) {
    throw new StoreError(
      `database ${target.display} (schema ${target.schema}) has schema version ${before}; this Baton needs ${latest}`,
      {
        hint: 'run baton db upgrade to bring the shared store up to date (everyone who uses it then needs this Baton or newer)',
      },
    );
  }
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey(`baton.migrate:${target.schema}`)]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${target.schema}`);
    await client.query(MIGRATIONS_TABLE);
    // Another scheduler may have migrated while this one waited for the lock.
    const version = await schemaVersion(client, target);
    if (version > latest) throw newerSchema(target, version, latest);
    for (const m of migrations.slice(version)) {
      const statements = m.postgres ?? m.sql;
      try {
        if (statements.trim() !== '') await client.query(postgresDdl(statements));
      } catch (cause) {
        throw new StoreError(
          `migration ${m.version} (${m.name}) failed on database ${target.display}: ${String(cause)}`,
          { cause, hint: 'the database was left unchanged; see the PostgreSQL server log' },
        );
      }
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return latest;
}

function newerSchema(target: PostgresTarget, version: number, latest: number): StoreError {
  return new StoreError(
    `database ${target.display} (schema ${target.schema}) has schema version ${version}, newer than this Baton knows (${latest})`,
    { hint: 'upgrade Baton, or point backend.db in baton.toml at another database' },
  );
}
