// The parts of the PostgreSQL store that need no server: URLs, the DDL translation, error mapping.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { StoreConnectionError, StoreError } from '../../src/errors.ts';
import { SQLITE_MIGRATIONS } from '../../src/store/index.ts';
import { parsePostgresUrl, postgresDdl } from '../../src/store/postgres/index.ts';
import { storeFailure } from '../../src/store/postgres/errors.ts';
import { arrayLiteral } from '../../src/store/postgres/arrays.ts';

test('a postgres URL names its target without the password, and its schema defaults to public', () => {
  const target = parsePostgresUrl('postgres://ann:p%40ss@db.example.com:6543/baton?sslmode=require');
  assert.equal(target.display, 'postgres://ann@db.example.com:6543/baton');
  assert.equal(target.target, 'ann@db.example.com:6543/baton');
  assert.equal(target.schema, 'public');
  assert.equal(target.connectionString, 'postgres://ann:p%40ss@db.example.com:6543/baton?sslmode=require');
});

test('?schema= picks the schema and is not passed to the server', () => {
  const target = parsePostgresUrl('postgresql://ann@db/baton?schema=team_a&sslmode=require');
  assert.equal(target.schema, 'team_a');
  assert.equal(target.connectionString, 'postgresql://ann@db/baton?sslmode=require');
  assert.equal(target.port, '5432');
});

test('a schema that is not a plain lowercase name is a StoreError, without the password', () => {
  assert.throws(
    () => parsePostgresUrl('postgres://ann:hidden@db/baton?schema=Team;DROP'),
    (error: Error) => {
      assert.ok(error instanceof StoreError);
      assert.match(error.message, /schema 'Team;DROP' is not a plain lowercase name/);
      assert.doesNotMatch(error.message, /hidden/);
      return true;
    },
  );
});

test('the SQLite migrations translate to PostgreSQL types, bytewise text and no WITHOUT ROWID', () => {
  const ddl = SQLITE_MIGRATIONS.map((m) => postgresDdl(m.sql))
    .join('\n')
    .replace(/--.*$/gm, '');
  assert.doesNotMatch(ddl, /WITHOUT ROWID|\bINTEGER\b|\bBLOB\b/);
  assert.match(ddl, /started_at BIGINT NOT NULL/);
  assert.match(ddl, /data BYTEA/);
  assert.match(ddl, /id TEXT COLLATE "C" PRIMARY KEY/);
  assert.match(ddl, /CREATE TABLE call_leases/);
});

test('server errors become StoreConnectionErrors by reason, each with what to do', () => {
  const target = parsePostgresUrl('postgres://ann:hidden@db:5432/baton');
  const cases: Array<[object, StoreConnectionError['reason'], RegExp]> = [
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'unreachable', /PostgreSQL runs on db:5432/],
    [{ code: '28P01', message: 'password authentication failed' }, 'authentication', /PGPASSWORD/],
    [{ code: '3D000', message: 'database "baton" does not exist' }, 'no-database', /createdb/],
    [{ code: '42501', message: 'permission denied for schema public' }, 'permission', /grant ann/],
  ];
  for (const [raw, reason, hint] of cases) {
    const error = storeFailure(
      target,
      'connecting to',
      Object.assign(new Error(String((raw as Error).message)), raw),
    );
    assert.ok(error instanceof StoreConnectionError, reason);
    assert.equal(error.reason, reason);
    assert.match(error.hint ?? '', hint);
    assert.doesNotMatch(`${error.message} ${error.hint}`, /hidden/);
  }
});

test('a project on SQLite never loads the PostgreSQL client', () => {
  const storeIndex = new URL('../../src/index.ts', import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    const { run, task } = await import(${JSON.stringify(storeIndex)});
    const { openStore } = await import(${JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href)});
    const store = await openStore('sqlite::memory:');
    store.putValue(new Uint8Array(3));
    await store.close();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/pg'));
    console.log(JSON.stringify({ loaded, run: typeof run, task: typeof task }));`;
  const child = spawnSync(
    process.execPath,
    ['--conditions=baton-source', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { loaded: [], run: 'function', task: 'function' });
});

test('an array literal quotes only the elements that need it, and escapes quotes and backslashes', () => {
  assert.equal(arrayLiteral(['01jabc', 'ab12', 42, null, undefined]), '{01jabc,ab12,42,NULL,NULL}');
  assert.equal(
    arrayLiteral(['', 'NULL', 'null', 'a b', 'a,b', '{x}', 'say "hi"', 'back\\slash', 'tab\there', 'é']),
    String.raw`{"","NULL","null","a b","a,b","{x}","say \"hi\"","back\\slash","tab` +
      '\t' +
      String.raw`here",é}`,
  );
});
