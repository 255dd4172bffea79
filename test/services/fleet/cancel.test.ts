// Cancelling a run whose task a worker runs, when the worker is not listening at that moment: the
// request is kept beside the channel, and the worker reads it at its next heartbeat.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { waitFor } from '../../cli/helpers.ts';
import { fleetProject, privateRedis, redisMissing, workersReady } from './helpers.ts';

const missing = await redisMissing();

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';
export const slow = task('slow', (ms: number) => {
  appendFileSync('starts.log', 'started\\n');
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  appendFileSync('done.log', 'done\\n');
  return ms;
});
`;

describe('fleet cancels', { skip: missing }, () => {
  test('a worker that missed the cancel message stops the task once it is back', async (t) => {
    // A server of its own: the test drops connections on it.
    const port = 17_800 + Math.floor(Math.random() * 400);
    const password = 'cancel';
    await privateRedis(t, { port, password });
    const url = `redis://:${password}@127.0.0.1:${port}`;
    const admin = new Redis(url);
    t.after(() => admin.disconnect());
    // A lock far longer than the pause below, so that the queue job stays with its worker.
    const p = fleetProject(t, { url, workflow: WORKFLOW, lockDuration: 30 });
    const worker = p.worker();
    await workersReady([worker]);
    const run = p.start(['run', 'wf.ts', 'slow', '--ms', '60000']);
    await waitFor(() => p.lines('starts.log').length === 1, 'the task to start on the worker');

    // The worker is paused and its subscription dropped, so the cancel is published to nobody.
    worker.child.kill('SIGSTOP');
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
      run.child.kill('SIGINT');
      const cancelled = await run.done;
      assert.equal(cancelled.code, 130, cancelled.stderr);
    } finally {
      worker.child.kill('SIGCONT');
    }

    await waitFor(() => /stopped 1 cancelled task/.test(worker.output()), 'the worker to stop the task');
    assert.deepEqual(p.lines('done.log'), [], 'the cancelled task never finished');
    const kept = await admin.keys(`${p.prefix}:${p.queue}:baton:cancelled:*`);
    assert.equal(kept.length, 1, 'the request is kept for its queue job');
    const ttl = await admin.pttl(kept[0]!);
    assert.ok(ttl > 0, `the kept request expires (PTTL ${ttl})`);
  });
});
