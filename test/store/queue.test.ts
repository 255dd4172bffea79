import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBatch, type FlatRows } from '../../src/store/batch.ts';
import type { BatchWriter } from '../../src/store/batch-writer.ts';
import { ValueFiles } from '../../src/store/value-files.ts';
import { WriteBuffer } from '../../src/store/write-buffer.ts';
import { WriteQueue } from '../../src/store/write-queue.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { cacheEntry, execution, job, MODES, sha, storeIn, task, tempDir, withoutCounts } from './fixtures.ts';

const rows = (flat: FlatRows) => flat.values.length / flat.width;

describe('coalescing', () => {
  test('an insert and two updates of one job become one insert of the final row', () => {
    const queue = new WriteQueue();
    const rec = job('exec-1');
    queue.jobs.put(rec);
    queue.jobs.update(rec.id, { status: 'running', startedAt: 5 });
    queue.jobs.update(rec.id, { status: 'done', endedAt: 9, resultHash: sha('r') });
    const batch = buildBatch(queue);
    assert.equal(rows(batch.jobs.upserts), 1);
    assert.equal(batch.jobs.updates.length, 0);
    assert.deepEqual(queue.jobs.pendingRecord(rec.id), {
      ...rec,
      status: 'done',
      startedAt: 5,
      endedAt: 9,
      resultHash: sha('r'),
    });
  });

  test('updates of a row written earlier become one update of every field they name', () => {
    const queue = new WriteQueue();
    queue.executions.update('exec-1', { status: 'done' });
    queue.executions.update('exec-1', { endedAt: 7, resultHash: sha('r') });
    const batch = buildBatch(queue);
    assert.equal(rows(batch.executions.upserts), 0);
    assert.deepEqual(batch.executions.updates, [
      { id: 'exec-1', columns: ['status', 'ended_at', 'result_hash'], values: ['done', 7, sha('r')] },
    ]);
  });

  test('a put after updates replaces them; the last cache write of a key wins', () => {
    const queue = new WriteQueue();
    const rec = job('exec-1');
    queue.jobs.update(rec.id, { status: 'failed' });
    queue.jobs.put(rec);
    queue.putCache(cacheEntry());
    queue.deleteCache(sha('e'));
    const batch = buildBatch(queue);
    assert.equal(rows(batch.jobs.upserts), 1);
    assert.equal(batch.jobs.updates.length, 0);
    assert.equal(rows(batch.cacheUpserts), 0);
    assert.deepEqual(batch.cacheDeletes, [sha('e')]);
  });

  test('later changes to the caller’s object do not reach the queued record', () => {
    const queue = new WriteQueue();
    const rec = job('exec-1');
    queue.jobs.put(rec);
    rec.status = 'cancelled';
    assert.equal(queue.jobs.pendingRecord(rec.id)?.status, 'queued');
  });
});

for (const mode of MODES) {
  describe(`reads see queued writes (${mode})`, () => {
    test('every read sees the writes made before it, without a flush', async () => {
      const store = await storeIn(mode);
      const exec = execution();
      const first = job(exec.id);
      store.putExecution(exec);
      store.putJob(first);
      store.updateJob(first.id, { status: 'cached' });
      store.putTask(task());
      const entry = cacheEntry();
      store.putCache(entry);
      const small = store.putValue(new Uint8Array([1, 2, 3]));
      const large = store.putValue(new Uint8Array(200_000).fill(7));

      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      assert.deepEqual(await store.getValue(small), new Uint8Array([1, 2, 3]));
      assert.equal((await store.getValue(large))?.byteLength, 200_000);
      assert.deepEqual(await store.getTask(sha('a')), task());
      assert.deepEqual(withoutCounts(await store.getExecution(exec.id)), exec);
      assert.deepEqual((await store.listExecutions())[0]?.counts, {
        jobs: 1,
        queued: 0,
        running: 0,
        done: 0,
        cached: 1,
        failed: 0,
        cancelled: 0,
        changedAt: 1_700_000_000_100,
      });
      assert.deepEqual(await store.listJobs(exec.id), [{ ...first, status: 'cached' }]);
      assert.equal((await store.getJob(first.id))?.status, 'cached');
      await store.close();
    });

    test('a queued delete hides a cache entry that was already written', async () => {
      const store = await storeIn(mode);
      store.putCache(cacheEntry());
      await store.flush();
      store.deleteCache(sha('e'));
      assert.equal(await store.getCache(sha('e')), undefined);
      await store.close();
    });

    test('a cache entry is visible while its batch is being committed', async () => {
      const store = await storeIn(mode);
      const entry = cacheEntry();
      store.putCache(entry);
      const committing = store.listExecutions();
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      await committing;
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      await store.close();
    });
  });
}

test('queued writes reach the database on the timer, without flush() or close()', async () => {
  const dir = await tempDir();
  const path = join(dir, 'baton.db');
  const store = new SqliteStore({ path, flushInterval: 10 });
  await store.open();
  const rec = execution();
  store.putExecution(rec);
  const reader = new DatabaseSync(path, { readOnly: true });
  const count = () => reader.prepare('SELECT count(*) AS n FROM executions').get()?.n;
  assert.equal(count(), 0);
  for (let i = 0; i < 100 && count() === 0; i++) await sleep(10);
  assert.equal(count(), 1);
  reader.close();
  await store.close();
});

test('many queued writes are flushed without waiting for the timer', async () => {
  const dir = await tempDir();
  const path = join(dir, 'baton.db');
  const store = new SqliteStore({ path, flushInterval: 60_000, maxBatch: 100 });
  await store.open();
  const exec = execution();
  store.putExecution(exec);
  for (let i = 0; i < 150; i++) store.putJob(job(exec.id));
  const reader = new DatabaseSync(path, { readOnly: true });
  const count = () => reader.prepare('SELECT count(*) AS n FROM jobs').get()?.n;
  for (let i = 0; i < 100 && count() !== 150; i++) await sleep(10);
  assert.equal(count(), 150);
  reader.close();
  await store.close();
});

test('writes after close() are refused with a StoreError naming the database', async () => {
  const store = await storeIn('file, same thread');
  await store.close();
  await store.close();
  assert.throws(() => store.putJob(job('exec-1')), { name: 'StoreError', message: /baton\.db is not open/ });
  await assert.rejects(store.getCache(sha('e')), { name: 'StoreError' });
});

test('writers are asked to wait while records pile up behind a batch being committed', async () => {
  // A writer that holds each commit until the test lets it go.
  const commits: Array<() => void> = [];
  const writer: BatchWriter = {
    blocksEventLoop: false,
    write: () => new Promise<void>((resolve) => commits.push(resolve)),
    close: async () => undefined,
  };
  const files = new ValueFiles(await tempDir(), { written: () => undefined, failed: () => undefined });
  const buffer = new WriteBuffer({ path: 'test.db', writer, files, flushInterval: 60_000, backlogLimit: 50 });
  const exec = execution();
  buffer.queue.executions.put(exec);
  assert.equal(buffer.pressure(), undefined, 'nothing is being committed');
  const committing = buffer.commitForRead();
  await sleep(0);
  assert.equal(commits.length, 1, 'the batch was handed to the writer');
  for (let i = 0; i < 49; i++) buffer.queue.jobs.put(job(exec.id));
  assert.equal(buffer.pressure(), undefined, 'below the limit');
  buffer.queue.jobs.put(job(exec.id));
  const backlog = buffer.pressure();
  assert.ok(backlog, 'at the limit, with a batch in flight');
  let waited = true;
  void backlog.then(() => (waited = false));
  await sleep(20);
  assert.ok(waited, 'the wait lasts while the batch is committed');
  commits[0]!();
  await backlog;
  await committing;
  assert.equal(buffer.pressure(), undefined, 'the batch is done');
});
