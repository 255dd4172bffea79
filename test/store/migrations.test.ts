import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore, SQLITE_MIGRATIONS, type Migration } from '../../src/store/index.ts';
import { execution, job, tempDir } from './fixtures.ts';

const V2: Migration = {
  version: 2,
  name: 'jobs record their worker',
  sql: 'ALTER TABLE jobs ADD COLUMN worker TEXT; CREATE INDEX jobs_by_worker ON jobs (worker);',
};

async function dbPath(): Promise<string> {
  return join(await tempDir(), 'baton.db');
}

async function openWith(path: string, migrations: readonly Migration[]): Promise<SqliteStore> {
  const store = new SqliteStore({ path, migrations, writerThread: false });
  await store.open();
  return store;
}

function inspect<T>(path: string, query: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const versions = (db: DatabaseSync) =>
  db
    .prepare('SELECT version FROM schema_migrations ORDER BY version')
    .all()
    .map((row) => row.version);

test('a new database gets every migration and records each version', async () => {
  const path = await dbPath();
  await (await openWith(path, SQLITE_MIGRATIONS)).close();
  const tables = inspect(path, (db) =>
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name),
  );
  assert.deepEqual(tables, [
    'cache_entries',
    'executions',
    'jobs',
    'schema_migrations',
    'tags',
    'tasks',
    'values',
  ]);
  assert.deepEqual(inspect(path, versions), [1]);
});

test('a version 1 database is brought to version 2 and keeps its rows', async () => {
  const path = await dbPath();
  const v1 = await openWith(path, SQLITE_MIGRATIONS);
  const exec = execution();
  const first = job(exec.id);
  v1.putExecution(exec);
  v1.putJob(first);
  await v1.close();

  const v2 = await openWith(path, [...SQLITE_MIGRATIONS, V2]);
  assert.deepEqual(await v2.getJob(first.id), first);
  await v2.close();
  assert.deepEqual(inspect(path, versions), [1, 2]);
  const columns = inspect(path, (db) =>
    db
      .prepare('PRAGMA table_info(jobs)')
      .all()
      .map((row) => row.name),
  );
  assert.ok(columns.includes('worker'));
});

test('opening an up-to-date database applies nothing', async () => {
  const path = await dbPath();
  await (await openWith(path, [...SQLITE_MIGRATIONS, V2])).close();
  await (await openWith(path, [...SQLITE_MIGRATIONS, V2])).close();
  assert.deepEqual(inspect(path, versions), [1, 2]);
});

test('a database newer than the code is refused with a StoreError naming it and its version', async () => {
  const path = await dbPath();
  await (await openWith(path, [...SQLITE_MIGRATIONS, V2])).close();
  await assert.rejects(openWith(path, SQLITE_MIGRATIONS), (error: Error & { hint?: string }) => {
    assert.equal(error.name, 'StoreError');
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, /schema version 2, newer than this Baton knows \(1\)/);
    assert.match(error.hint ?? '', /upgrade Baton/);
    return true;
  });
});

test('a failing migration leaves the database as it was', async () => {
  const path = await dbPath();
  await (await openWith(path, SQLITE_MIGRATIONS)).close();
  const broken: Migration = {
    version: 2,
    name: 'broken',
    sql: 'CREATE TABLE half (a); SELECT * FROM missing_table;',
  };
  await assert.rejects(openWith(path, [...SQLITE_MIGRATIONS, broken]), {
    name: 'StoreError',
    message: /migration 2 \(broken\) failed on database .*baton\.db/,
  });
  assert.deepEqual(inspect(path, versions), [1]);
  const half = inspect(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get());
  assert.equal(half, undefined);
});

test('a migration list with a gap is a StoreError', async () => {
  const path = await dbPath();
  await assert.rejects(openWith(path, [...SQLITE_MIGRATIONS, { ...V2, version: 3 }]), {
    name: 'StoreError',
    message: /out of order at version 3/,
  });
});
