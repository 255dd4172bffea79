import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { runJob, type JobResult } from '../../src/worker/index.ts';
import { boom, double, rejects, returnsFunction, wait } from './fixtures/tasks.ts';
import { refOf } from './helpers.ts';

describe('running one job', () => {
  it('runs a synchronous task synchronously once its module is loaded', async () => {
    const first = await runJob(refOf(double), encodeValue([4]));
    assert.ok(first.ok);
    const second = runJob(refOf(double), encodeValue([5]));
    assert.ok(!(second instanceof Promise), 'no promise for a loaded synchronous task');
    assert.ok(second.ok);
    assert.equal(decodeValue(second.value), 10);
  });

  it('times a job to well under a millisecond, on the clock of the epoch', async () => {
    await runJob(refOf(double), encodeValue([0]));
    const before = Date.now();
    const durations: number[] = [];
    for (let i = 0; i < 50; i++) {
      const result = runJob(refOf(double), encodeValue([i])) as JobResult;
      // Date.now() is the same clock cut down to whole milliseconds: they agree within one.
      assert.ok(result.startedAt >= before - 2 && result.endedAt <= Date.now() + 2);
      durations.push(result.endedAt - result.startedAt);
    }
    // Whole milliseconds would make nearly every one of these 0.
    assert.ok(
      durations.some((ms) => ms > 0 && ms < 1),
      durations.join(' '),
    );
  });

  it('awaits an async task', async () => {
    const result = await runJob(refOf(wait), encodeValue([10]));
    assert.ok(result.ok);
    assert.equal(decodeValue(result.value), 10);
    assert.ok(result.endedAt - result.startedAt >= 5);
  });

  it('turns a throw or a rejection into an application error with its stack', async () => {
    const thrown = (await runJob(refOf(boom), encodeValue([]))) as JobResult & { ok: false };
    assert.equal(thrown.ok, false);
    assert.deepEqual(
      [thrown.error.kind, thrown.error.name, thrown.error.message],
      ['application', 'TypeError', 'boom'],
    );
    assert.match(thrown.error.stack ?? '', /explode/);
    const rejected = (await runJob(refOf(rejects), encodeValue([]))) as JobResult & { ok: false };
    assert.deepEqual([rejected.error.kind, rejected.error.message], ['application', 'later']);
  });

  it('fails a job whose result cannot be encoded, as an application error', async () => {
    const result = (await runJob(refOf(returnsFunction), encodeValue([]))) as JobResult & { ok: false };
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'application');
  });
});
