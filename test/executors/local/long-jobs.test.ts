// Jobs that keep a worker for milliseconds are handed out one or two at a time, so an urgent job
// (a speculative backup) goes ahead of those still waiting instead of behind a batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdFor } from './fixtures/tasks.ts';
import { jobFor, startExecutor, valueOf } from './helpers.ts';

const never = new AbortController().signal;

describe('local executor, long jobs', () => {
  for (const mode of ['threads', 'processes'] as const) {
    it(`${mode}: an urgent job runs before the long jobs still waiting`, async () => {
      const pool = await startExecutor(mode, 1);
      try {
        // A first pair teaches the pool that this task's jobs are long.
        await Promise.all([0, 1].map((i) => pool.executor.run(jobFor(holdFor, [`warm${i}`, 20]), never)));
        const finished: string[] = [];
        const queued = Array.from({ length: 12 }, (_, i) =>
          pool.executor.run(jobFor(holdFor, [`plain${i}`, 20]), never).then((outcome) => {
            finished.push(valueOf(outcome) as string);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 30));
        const urgent = pool.executor
          .run({ ...jobFor(holdFor, ['urgent', 1]), urgent: true }, never)
          .then((outcome) => finished.push(valueOf(outcome) as string));
        await Promise.all([...queued, urgent]);
        const at = finished.indexOf('urgent');
        assert.ok(at >= 0 && at <= 3, `the urgent job finished ${at + 1}th of 13: ${finished.join(' ')}`);
      } finally {
        await pool.executor.stop();
      }
    });
  }
});
