import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore, openStore, valueHash } from '../../src/store/index.ts';
import { cacheEntry, tempDir } from './fixtures.ts';

async function fileStore(options: { inlineLimit?: number; writerThread?: boolean } = {}) {
  const dir = await tempDir();
  const path = join(dir, 'baton.db');
  const valuesDir = join(dir, 'values');
  const store = new SqliteStore({ path, valuesDir, ...options });
  await store.open();
  const fileOf = (hash: string) => join(valuesDir, hash.slice(0, 2), hash);
  const rows = (sql: string) => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db
        .prepare(sql)
        .all()
        .map((row) => ({ ...row }));
    } finally {
      db.close();
    }
  };
  return { store, path, valuesDir, fileOf, rows };
}

const big = (size: number, fill = 42) => new Uint8Array(size).fill(fill);

test('a value above the inline limit is written to <valuesDir>/<h0h1>/<hash>, not into the database', async () => {
  const { store, fileOf, rows } = await fileStore();
  const bytes = big(64 * 1024 + 1);
  const hash = store.putValue(bytes);
  await store.flush();
  assert.deepEqual(new Uint8Array(await readFile(fileOf(hash))), bytes);
  assert.deepEqual(rows(`SELECT size, data FROM "values" WHERE hash = '${hash}'`), [
    { size: 64 * 1024 + 1, data: null },
  ]);
  assert.deepEqual(await store.getValue(hash), bytes);
  await store.close();
});

test('a value at the inline limit stays in the database and makes no file', async () => {
  const { store, fileOf, rows } = await fileStore({ inlineLimit: 100 });
  const hash = store.putValue(big(100));
  const larger = store.putValue(big(101));
  await store.flush();
  assert.equal(existsSync(fileOf(hash)), false);
  assert.equal(existsSync(fileOf(larger)), true);
  assert.equal(rows(`SELECT length(data) AS n FROM "values" WHERE hash = '${hash}'`)[0]?.n, 100);
  await store.close();
});

test('a corrupted value file reads as undefined, and the value and its cache entries are forgotten', async () => {
  const { store, fileOf, rows } = await fileStore();
  const hash = store.putValue(big(100_000));
  store.putCache(cacheEntry({ valueHash: hash }));
  await store.flush();
  const corrupt = big(100_000);
  corrupt[5_000] = 0;
  await writeFile(fileOf(hash), corrupt);
  assert.equal(await store.getValue(hash), undefined);
  assert.equal(await store.getCache(cacheEntry().evalHash), undefined);
  assert.equal(existsSync(fileOf(hash)), false);
  assert.deepEqual(rows(`SELECT hash FROM "values" WHERE hash = '${hash}'`), []);
  await store.close();
});

test('a deleted value file reads as undefined and its cache entry is forgotten', async () => {
  const { store, fileOf } = await fileStore();
  const hash = store.putValue(big(100_000));
  store.putCache(cacheEntry({ valueHash: hash }));
  await store.flush();
  await rm(fileOf(hash));
  assert.equal(await store.getValue(hash), undefined);
  assert.equal(await store.getCache(cacheEntry().evalHash), undefined);
  await store.close();
});

test('a corrupted inline value reads as undefined', async () => {
  const { store, path } = await fileStore();
  const hash = store.putValue(new TextEncoder().encode('the right bytes, more than thirty-two of them'));
  await store.close();
  const db = new DatabaseSync(path);
  db.prepare('UPDATE "values" SET data = ? WHERE hash = ?').run(
    new TextEncoder().encode('the wrong bytes, more than thirty-two of them'),
    hash,
  );
  db.close();
  const reopened = await openStore(`sqlite:${path}`);
  assert.equal(await reopened.getValue(hash), undefined);
  await reopened.close();
});

test('a value file without a database row (written by another process) is read and checked', async () => {
  const { store, fileOf, valuesDir } = await fileStore();
  const bytes = big(70_000, 9);
  const hash = valueHash(bytes);
  await rm(valuesDir, { recursive: true });
  await mkdir(join(valuesDir, hash.slice(0, 2)), { recursive: true });
  await writeFile(fileOf(hash), bytes);
  assert.deepEqual(await store.getValue(hash), bytes);
  await store.close();
});

test('something that is not a value hash reads as undefined and touches no file', async () => {
  const { store } = await fileStore();
  assert.equal(await store.getValue('../../etc/passwd'), undefined);
  assert.equal(await store.getValue('A'.repeat(64)), undefined);
  await store.close();
});

test('a cache entry is never committed before its value file exists', async () => {
  for (const writerThread of [false, true]) {
    const { store, fileOf, rows } = await fileStore({ writerThread });
    const hash = store.putValue(big(5_000_000, 3));
    store.putCache(cacheEntry({ valueHash: hash }));
    await store.listExecutions(); // commits what is ready
    const committed = rows('SELECT value_hash FROM cache_entries');
    if (committed.length > 0) assert.ok(existsSync(fileOf(hash)), 'cache entry committed before its value');
    await store.flush();
    assert.equal(rows('SELECT value_hash FROM cache_entries').length, 1);
    assert.ok(existsSync(fileOf(hash)));
    await store.close();
  }
});

test('when a value file cannot be written, its cache entry is dropped and flush() says why', async () => {
  const { store, valuesDir } = await fileStore();
  const bytes = big(100_000, 1);
  const hash = valueHash(bytes);
  // A plain file where the value's folder should be makes the write fail.
  await writeFile(join(valuesDir, hash.slice(0, 2)), 'in the way');
  store.putValue(bytes);
  store.putCache(cacheEntry({ valueHash: hash }));
  await assert.rejects(store.flush(), (error: Error) => {
    assert.equal(error.name, 'StoreError');
    assert.ok(error.message.includes(`cannot write value ${hash} to ${valuesDir}`), error.message);
    return true;
  });
  assert.equal(await store.getCache(cacheEntry().evalHash), undefined);
  await store.close();
});

test('the temporary values folder of an in-memory store is removed on close', async () => {
  const store = await openStore('sqlite::memory:');
  const hash = store.putValue(big(100_000));
  await store.flush();
  assert.equal((await store.getValue(hash))?.byteLength, 100_000);
  await store.close();
  const reopened = await openStore('sqlite::memory:');
  assert.equal(await reopened.getValue(hash), undefined);
  await reopened.close();
});

test('the caller may reuse its buffer right after putValue', async () => {
  const store = await openStore('sqlite::memory:');
  const bytes = new Uint8Array([1, 2, 3]);
  const hash = store.putValue(bytes);
  bytes.fill(0);
  await store.flush();
  assert.deepEqual(await store.getValue(hash), new Uint8Array([1, 2, 3]));
  await store.close();
});
