// A recorded run writes a heartbeat while it runs and stops when a cancel request appears in the
// store (as `baton cancel` records it from any host); jobs carry a preview of their arguments.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CancelledError } from '../../src/errors.ts';
import { newId } from '../../src/store/index.ts';
import { task } from '../../src/task/index.ts';
import { testScheduler } from './helpers.ts';

const nap = task('watch.nap', async (ms: number, label: string) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return label;
});

describe('a running execution watched through its store', () => {
  const ctx = testScheduler();
  after(ctx.cleanup);

  test('runs under the id it was given, with a heartbeat, and its jobs record their arguments', async () => {
    const id = newId();
    const value = await ctx.scheduler.run([nap(1_500, 'slow'), nap(10, 'quick')], {
      executionId: id,
      cache: 'none',
    });
    assert.deepEqual(value, ['slow', 'quick']);
    const store = await ctx.scheduler.store();
    await ctx.scheduler.flush();
    const execution = await store.getExecution(id);
    assert.equal(execution?.status, 'done');
    assert.ok(
      execution?.heartbeatAt !== undefined && execution.heartbeatAt > execution.startedAt,
      'a heartbeat was written while it ran',
    );
    const previews = (await store.listJobs(id)).map((job) => job.argsPreview).sort();
    assert.deepEqual(previews, ['[10,"quick"]', '[1500,"slow"]']);
  });

  test('a cancel request recorded in the store cancels the run and its in-flight jobs', async () => {
    const id = newId();
    const store = await ctx.scheduler.store();
    const running = ctx.scheduler.run([nap(20, 'done first'), nap(30_000, 'never')], {
      executionId: id,
      cache: 'none',
    });
    setTimeout(() => store.updateExecution(id, { cancelRequestedAt: Date.now() }), 300);
    const started = Date.now();
    await assert.rejects(running, CancelledError);
    assert.ok(Date.now() - started < 5_000, 'cancelled within a few heartbeats');
    const execution = await store.getExecution(id);
    assert.equal(execution?.status, 'cancelled');
    const statuses = (await store.listJobs(id)).map((job) => job.status).sort();
    assert.deepEqual(statuses, ['cancelled', 'done']);
  });
});
