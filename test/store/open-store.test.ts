import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreConnectionError, StoreError } from '../../src/errors.ts';
import { openStore } from '../../src/store/index.ts';
import { cacheEntry, execution, job, task, tempDir, withoutCounts } from './fixtures.ts';

test('the default URL puts the database and the values folder under .baton/ of the working directory', async () => {
  const cwd = await tempDir();
  const store = await openStore('sqlite:.baton/baton.db', { cwd });
  assert.deepEqual(store.describe(), { kind: 'sqlite', path: join(cwd, '.baton', 'baton.db') });
  const hash = store.putValue(new Uint8Array(70_000).fill(1));
  await store.close();
  assert.ok(existsSync(join(cwd, '.baton', 'baton.db')));
  assert.ok(existsSync(join(cwd, '.baton', 'values', hash.slice(0, 2), hash)));
  const db = new DatabaseSync(join(cwd, '.baton', 'baton.db'), { readOnly: true });
  assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
  db.close();
});

test('everything written survives close() and a new openStore()', async () => {
  const cwd = await tempDir();
  const store = await openStore('sqlite:state/runs.db', { cwd, valuesDir: 'blobs' });
  const exec = execution({ status: 'done', endedAt: 1_700_000_009_000 });
  const jobs = [job(exec.id, { status: 'done' }), job(exec.id, { status: 'cached' })];
  const small = store.putValue(new TextEncoder().encode('small'));
  const large = store.putValue(new Uint8Array(300_000).fill(5));
  store.putExecution(exec);
  for (const rec of jobs) store.putJob(rec);
  store.putTask(task());
  const entry = cacheEntry({ valueHash: large });
  store.putCache(entry);
  await store.close();

  const reopened = await openStore('sqlite:state/runs.db', { cwd, valuesDir: 'blobs' });
  assert.deepEqual(withoutCounts(await reopened.getExecution(exec.id)), exec);
  assert.deepEqual(await reopened.listJobs(exec.id), jobs);
  assert.deepEqual(await reopened.getTask(task().hash), task());
  assert.deepEqual(await reopened.getCache(entry.evalHash), entry);
  assert.deepEqual(await reopened.getValue(small), new TextEncoder().encode('small'));
  assert.deepEqual(await reopened.getValue(large), new Uint8Array(300_000).fill(5));
  await reopened.close();
});

test('a PostgreSQL server that does not answer is a StoreConnectionError without the password', async () => {
  await assert.rejects(
    openStore('postgres://alice:s3cret@127.0.0.1:1/baton'),
    (error: Error & { hint?: string }) => {
      assert.ok(error instanceof StoreConnectionError);
      assert.ok(error instanceof StoreError);
      assert.equal(error.reason, 'unreachable');
      assert.equal(error.target, 'alice@127.0.0.1:1/baton');
      assert.match(
        error.message,
        /cannot reach PostgreSQL for connecting to postgres:\/\/alice@127\.0\.0\.1:1\/baton/,
      );
      assert.match(error.hint ?? '', /PostgreSQL runs on 127\.0\.0\.1:1/);
      assert.doesNotMatch(`${error.message} ${error.hint}`, /s3cret/);
      return true;
    },
  );
});

test('an unknown URL scheme is a StoreError that names the URL and the accepted forms', async () => {
  await assert.rejects(openStore('mysql://db/baton'), (error: Error & { hint?: string }) => {
    assert.equal(error.name, 'StoreError');
    assert.match(error.message, /mysql:\/\/db\/baton/);
    assert.match(error.hint ?? '', /sqlite:PATH/);
    return true;
  });
});

test('a file that is not a database is a StoreError naming its path', async () => {
  const cwd = await tempDir();
  await writeFile(join(cwd, 'notes.db'), 'these are not the bytes of a database '.repeat(200));
  await assert.rejects(openStore('sqlite:notes.db', { cwd }), (error: Error) => {
    assert.equal(error.name, 'StoreError');
    assert.ok(error.message.includes(`cannot open database ${join(cwd, 'notes.db')}`), error.message);
    return true;
  });
});

test('a process that ends without close() still writes what it queued', async () => {
  const cwd = await tempDir();
  const script = join(cwd, 'forgetful.ts');
  const storeIndex = new URL('../../src/store/index.ts', import.meta.url).href;
  await writeFile(
    script,
    `import { openStore } from '${storeIndex}';
const store = await openStore('sqlite:.baton/baton.db', { cwd: ${JSON.stringify(cwd)} });
store.putExecution({ id: 'exit-1', taskName: 'main', argsPreview: '', status: 'done', startedAt: 1, cwd: '/', argv: [], host: 'h', pid: 1 });
`,
  );
  const child = spawnSync(process.execPath, ['--conditions=baton-source', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const store = await openStore('sqlite:.baton/baton.db', { cwd });
  assert.equal((await store.getExecution('exit-1'))?.status, 'done');
  await store.close();
});
