// The PostgreSQL store against the real server: the same Store contract as SQLite, values in the
// database, in a folder and in S3, the schema's migrations, and data that reads the same as SQLite's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StoreError } from '../../../src/errors.ts';
import { LATEST_SCHEMA_VERSION, openStore, SQLITE_MIGRATIONS } from '../../../src/store/index.ts';
import { postgresDdl } from '../../../src/store/postgres/index.ts';
import { storeBehaviour } from '../../store/behaviour.ts';
import { freshSchema, needsPostgres, sql } from './helpers.ts';
import { startS3, type S3Server } from '../../support/s3.ts';

let s3server: S3Server | undefined;
let endpoint = '';
before(async () => {
  s3server = await startS3('team-values');
  endpoint = s3server.endpoint;
});
after(() => s3server?.close());

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('PostgreSQL store', needsPostgres, () => {
  storeBehaviour('PostgreSQL, values in the database', async (t, options) => {
    const { url } = freshSchema(t);
    const reopen = () => openStore(url, options);
    return { store: await reopen(), reopen };
  });

  storeBehaviour('PostgreSQL, large values in a shared folder', async (t, options) => {
    const { url } = freshSchema(t);
    const folder = mkdtempSync(join(tmpdir(), 'baton-pg-values-'));
    folders.push(folder);
    const reopen = () => openStore(url, { ...options, values: folder });
    return { store: await reopen(), reopen };
  });

  storeBehaviour('PostgreSQL, large values in S3', async (t, options) => {
    const { url, schema } = freshSchema(t);
    const s3 = {
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    };
    const reopen = () => openStore(url, { ...options, values: `s3://team-values/${schema}`, s3 });
    return { store: await reopen(), reopen };
  });

  test('a large value goes to S3 under <h0h1>/<hash> and its row says so; a lost object is forgotten with its cache entry', async (t) => {
    const { url, schema } = freshSchema(t);
    const s3 = {
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    };
    const store = await openStore(url, { values: `s3://team-values/${schema}`, s3 });
    const bytes = new Uint8Array(100_000).fill(7);
    const hash = store.putValue(bytes);
    store.putCache({
      evalHash: 'e'.repeat(64),
      valueHash: hash,
      callHash: 'c',
      jobId: 'j',
      executionId: 'x',
      createdAt: 1,
    });
    await store.flush();
    const rows = await sql<{ size: number; inline: boolean }>(
      `SELECT size::int AS size, data IS NOT NULL AS inline FROM ${schema}."values" WHERE hash = $1`,
      [hash],
    );
    assert.deepEqual(rows, [{ size: 100_000, inline: false }]);
    const info = await store.info();
    assert.equal(info.valuesLocation, `s3://team-values/${schema}`);
    assert.equal(info.inlineLimit, 64 * 1024);
    rmSync(join(s3server!.directory, 'team-values', schema, hash.slice(0, 2)), {
      recursive: true,
      force: true,
    });
    assert.equal(await store.getValue(hash), undefined);
    assert.equal(await store.getCache('e'.repeat(64)), undefined);
    await store.close();
  });

  test('a new schema gets every migration, with the same tables and columns as SQLite', async (t) => {
    const { url, schema } = freshSchema(t);
    await (await openStore(url)).close();
    const versions = await sql<{ version: number }>(
      `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
    );
    assert.deepEqual(
      versions.map((row) => Number(row.version)),
      SQLITE_MIGRATIONS.map((m) => m.version),
    );
    const tables = await sql<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    assert.deepEqual(
      tables.map((row) => row.table_name),
      ['cache_entries', 'call_leases', 'executions', 'jobs', 'schema_migrations', 'tags', 'tasks', 'values'],
    );
  });

  test('an older schema is refused until baton db upgrade (upgrade: true) brings it up to date', async (t) => {
    const { url, schema } = freshSchema(t);
    await sql(`CREATE SCHEMA ${schema}`);
    await sql(
      `SET search_path TO ${schema}; CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL); ` +
        `${postgresDdl(SQLITE_MIGRATIONS[0]!.sql)}; INSERT INTO schema_migrations VALUES (1, 'initial schema', 0)`,
    );
    await assert.rejects(openStore(url), (error: Error & { hint?: string }) => {
      assert.ok(error instanceof StoreError);
      assert.match(
        error.message,
        new RegExp(`has schema version 1; this Baton needs ${LATEST_SCHEMA_VERSION}`),
      );
      assert.match(error.hint ?? '', /baton db upgrade/);
      return true;
    });
    const upgraded = await openStore(url, { upgrade: true });
    assert.equal((await upgraded.info()).schemaVersion, LATEST_SCHEMA_VERSION);
    await upgraded.close();
  });

  test('a schema newer than this Baton is refused, naming the database and both versions', async (t) => {
    const { url, schema } = freshSchema(t);
    await (await openStore(url)).close();
    await sql(`INSERT INTO ${schema}.schema_migrations VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 0)`);
    await assert.rejects(openStore(url), (error: Error) => {
      assert.ok(error instanceof StoreError);
      assert.match(error.message, /postgres:\/\/postgres@127\.0\.0\.1:5432\/test/);
      assert.match(
        error.message,
        new RegExp(
          `schema version ${LATEST_SCHEMA_VERSION + 1}, newer than this Baton knows \\(${LATEST_SCHEMA_VERSION}\\)`,
        ),
      );
      return true;
    });
  });

  test('stores opening an empty schema at the same moment create it once', async (t) => {
    const { url, schema } = freshSchema(t);
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url)));
    await Promise.all(stores.map((store) => store.close()));
    const versions = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
    assert.equal(versions[0]?.n, LATEST_SCHEMA_VERSION);
  });
});
