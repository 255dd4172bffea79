import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/hash/index.ts';
import { cacheEntry, execution, job, MODES, storeIn } from './fixtures.ts';

describe('ids and prefixes', () => {
  test('an execution and a job are found by a unique prefix of their id', async () => {
    const store = await storeIn('memory');
    store.putExecution(execution({ id: 'exec-aaa-1' }));
    store.putExecution(execution({ id: 'exec-bbb-1' }));
    store.putJob(job('exec-aaa-1', { id: 'job-xyz' }));
    assert.equal((await store.getExecution('exec-b'))?.id, 'exec-bbb-1');
    assert.equal((await store.getJob('job-x'))?.id, 'job-xyz');
    await store.close();
  });

  test('an ambiguous prefix is a StoreError that says how many ids match', async () => {
    const store = await storeIn('memory');
    for (const id of ['run-1', 'run-2', 'run-3']) store.putExecution(execution({ id }));
    await assert.rejects(store.getExecution('run-'), {
      name: 'StoreError',
      message: /id prefix 'run-' matches 3 executions in database :memory:/,
    });
    for (const id of ['j-1', 'j-2']) store.putJob(job('run-1', { id }));
    await assert.rejects(store.getJob('j'), { name: 'StoreError', message: /matches 2 jobs/ });
    await store.close();
  });

  test('a whole id wins over the longer ids it is a prefix of', async () => {
    const store = await storeIn('memory');
    store.putJob(job('e', { id: 'abc' }));
    store.putJob(job('e', { id: 'abcd' }));
    assert.equal((await store.getJob('abc'))?.id, 'abc');
    await store.close();
  });

  test('an unknown id, an unknown prefix and the empty string find nothing', async () => {
    const store = await storeIn('memory');
    store.putExecution(execution({ id: 'exec-1' }));
    assert.equal(await store.getExecution('nope'), undefined);
    assert.equal(await store.getExecution(''), undefined);
    assert.equal(await store.getJob('exec-1'), undefined);
    await store.close();
  });
});

describe('listings', () => {
  test('executions list newest first and filter by status, task and start time', async () => {
    const store = await storeIn('memory');
    const t = 1_700_000_000_000;
    store.putExecution(execution({ id: 'a', taskName: 'main', status: 'done', startedAt: t }));
    store.putExecution(execution({ id: 'b', taskName: 'main', status: 'failed', startedAt: t + 10 }));
    store.putExecution(execution({ id: 'c', taskName: 'etl', status: 'done', startedAt: t + 20 }));
    const ids = async (q?: Parameters<typeof store.listExecutions>[0]) =>
      (await store.listExecutions(q)).map((e) => e.id);
    assert.deepEqual(await ids(), ['c', 'b', 'a']);
    assert.deepEqual(await ids({ status: 'done' }), ['c', 'a']);
    assert.deepEqual(await ids({ taskName: 'main' }), ['b', 'a']);
    assert.deepEqual(await ids({ since: t + 10 }), ['c', 'b']);
    assert.deepEqual(await ids({ status: 'done', taskName: 'main', since: t }), ['a']);
    assert.deepEqual(await ids({ limit: 1, offset: 1 }), ['b']);
    await store.close();
  });

  test('an execution counts its jobs by status, and the latest time any of them changed', async () => {
    const store = await storeIn('memory');
    const exec = execution();
    store.putExecution(exec);
    for (const status of ['done', 'cached', 'cached', 'failed', 'running'] as const)
      store.putJob(job(exec.id, { status }));
    store.putJob(
      job(exec.id, { status: 'cancelled', startedAt: 1_700_000_000_200, endedAt: 1_700_000_000_300 }),
    );
    store.putJob(job('another execution', { endedAt: 1_800_000_000_000 }));
    assert.deepEqual((await store.getExecution(exec.id))?.counts, {
      jobs: 6,
      queued: 0,
      running: 1,
      done: 1,
      cached: 2,
      failed: 1,
      cancelled: 1,
      changedAt: 1_700_000_000_300,
    });
    await store.close();
  });

  test('jobs list in the order they were queued, a page at a time', async () => {
    const store = await storeIn('memory');
    const exec = execution();
    const jobs = Array.from({ length: 5 }, () => job(exec.id));
    for (const rec of [...jobs].reverse()) store.putJob(rec);
    const ids = jobs.map((j) => j.id);
    assert.deepEqual(
      (await store.listJobs(exec.id)).map((j) => j.id),
      ids,
    );
    assert.deepEqual(
      (await store.listJobs(exec.id, { limit: 2, offset: 2 })).map((j) => j.id),
      ids.slice(2, 4),
    );
    assert.deepEqual(await store.listJobs('no such execution'), []);
    await store.close();
  });

  test('a negative or fractional limit is a StoreError naming the parameter', async () => {
    const store = await storeIn('memory');
    await assert.rejects(store.listExecutions({ limit: -1 }), {
      name: 'StoreError',
      message: /listExecutions: limit/,
    });
    await assert.rejects(store.listJobs('x', { offset: 1.5 }), {
      name: 'StoreError',
      message: /listJobs: offset/,
    });
    await store.close();
  });
});

for (const mode of MODES) {
  describe(`cache lookups made together (${mode})`, () => {
    test('each of many lookups in one turn gets its own entry or nothing', async () => {
      const store = await storeIn(mode);
      const stored = Array.from({ length: 300 }, (_, i) =>
        cacheEntry({ evalHash: sha256(`stored ${i}`), valueHash: sha256(`value ${i}`) }),
      );
      for (const entry of stored) store.putCache(entry);
      await store.flush();
      const queued = cacheEntry({ evalHash: sha256('queued') });
      store.putCache(queued);
      const asked = [...stored.map((entry) => entry.evalHash), sha256('missing'), queued.evalHash];
      const answers = await Promise.all(asked.map((evalHash) => store.getCache(evalHash)));
      assert.deepEqual(answers.slice(0, 300), stored);
      assert.equal(answers[300], undefined);
      assert.deepEqual(answers[301], queued);
      await store.close();
    });
  });
}
