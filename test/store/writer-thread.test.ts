import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { buildBatch } from '../../src/store/batch.ts';
import { InlineWriter, ThreadWriter } from '../../src/store/batch-writer.ts';
import { SQLITE_MIGRATIONS } from '../../src/store/index.ts';
import { SqliteQueries } from '../../src/store/sqlite-queries.ts';
import { WriteQueue } from '../../src/store/write-queue.ts';
import { execution, tempDir } from './fixtures.ts';

test('when the writer thread cannot open the database, the batch is written on the calling thread', async () => {
  const db = new DatabaseSync(':memory:');
  db.exec(SQLITE_MIGRATIONS.map((m) => m.sql).join(';\n'));
  const fallback = new InlineWriter(new SqliteQueries(db));
  const writer = new ThreadWriter(
    { path: '/no/such/folder/baton.db', busyTimeout: 100, cacheKiB: 1024 },
    fallback,
  );
  const queue = new WriteQueue();
  queue.executions.put(execution({ id: 'fallback-1' }));
  await writer.write(buildBatch(queue));
  assert.equal(writer.blocksEventLoop, true);
  const second = new WriteQueue();
  second.executions.update('fallback-1', { status: 'done' });
  await writer.write(buildBatch(second));
  assert.equal(db.prepare("SELECT status FROM executions WHERE id = 'fallback-1'").get()?.status, 'done');
  await writer.close();
  db.close();
});

test('the writer thread commits batches on its own connection', async () => {
  const path = join(await tempDir(), 'baton.db');
  const db = new DatabaseSync(path);
  db.exec(SQLITE_MIGRATIONS.map((m) => m.sql).join(';\n'));
  const writer = new ThreadWriter(
    { path, busyTimeout: 1000, cacheKiB: 1024 },
    new InlineWriter(new SqliteQueries(db)),
  );
  const queue = new WriteQueue();
  queue.executions.put(execution({ id: 'threaded-1' }));
  await writer.write(buildBatch(queue));
  assert.equal(writer.blocksEventLoop, false);
  assert.equal(db.prepare("SELECT id FROM executions WHERE id = 'threaded-1'").get()?.id, 'threaded-1');
  await writer.close();
  db.close();
});
