import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LocalMode } from '../../../src/executors/local/index.ts';
import type { TaskOptions } from '../../../src/task/index.ts';
import { add, sleep, threadInfo } from './fixtures/tasks.ts';
import { jobFor, startExecutor, valueOf, type Started } from './helpers.ts';

const never = new AbortController().signal;

/** Keeps `lanes` short jobs in flight until `stop` resolves, as a busy map would. */
async function keepBusy(pool: Started, lanes: number, stop: Promise<void>): Promise<void> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (!stopped) assert.equal(valueOf(await pool.executor.run(jobFor(sleep, [20]), never)), 20);
    }),
  );
}

/** How long a job with `options` waits while plain jobs keep the only worker busy. */
async function waitUnderLoad(mode: LocalMode, options: TaskOptions): Promise<number> {
  const pool = await startExecutor(mode, 1);
  try {
    await pool.executor.run(jobFor(add, [0, 0]), never);
    let release!: () => void;
    const busy = keepBusy(pool, 8, new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    const outcome = await pool.executor.run(jobFor(add, [1, 2], options), never);
    const waited = Date.now() - began;
    release();
    await busy;
    assert.equal(valueOf(outcome), 3);
    return waited;
  } finally {
    await pool.executor.stop();
  }
}

for (const mode of ['threads', 'processes'] as LocalMode[]) {
  describe(`local executor scheduling, ${mode}`, () => {
    it('spawns workers lazily, up to max_workers', async () => {
      const pool = await startExecutor(mode, 3);
      try {
        await pool.executor.run(jobFor(add, [1, 2]), never);
        const workers = () =>
          new Set(pool.events.flatMap((event) => (event.type === 'job-started' ? [event.worker] : [])));
        assert.equal(workers().size, 1);
        await Promise.all(Array.from({ length: 30 }, () => pool.executor.run(jobFor(sleep, [100]), never)));
        assert.equal(workers().size, 3);
      } finally {
        await pool.executor.stop();
      }
    });

    it('hands a job that finds the pool idle to a worker at once, and batches the jobs behind it', async () => {
      const pool = await startExecutor(mode, 1);
      try {
        await pool.executor.run(jobFor(add, [0, 0]), never);
        const alone = jobFor(add, [1, 1]);
        const behind = [jobFor(add, [2, 2]), jobFor(add, [3, 3])];
        const outcomes = [alone, ...behind].map((job) => pool.executor.run(job, never));
        const started = () =>
          pool.events.flatMap((event) => (event.type === 'job-started' ? [event.jobId] : []));
        // Before any turn of the event loop: the first went out inside run(), the others wait for the next.
        assert.ok(started().includes(alone.jobId));
        assert.ok(!started().includes(behind[0]!.jobId));
        assert.deepEqual((await Promise.all(outcomes)).map(valueOf), [2, 4, 6]);
        assert.ok(started().includes(behind[1]!.jobId));
      } finally {
        await pool.executor.stop();
      }
    });

    it('runs jobs with a memory limit on workers of their own', async () => {
      const pool = await startExecutor(mode, 2);
      try {
        const plain = valueOf(await pool.executor.run(jobFor(threadInfo, []), never)) as {
          threadId: number;
          pid: number;
        };
        const limited = valueOf(
          await pool.executor.run(jobFor(threadInfo, [], { memory: 0.5 }), never),
        ) as typeof plain;
        assert.notDeepEqual([limited.pid, limited.threadId], [plain.pid, plain.threadId]);
      } finally {
        await pool.executor.stop();
      }
    });

    it('finds a worker for a job with a memory limit while plain jobs keep the pool full', async () => {
      assert.ok((await waitUnderLoad(mode, { memory: 0.5 })) < 3000);
    });

    it('finds a worker for a job with a time limit while plain jobs keep the pool full', async () => {
      assert.ok((await waitUnderLoad(mode, { timeLimit: 10 })) < 3000);
    });
  });
}
