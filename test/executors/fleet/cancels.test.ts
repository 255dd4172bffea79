import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCancelRequest } from '../../../src/executors/fleet/index.ts';
import { RunningTasks } from '../../../src/worker/fleet-running.ts';

describe('fleet cancel requests', () => {
  test('a well-formed request decodes, anything else is ignored', () => {
    const good = { format: 1, batchId: 'b1', keys: ['k1', 'k2'], from: 'replies:s1' };
    assert.deepEqual(decodeCancelRequest(JSON.stringify(good)), good);
    for (const bad of [
      'not json',
      '{}',
      JSON.stringify({ ...good, format: 2 }),
      JSON.stringify({ ...good, keys: [1] }),
    ])
      assert.equal(decodeCancelRequest(bad), undefined, bad);
  });

  test('a worker stops only the named tasks of the named queue job', () => {
    const worker = new AbortController();
    const running = new RunningTasks(worker.signal);
    const a = running.add('b1', 'k1');
    const b = running.add('b1', 'k2');
    const c = running.add('b2', 'k1');
    assert.equal(running.cancel('b1', ['k1', 'missing']), 1);
    assert.deepEqual([a.aborted, b.aborted, c.aborted], [true, false, false]);
    assert.equal(running.cancel('b3', ['k1']), 0);
    running.delete('b2', 'k1');
    assert.equal(running.holds('b2'), false);
    worker.abort();
    assert.equal(b.aborted, true, 'the worker leaving stops what it holds');
    assert.equal(running.add('b4', 'k1').aborted, true, 'nothing starts once it has left');
  });

  test('a cancel for a queue job the worker has taken but not started is kept until its tasks start', () => {
    const running = new RunningTasks(new AbortController().signal);
    assert.equal(running.cancel('b1', ['k1']), 0, 'a job the worker has not taken is not its to stop');
    running.hold('b1');
    assert.equal(running.holds('b1'), true);
    assert.equal(running.cancel('b1', ['k1', 'k1']), 1, 'kept once');
    const cancelled = running.add('b1', 'k1');
    const other = running.add('b1', 'k2');
    assert.deepEqual([cancelled.aborted, other.aborted], [true, false]);
    running.delete('b1', 'k1');
    running.delete('b1', 'k2');
    assert.equal(running.holds('b1'), true, 'held until released, though no task runs');
    running.release('b1');
    assert.equal(running.holds('b1'), false);
    running.hold('b1');
    assert.equal(running.add('b1', 'k1').aborted, false, 'a later take of the job starts afresh');
  });

  test('a request is acted on once, whether it comes by the channel, from the kept list or both', () => {
    const running = new RunningTasks(new AbortController().signal);
    const request = JSON.stringify({ format: 1, batchId: 'b1', keys: ['k1'], from: 'replies:s1' });
    assert.equal(running.firstSight('b1', request), false, 'not for a queue job the worker does not hold');
    running.hold('b1');
    assert.deepEqual(running.heldBatches(), ['b1']);
    assert.equal(running.firstSight('b1', request), true);
    assert.equal(running.firstSight('b1', request), false, 'the second copy is ignored');
    const other = JSON.stringify({ format: 1, batchId: 'b1', keys: ['k1'], from: 'replies:s2' });
    assert.equal(running.firstSight('b1', other), true, "another scheduler's request counts on its own");
    running.release('b1');
    running.hold('b1');
    assert.equal(
      running.firstSight('b1', request),
      true,
      'a later take of the job reads the kept requests again',
    );
  });
});
