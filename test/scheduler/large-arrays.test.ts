import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TaskError } from '../../src/errors.ts';
import { MAX_IN_FLIGHT } from '../../src/scheduler/values.ts';
import { task } from '../../src/task/index.ts';
import { testScheduler } from './helpers.ts';

describe('arrays of many expressions', () => {
  // Slots far above the window, so only the scheduler's own bound can hold calls back.
  const ctx = testScheduler({ wide: { type: 'inline', slots: 1_000_000 } });
  after(ctx.cleanup);

  test('a large array is evaluated with a bounded number of calls in flight, in order', async () => {
    const n = MAX_IN_FLIGHT + 4_000;
    let running = 0;
    let most = 0;
    let lastStart = Date.now();
    // Every call waits until no new call has started for a while: the plateau is the bound.
    const plateau = async () => {
      while (Date.now() - lastStart < 150) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    const held = task(
      'large.held',
      async (i: number) => {
        running++;
        most = Math.max(most, running);
        lastStart = Date.now();
        await plateau();
        running--;
        return i * 2;
      },
      { executor: 'wide' },
    );
    const fan = task('large.fan', (count: number) => Array.from({ length: count }, (_, i) => held(i)), {
      executor: 'wide',
    });
    const result = await ctx.scheduler.run(fan(n), { cache: 'none' });
    assert.equal(result.length, n);
    assert.ok(
      result.every((value, i) => value === i * 2),
      'every value in its item position',
    );
    assert.ok(most <= MAX_IN_FLIGHT, `at most ${MAX_IN_FLIGHT} calls ran at once (saw ${most})`);
    assert.ok(most >= 1_000, `calls ran side by side (saw ${most})`);
  });

  test('a failure stops the items not started yet', async () => {
    const n = 3 * MAX_IN_FLIGHT;
    let started = 0;
    const brittle = task(
      'large.brittle',
      async (i: number) => {
        started++;
        if (i === 3) throw new RangeError('item 3 is bad');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return i;
      },
      { executor: 'wide' },
    );
    const fan = task(
      'large.brittleFan',
      (count: number) => Array.from({ length: count }, (_, i) => brittle(i)),
      {
        executor: 'wide',
      },
    );
    await assert.rejects(ctx.scheduler.run(fan(n), { cache: 'none' }), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /item 3 is bad/);
      return true;
    });
    assert.ok(started < n, `${started} of ${n} items started`);
  });
});

describe('a returned value that holds one large array twice', () => {
  const ctx = testScheduler();
  after(ctx.cleanup);

  test('gives the evaluated array in both places', async () => {
    const double = task('shared.double', (i: number) => i * 2);
    const twice = task('shared.twice', (n: number) => {
      const calls = Array.from({ length: n }, (_, i) => double(i));
      return { first: calls, again: calls, nested: [calls] };
    });
    const n = 3_000;
    const result = await ctx.scheduler.run(twice(n));
    const expected = Array.from({ length: n }, (_, i) => i * 2);
    assert.deepEqual(result.first, expected);
    assert.deepEqual(result.again, expected);
    assert.deepEqual(result.nested[0], expected);
  });
});
