// Gathering submissions into array jobs: a burst goes out as one batch, a lone job at once.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { JobRequest } from '../../../src/executors/index.ts';
import { SubmitBatcher } from '../../../src/executors/remote/batcher.ts';

function job(i: number): JobRequest {
  return { jobId: `j${i}` } as JobRequest;
}

/** A batcher whose submissions are recorded as lists of job ids. */
function recording(maxSize: number): { batcher: SubmitBatcher<string>; batches: string[][] } {
  const batches: string[][] = [];
  const batcher = new SubmitBatcher<string>(maxSize, async (_key, jobs) => {
    batches.push(jobs.map((item) => item.jobId));
    return jobs.map((item) => `handle-${item.jobId}`);
  });
  return { batcher, batches };
}

describe('submission batches', () => {
  test('jobs announced together go out as one batch, however their staging interleaves', async () => {
    const { batcher, batches } = recording(1000);
    const jobs = Array.from({ length: 30 }, (_, i) => job(i));
    for (const item of jobs) batcher.expect('k', item);
    const handles = await Promise.all(
      jobs.map(async (item, i) => {
        await sleep(i % 7); // staging takes different times
        return batcher.add('k', item);
      }),
    );
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.length, 30);
    assert.equal(handles[3], 'handle-j3');
  });

  test('a lone job goes out at the next macrotask, without a fixed wait', async () => {
    const { batcher, batches } = recording(1000);
    batcher.expect('k', job(1));
    const added = batcher.add('k', job(1));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['j1']], 'submitted by the first setImmediate after it arrived');
    assert.equal(await added, 'handle-j1');
  });

  test('a batch holds at most max size jobs', async () => {
    const { batcher, batches } = recording(3);
    const jobs = Array.from({ length: 7 }, (_, i) => job(i));
    for (const item of jobs) batcher.expect('k', item);
    await Promise.all(jobs.map((item) => batcher.add('k', item)));
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [3, 3, 1],
    );
  });

  test('a job that will not be submitted does not hold back its batch', async () => {
    const { batcher, batches } = recording(1000);
    batcher.expect('k', job(1));
    batcher.expect('k', job(2));
    const added = batcher.add('k', job(1));
    await sleep(5);
    assert.deepEqual(batches, [], 'waits for the announced job');
    batcher.skip(job(2));
    await added;
    assert.deepEqual(batches, [['j1']]);
  });

  test('different keys (task, resources) go out as different batches', async () => {
    const { batcher, batches } = recording(1000);
    batcher.expect('a', job(1));
    batcher.expect('b', job(2));
    await Promise.all([batcher.add('a', job(1)), batcher.add('b', job(2))]);
    assert.deepEqual(batches.sort(), [['j1'], ['j2']]);
  });

  test('a failed submission fails every job of its batch', async () => {
    const batcher = new SubmitBatcher<string>(1000, async () => {
      throw new Error('sbatch: unable to contact controller');
    });
    batcher.expect('k', job(1));
    batcher.expect('k', job(2));
    const results = await Promise.allSettled([batcher.add('k', job(1)), batcher.add('k', job(2))]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
  });
});
