import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobOutcome, JobRequest } from '../../../src/executors/index.ts';
import type { LocalMode } from '../../../src/executors/local/index.ts';
import { add, exit, hang, hog, sleep } from './fixtures/tasks.ts';
import { errorOf, jobFor, startExecutor, valueOf, type Started } from './helpers.ts';

const never = new AbortController().signal;

/** Runs a job again while it fails as `system`, as the scheduler does. */
async function runRetryingLost(pool: Started, job: JobRequest): Promise<JobOutcome> {
  for (let tries = 0; ; tries++) {
    const outcome = await pool.executor.run(job, never);
    if (outcome.ok || outcome.error.kind !== 'system' || tries === 3) return outcome;
  }
}

async function withPool(
  mode: LocalMode,
  maxWorkers: number,
  body: (pool: Started) => Promise<void>,
): Promise<void> {
  const pool = await startExecutor(mode, maxWorkers);
  try {
    await body(pool);
  } finally {
    await pool.executor.stop();
  }
}

for (const mode of ['threads', 'processes'] as LocalMode[]) {
  describe(`local executor failures, ${mode}`, () => {
    it('times out a job past its time limit and keeps serving', () =>
      withPool(mode, 1, async (pool) => {
        const began = Date.now();
        const error = errorOf(await pool.executor.run(jobFor(hang, [], { timeLimit: 1 }), never));
        assert.deepEqual(
          { kind: error.kind, name: error.name, message: error.message },
          { kind: 'timeout', name: 'TimeoutError', message: 'task local.hang exceeded its time limit of 1s' },
        );
        assert.ok(Date.now() - began < 5000);
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [2, 3]), never)), 5);
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [2, 3], { timeLimit: 5 }), never)), 5);
      }));

    it('fails only the jobs of a worker that exits, as system', () =>
      withPool(mode, 2, async (pool) => {
        const others = Array.from({ length: 50 }, (_, i) => jobFor(add, [i, 1]));
        const [exited, ...rest] = await Promise.all([
          pool.executor.run(jobFor(exit, [3]), never),
          ...others.map((job) => runRetryingLost(pool, job)),
        ]);
        const error = errorOf(exited!);
        assert.equal(error.kind, 'system');
        assert.match(error.message, /^worker exited with code 3 while running task local\.exit$/);
        rest.forEach((outcome, i) => assert.equal(valueOf(outcome), i + 1));
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [1, 1]), never)), 2);
      }));

    it('reports a job that runs out of its memory limit as memory', () =>
      withPool(mode, 1, async (pool) => {
        const error = errorOf(await pool.executor.run(jobFor(hog, [], { memory: 0.0625 }), never));
        assert.equal(error.kind, 'memory');
        assert.match(
          error.message,
          /worker ran out of memory \(its memory limit of 64 MiB\) while running task local\.hog/,
        );
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [1, 2], { memory: 0.0625 }), never)), 3);
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [1, 2]), never)), 3);
      }));

    it('cancels a queued job without touching the running one', () =>
      withPool(mode, 1, async (pool) => {
        const running = jobFor(sleep, [400], { timeLimit: 30 });
        const runningOutcome = pool.executor.run(running, never);
        await pool.started(running.jobId);
        const cancel = new AbortController();
        const queued = pool.executor.run(jobFor(add, [1, 2]), cancel.signal);
        cancel.abort();
        const error = errorOf(await queued);
        assert.equal(error.kind, 'cancelled');
        assert.equal(error.name, 'CancelledError');
        assert.equal(valueOf(await runningOutcome), 400);
      }));

    it('cancels a job aborted before it was sent', () =>
      withPool(mode, 1, async (pool) => {
        const cancel = new AbortController();
        const outcome = pool.executor.run(jobFor(add, [1, 2]), cancel.signal);
        cancel.abort();
        assert.equal(errorOf(await outcome).kind, 'cancelled');
        assert.equal(errorOf(await pool.executor.run(jobFor(add, [1, 2]), cancel.signal)).kind, 'cancelled');
      }));

    it('cancels a running job by ending its worker; its batch-mates run on another worker', () =>
      withPool(mode, 1, async (pool) => {
        const cancel = new AbortController();
        const target = jobFor(sleep, [10_000]);
        const mate = jobFor(sleep, [50]);
        const targetOutcome = pool.executor.run(target, cancel.signal);
        const mateOutcome = pool.executor.run(mate, never);
        await pool.started(target.jobId);
        const began = Date.now();
        cancel.abort();
        assert.equal(errorOf(await targetOutcome).kind, 'cancelled');
        assert.equal(valueOf(await mateOutcome), 50);
        assert.ok(Date.now() - began < 5000);
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [4, 5]), never)), 9);
      }));

    it('cancels a synchronous job that never returns', () =>
      withPool(mode, 1, async (pool) => {
        const cancel = new AbortController();
        const job = jobFor(hang, []);
        const outcome = pool.executor.run(job, cancel.signal);
        await pool.started(job.jobId);
        await new Promise((resolve) => setTimeout(resolve, 100));
        cancel.abort();
        assert.equal(errorOf(await outcome).kind, 'cancelled');
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [4, 5]), never)), 9);
      }));

    it('stop() cancels waiting and running jobs', async () => {
      const pool = await startExecutor(mode, 1);
      const running = jobFor(sleep, [10_000], { timeLimit: 60 });
      const outcomes = [pool.executor.run(running, never), pool.executor.run(jobFor(add, [1, 2]), never)];
      await pool.started(running.jobId);
      await pool.executor.stop();
      for (const outcome of await Promise.all(outcomes)) assert.equal(errorOf(outcome).kind, 'cancelled');
      assert.equal(errorOf(await pool.executor.run(jobFor(add, [1, 2]), never)).kind, 'cancelled');
    });
  });
}
