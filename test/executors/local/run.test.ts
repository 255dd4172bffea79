import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getTask, importWorkflow, isExpr } from '../../../src/task/index.ts';
import { DEFAULT_SPIN_US, type LocalMode } from '../../../src/executors/local/index.ts';
import { add, fail, heapUsedMiB, litter, nested, nextCall, sleep, threadInfo } from './fixtures/tasks.ts';
import { errorOf, jobFor, startExecutor, valueOf, type Started } from './helpers.ts';

const never = new AbortController().signal;
// Imported as Baton imports workflows (once: a plain import of it never finishes).
await importWorkflow(new URL('./fixtures/top-level-run.ts', import.meta.url).href);

for (const mode of ['threads', 'processes'] as LocalMode[]) {
  describe(`local executor, ${mode}`, () => {
    let pool: Started;
    before(async () => {
      pool = await startExecutor(mode, 2);
    });
    after(() => pool.executor.stop());

    it('runs 5,000 jobs and returns every value to its own job', async () => {
      const jobs = Array.from({ length: 5000 }, (_, i) => jobFor(add, [i, 1000 * i]));
      const outcomes = await Promise.all(jobs.map((job) => pool.executor.run(job, never)));
      outcomes.forEach((outcome, i) => assert.equal(valueOf(outcome), i + 1000 * i));
      const started = new Set(
        pool.events.filter((event) => event.type === 'job-started').map((event) => event.jobId),
      );
      for (const job of jobs) assert.ok(started.has(job.jobId), 'every job reports job-started');
    });

    it('reports when each job started and ended', async () => {
      const before = Date.now();
      const outcome = await pool.executor.run(jobFor(sleep, [20]), never);
      assert.equal(valueOf(outcome), 20);
      assert.ok(outcome.startedAt !== undefined && outcome.startedAt >= before);
      assert.ok(outcome.endedAt !== undefined && outcome.endedAt - outcome.startedAt >= 15);
    });

    it('runs the task in a worker, not in this thread', async () => {
      const info = valueOf(await pool.executor.run(jobFor(threadInfo, []), never)) as {
        pid: number;
        isMainThread: boolean;
      };
      if (mode === 'threads') assert.equal(info.isMainThread, false);
      else assert.notEqual(info.pid, process.pid);
    });

    it('turns a throw into an application error with the original stack', async () => {
      const error = errorOf(await pool.executor.run(jobFor(fail, ['bad input']), never));
      assert.equal(error.kind, 'application');
      assert.equal(error.name, 'RangeError');
      assert.equal(error.message, 'bad input');
      assert.match(error.stack ?? '', /failingTask/);
      assert.match(error.stack ?? '', /fixtures\/tasks\.ts/);
    });

    it('collects the garbage a task left once its worker has stayed idle for a second', async () => {
      const single = await startExecutor(mode, 1);
      try {
        assert.equal(valueOf(await single.executor.run(jobFor(litter, [2_000_000]), never)), 2_000_000);
        const litterLeft = valueOf(await single.executor.run(jobFor(heapUsedMiB, []), never)) as number;
        assert.ok(litterLeft > 100, `the garbage is there at first (${litterLeft} MiB used)`);
        await new Promise((resolve) => setTimeout(resolve, 1_600));
        const idleLeft = valueOf(await single.executor.run(jobFor(heapUsedMiB, []), never)) as number;
        assert.ok(idleLeft < 64, `collected once idle (${litterLeft} MiB, then ${idleLeft} MiB used)`);
      } finally {
        await single.executor.stop();
      }
    });

    it('runs the async jobs of one batch side by side', async () => {
      const single = await startExecutor(mode, 1);
      try {
        await single.executor.run(jobFor(add, [0, 0]), never); // warm up: spawn and import
        const began = Date.now();
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, () => single.executor.run(jobFor(sleep, [300]), never)),
        );
        const took = Date.now() - began;
        for (const outcome of outcomes) assert.equal(valueOf(outcome), 300);
        assert.ok(took < 1500, `10 sleeps of 300 ms on one worker took ${took} ms`);
      } finally {
        await single.executor.stop();
      }
    });

    it('returns expressions a task builds, decoded as expressions', async () => {
      const value = valueOf(await pool.executor.run(jobFor(nextCall, [41]), never));
      assert.ok(isExpr(value));
    });

    it('refuses run() inside a task, as an application error', async () => {
      const error = errorOf(await pool.executor.run(jobFor(nested, []), never));
      assert.equal(error.kind, 'application');
      assert.match(error.message, /run\(\) was called inside a running task/);
    });

    it('serves the tasks of a module that awaits a top-level run()', async () => {
      const served = getTask('local.served')!;
      assert.equal(valueOf(await pool.executor.run(jobFor(served, ['here']), never)), 'served here');
    });

    it('resolves `baton` in a workflow module the way this process does', async () => {
      const { viaPackage } = await import('./fixtures/imports-baton.ts');
      assert.equal(valueOf(await pool.executor.run(jobFor(viaPackage, [21]), never)), 42);
    });

    it('fails a task that is not in its module, naming both', async () => {
      const job = jobFor(add, [1, 2]);
      job.task = { ...job.task, name: 'local.nowhere' };
      const error = errorOf(await pool.executor.run(job, never));
      assert.equal(error.kind, 'application');
      assert.match(error.message, /task local\.nowhere is not defined in module .*fixtures\/tasks\.ts/);
    });

    it('refuses to run a task whose code changed since the run started', async () => {
      const job = jobFor(add, [1, 2]);
      job.task = { ...job.task, hash: '0'.repeat(64) };
      const error = errorOf(await pool.executor.run(job, never));
      assert.equal(error.kind, 'application');
      assert.match(error.message, /task local\.add in module .* has changed since the run started/);
    });

    it('describes itself', () => {
      assert.deepEqual(pool.executor.describe(), {
        type: 'local',
        mode,
        max_workers: 2,
        ...(mode === 'threads' ? { spin_us: DEFAULT_SPIN_US } : {}),
      });
      assert.equal(pool.executor.maxInFlight >= 2 * 256, true);
    });
  });
}
