import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore, SQLITE_MIGRATIONS, type Migration } from '../../src/store/index.ts';
import { cacheEntry, execution, job, sha, tempDir } from './fixtures.ts';

const LATEST = SQLITE_MIGRATIONS.length;
const SHIPPED = SQLITE_MIGRATIONS.map((m) => m.version);
/** A migration after the shipped ones, as the next release would add. */
const NEXT: Migration = {
  version: LATEST + 1,
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
    'call_leases',
    'executions',
    'jobs',
    'schema_migrations',
    'tags',
    'tasks',
    'values',
  ]);
  assert.deepEqual(inspect(path, versions), SHIPPED);
});

test('a database of the shipped schema is brought to the next version and keeps its rows', async () => {
  const path = await dbPath();
  const current = await openWith(path, SQLITE_MIGRATIONS);
  const exec = execution();
  const first = job(exec.id);
  current.putExecution(exec);
  current.putJob(first);
  await current.close();

  const next = await openWith(path, [...SQLITE_MIGRATIONS, NEXT]);
  assert.deepEqual(await next.getJob(first.id), first);
  await next.close();
  assert.deepEqual(inspect(path, versions), [...SHIPPED, LATEST + 1]);
  const columns = inspect(path, (db) =>
    db
      .prepare('PRAGMA table_info(jobs)')
      .all()
      .map((row) => row.name),
  );
  assert.ok(columns.includes('worker'));
});

test('cache entries written before version 4 keep answering lookups, and a newer entry replaces an older one', async () => {
  const path = await dbPath();
  const before = await openWith(path, SQLITE_MIGRATIONS.slice(0, 3));
  const kept = cacheEntry({ evalHash: sha('kept'), createdAt: 1_000 });
  const replaced = cacheEntry({ evalHash: sha('replaced'), createdAt: 2_000 });
  before.putCache(kept);
  before.putCache(replaced);
  await before.close();

  const after = await openWith(path, SQLITE_MIGRATIONS);
  assert.deepEqual(await after.getCache(sha('kept')), kept);
  const newer = cacheEntry({ evalHash: sha('replaced'), valueHash: sha('newer'), createdAt: 3_000 });
  after.putCache(newer);
  await after.close();
  const again = await openWith(path, SQLITE_MIGRATIONS);
  assert.deepEqual(await again.getCache(sha('replaced')), newer);
  assert.equal((await again.listCache()).count, 2);
  await again.close();
  const indexes = inspect(path, (db) =>
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cache_entries' ORDER BY name",
      )
      .all()
      .map((row) => row.name),
  );
  assert.deepEqual(indexes, ['cache_entries_by_created', 'cache_entries_by_eval_hash']);
});

test('opening an up-to-date database applies nothing', async () => {
  const path = await dbPath();
  await (await openWith(path, [...SQLITE_MIGRATIONS, NEXT])).close();
  await (await openWith(path, [...SQLITE_MIGRATIONS, NEXT])).close();
  assert.deepEqual(inspect(path, versions), [...SHIPPED, LATEST + 1]);
});

test('a database newer than the code is refused with a StoreError naming it and its version', async () => {
  const path = await dbPath();
  await (await openWith(path, [...SQLITE_MIGRATIONS, NEXT])).close();
  await assert.rejects(openWith(path, SQLITE_MIGRATIONS), (error: Error & { hint?: string }) => {
    assert.equal(error.name, 'StoreError');
    assert.ok(error.message.includes(path), error.message);
    assert.ok(
      error.message.includes(`schema version ${LATEST + 1}, newer than this Baton knows (${LATEST})`),
      error.message,
    );
    assert.match(error.hint ?? '', /upgrade Baton/);
    return true;
  });
});

test('a failing migration leaves the database as it was', async () => {
  const path = await dbPath();
  await (await openWith(path, SQLITE_MIGRATIONS)).close();
  const broken: Migration = {
    version: LATEST + 1,
    name: 'broken',
    sql: 'CREATE TABLE half (a); SELECT * FROM missing_table;',
  };
  await assert.rejects(openWith(path, [...SQLITE_MIGRATIONS, broken]), {
    name: 'StoreError',
    message: new RegExp(`migration ${LATEST + 1} \\(broken\\) failed on database .*baton\\.db`),
  });
  assert.deepEqual(inspect(path, versions), SHIPPED);
  const half = inspect(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get());
  assert.equal(half, undefined);
});

test('a migration list with a gap is a StoreError', async () => {
  const path = await dbPath();
  await assert.rejects(openWith(path, [...SQLITE_MIGRATIONS, { ...NEXT, version: LATEST + 2 }]), {
    name: 'StoreError',
    message: new RegExp(`out of order at version ${LATEST + 2}`),
  });
});
