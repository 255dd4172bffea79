// Copying executions between stores (what baton push and pull do), here between two SQLite stores;
// test/services/postgres/transfer.test.ts moves them between SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/errors.ts';
import { openStore, transfer, type Store } from '../../src/store/index.ts';
import { cacheEntry, execution, job, sha, task, tempDir, withoutCounts } from './fixtures.ts';

async function twoStores(): Promise<{ from: Store; to: Store; fromDir: string }> {
  const [fromDir, toDir] = [await tempDir(), await tempDir()];
  return {
    from: await openStore('sqlite:baton.db', { cwd: fromDir }),
    to: await openStore('sqlite:baton.db', { cwd: toDir }),
    fromDir,
  };
}

// Above 32 bytes, so it has a row of its own (a shorter value is named by its bytes).
const SMALL = 'a small result, stored in the database';

/** One finished execution with two computed calls (one result large enough for a value file) and a cache hit. */
function seed(store: Store) {
  const exec = execution({ status: 'done', endedAt: 1_700_000_005_000 });
  const small = store.putValue(new TextEncoder().encode(SMALL));
  const large = store.putValue(new Uint8Array(100_000).fill(9));
  const jobs = [
    job(exec.id, { evalHash: sha('1'), status: 'done', resultHash: small, taskHash: task().hash }),
    job(exec.id, { evalHash: sha('2'), status: 'done', resultHash: large, taskHash: task().hash }),
    job(exec.id, { evalHash: sha('1'), status: 'cached', resultHash: small, taskHash: task().hash }),
  ];
  store.putExecution({ ...exec, resultHash: small });
  for (const rec of jobs) store.putJob(rec);
  store.putTask(task());
  store.putCache(
    cacheEntry({ evalHash: sha('1'), valueHash: small, jobId: jobs[0]!.id, executionId: exec.id }),
  );
  store.putCache(
    cacheEntry({ evalHash: sha('2'), valueHash: large, jobId: jobs[1]!.id, executionId: exec.id }),
  );
  return { exec: { ...exec, resultHash: small }, jobs, small, large };
}

test('a transfer copies executions, jobs, tasks, values and cache entries; the target then serves the calls', async () => {
  const { from, to } = await twoStores();
  const { exec, jobs, large } = seed(from);
  await from.flush();
  const report = await transfer(from, to);
  assert.deepEqual(report, {
    executions: 1,
    unchanged: 0,
    jobs: 3,
    tasks: 1,
    cacheEntries: 2,
    values: 2,
    bytes: 100_000 + SMALL.length,
    missingValues: 0,
  });
  assert.deepEqual(withoutCounts(await to.getExecution(exec.id)), exec);
  assert.deepEqual(await to.listJobs(exec.id), jobs);
  assert.deepEqual(await to.getTask(task().hash), task());
  assert.equal((await to.getCache(sha('2')))?.valueHash, large);
  assert.deepEqual(await to.getValue(large), new Uint8Array(100_000).fill(9));
  await Promise.all([from.close(), to.close()]);
});

test('a value named by its bytes is not copied, and the target serves its cache entry', async () => {
  const { from, to } = await twoStores();
  const exec = execution({ status: 'done', endedAt: 1_700_000_005_000 });
  const tiny = from.putValue(new TextEncoder().encode('tiny'));
  const computed = job(exec.id, { evalHash: sha('7'), status: 'done', resultHash: tiny });
  from.putExecution(exec);
  from.putJob(computed);
  from.putCache(
    cacheEntry({ evalHash: sha('7'), valueHash: tiny, jobId: computed.id, executionId: exec.id }),
  );
  await from.flush();
  const report = await transfer(from, to);
  assert.deepEqual([report.cacheEntries, report.values, report.missingValues], [1, 0, 0]);
  assert.equal((await to.getCache(sha('7')))?.valueHash, tiny);
  assert.deepEqual(await to.getValue(tiny), new TextEncoder().encode('tiny'));
  await Promise.all([from.close(), to.close()]);
});

test('a second transfer copies nothing new; an execution that changed since is copied again', async () => {
  const { from, to } = await twoStores();
  const { exec } = seed(from);
  await transfer(from, to);
  const again = await transfer(from, to);
  assert.equal(again.executions, 0);
  assert.equal(again.unchanged, 1);
  assert.equal(again.values, 0);
  const later = execution({ startedAt: exec.startedAt + 10 });
  from.putExecution(later);
  from.updateExecution(later.id, { status: 'done', endedAt: later.startedAt + 5 });
  const third = await transfer(from, to);
  assert.equal(third.executions, 1);
  assert.equal(third.unchanged, 1);
  assert.equal((await to.getExecution(later.id))?.status, 'done');
  await Promise.all([from.close(), to.close()]);
});

test('only the executions named by id prefix are copied; an unknown one is a StoreError', async () => {
  const { from, to } = await twoStores();
  const { exec } = seed(from);
  const other = execution({ id: '00000000000000000000000000', startedAt: 5 });
  from.putExecution(other);
  const report = await transfer(from, to, { executions: [exec.id.slice(0, 12)] });
  assert.equal(report.executions, 1);
  assert.equal(await to.getExecution(other.id), undefined);
  await assert.rejects(transfer(from, to, { executions: ['zzzz'] }), (error: Error) => {
    assert.ok(error instanceof StoreError);
    assert.match(error.message, /no execution has an id starting with 'zzzz'/);
    return true;
  });
  await Promise.all([from.close(), to.close()]);
});

test('a value the source has lost is reported, and the cache entry that needs it stays behind', async () => {
  const { from, to, fromDir } = await twoStores();
  const { large } = seed(from);
  await from.flush();
  await rm(join(fromDir, 'values', large.slice(0, 2), large));
  const report = await transfer(from, to);
  assert.equal(report.missingValues, 1);
  assert.equal(report.cacheEntries, 1);
  assert.equal(await to.getCache(sha('2')), undefined);
  await Promise.all([from.close(), to.close()]);
});
