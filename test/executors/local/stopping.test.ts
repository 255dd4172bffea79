// Stopping a running job ends its worker: the jobs queued behind it still run (once), a warm spare
// takes the slot, and a speculative backup's losing attempt is stopped rather than left to finish.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Executor, JobOutcome, JobRequest } from '../../../src/executors/index.ts';
import type { LocalMode } from '../../../src/executors/local/index.ts';
import { Speculator } from '../../../src/scheduler/index.ts';
import { Slots } from '../../../src/scheduler/limiter.ts';
import { add, hang, holdFor, noted, straggle } from './fixtures/tasks.ts';
import { errorOf, jobFor, startExecutor, valueOf, type Started } from './helpers.ts';

const never = new AbortController().signal;
const dir = mkdtempSync(join(tmpdir(), 'baton-local-stopping-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${files++}-${name}`);

/** How many times each label was written to `log`. */
function runsIn(log: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean))
    counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

async function withPool(mode: LocalMode, workers: number, body: (pool: Started) => Promise<void>) {
  const pool = await startExecutor(mode, workers);
  try {
    await body(pool);
  } finally {
    await pool.executor.stop();
  }
}

/** Cancels a job that holds the only worker while `next` waits behind it; ms until `next` is answered. */
async function cancelAhead(pool: Started, next: JobRequest): Promise<{ ms: number; outcome: JobOutcome }> {
  const cancel = new AbortController();
  const running = jobFor(holdFor, ['running', 30_000]);
  const cancelled = pool.executor.run(running, cancel.signal);
  const answer = pool.executor.run(next, never);
  await pool.started(running.jobId);
  const began = Date.now();
  cancel.abort();
  assert.equal(errorOf(await cancelled).kind, 'cancelled');
  const outcome = await answer;
  return { ms: Date.now() - began, outcome };
}

for (const mode of ['threads', 'processes'] as LocalMode[]) {
  describe(`local executor, stopping running jobs, ${mode}`, () => {
    it('runs the jobs queued behind a cancelled job once each, on another worker', () =>
      withPool(mode, 1, async (pool) => {
        const log = fresh('mates.log');
        const cancel = new AbortController();
        const target = jobFor(holdFor, ['target', 30_000]);
        const targetOutcome = pool.executor.run(target, cancel.signal);
        const mates = ['a', 'b', 'c'].map((label) => pool.executor.run(jobFor(noted, [log, label]), never));
        await pool.started(target.jobId);
        const began = Date.now();
        cancel.abort();
        assert.equal(errorOf(await targetOutcome).kind, 'cancelled');
        assert.deepEqual((await Promise.all(mates)).map(valueOf), ['a', 'b', 'c']);
        assert.deepEqual(runsIn(log), { a: 1, b: 1, c: 1 });
        assert.ok(Date.now() - began < 10_000, 'the mates did not wait for the cancelled job');
      }));

    it("hands a stopped worker's slot to a warm spare, so the next job does not wait for a start", () =>
      withPool(mode, 1, async (pool) => {
        // The first stop finds no spare: its slot waits for a worker to start and load the module.
        const cold = await cancelAhead(pool, jobFor(add, [1, 1]));
        assert.equal(valueOf(cold.outcome), 2);
        // Time for the spare kept in reserve to start the same way.
        await new Promise((resolve) => setTimeout(resolve, Math.max(1000, 4 * cold.ms)));
        const warm = await cancelAhead(pool, jobFor(add, [2, 2]));
        assert.equal(valueOf(warm.outcome), 4);
        assert.ok(
          warm.ms * 2 < cold.ms,
          `after a stop, the next job was answered in ${warm.ms} ms with a spare, ${cold.ms} ms without`,
        );
      }));

    it('ends a worker past its time limit and runs the jobs queued for it once each', () =>
      withPool(mode, 1, async (pool) => {
        const log = fresh('queued.log');
        const timedOut = pool.executor.run(jobFor(hang, [], { timeLimit: 1 }), never);
        const queued = ['a', 'b'].map((label) => pool.executor.run(jobFor(noted, [log, label]), never));
        const timedQueued = pool.executor.run(jobFor(noted, [log, 't'], { timeLimit: 5 }), never);
        assert.equal(errorOf(await timedOut).kind, 'timeout');
        assert.deepEqual((await Promise.all([...queued, timedQueued])).map(valueOf), ['a', 'b', 't']);
        assert.deepEqual(runsIn(log), { a: 1, b: 1, t: 1 });
      }));

    it("stops a straggler's losing attempt once its backup wins, and records it as cancelled", () =>
      withPool(mode, 2, async (pool) => {
        const marker = fresh('straggler');
        const attempts: JobOutcome[] = [];
        const recording = {
          name: pool.executor.name,
          maxInFlight: pool.executor.maxInFlight,
          run: (job: JobRequest, signal: AbortSignal) =>
            pool.executor.run(job, signal).then((outcome) => {
              attempts.push(outcome);
              return outcome;
            }),
        } as unknown as Executor;
        const speculator = new Speculator({ minFinished: 1, after: 0, minMs: 100, intervalMs: 20 });
        const slots = new Slots(4);
        const timed = (job: JobRequest) => {
          void pool.started(job.jobId).then(() => speculator.started(job.jobId));
          return job;
        };
        // Two quick jobs start both workers and teach the speculator what normal looks like.
        const quick = [0, 1].map((i) => timed(jobFor(holdFor, [`quick${i}`, 5])));
        await Promise.all(quick.map((job) => speculator.run(recording, job, never, slots)));
        const slowMs = 3000;
        const slow = timed(jobFor(straggle, [marker, slowMs]));
        const began = Date.now();
        assert.equal(valueOf(await speculator.run(recording, slow, never, slots)), marker);
        assert.ok(Date.now() - began < slowMs, 'the backup overtook the straggler');
        // Had the losing attempt been left to run, it would have finished by now.
        await new Promise((resolve) => setTimeout(resolve, began + slowMs + 500 - Date.now()));
        assert.deepEqual(
          attempts.slice(2).map((attempt) => (attempt.ok ? 'ok' : attempt.error.kind)),
          ['ok', 'cancelled'],
        );
        assert.equal(existsSync(`${marker}.done`), false, 'the losing attempt was stopped');
        // The slot it held serves the next job.
        assert.equal(valueOf(await pool.executor.run(jobFor(add, [3, 4]), never)), 7);
      }));
  });
}
