import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TaskError, UsageError } from '../../src/errors.ts';
import { map, mapAll, mapIndexed, Scheduler, type SchedulerEvent } from '../../src/index.ts';
import { failOnSeven, logged, slowFirst, square } from './fixtures/tasks.ts';
import { mapProject } from './helpers.ts';

const { dir, config } = mapProject('baton-map-');

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('map and mapAll', () => {
  test('mapAll gives every result in input order, as one recorded run', async () => {
    const scheduler = new Scheduler({ config: config('order'), cwd: dir });
    try {
      const results = await mapAll(square, [1, 2, 3, 4, 5], { scheduler });
      assert.deepEqual(results, [1, 4, 9, 16, 25]);
      await scheduler.flush();
      const store = await scheduler.store();
      const executions = await store.listExecutions({ limit: 10 });
      assert.equal(executions.length, 1);
      assert.equal(executions[0]!.taskName, 'map(mapTestSquare)');
      assert.equal(executions[0]!.status, 'done');
      assert.equal((await store.listJobs(executions[0]!.id)).length, 5);
    } finally {
      await scheduler.close();
    }
  });

  test('ordered: false gives results as they complete', async () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const seen: number[] = [];
    for await (const value of map(slowFirst, items, { config: config('unordered'), ordered: false }))
      seen.push(value);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      items,
    );
    assert.notDeepEqual(seen, items, 'the quick later items come back first');
  });

  test('ordered: false over many items gives each result once, a failed one as its error, and refills as slots free', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const seen: number[] = [];
    const errors: TaskError[] = [];
    for await (const value of map(failOnSeven, items, {
      config: config('unordered-many'),
      ordered: false,
      errors: 'collect',
      maxConcurrent: 64,
    })) {
      if (value instanceof TaskError) errors.push(value);
      else seen.push(value);
    }
    assert.equal(errors.length, 300, 'every item ending in 7 fails');
    assert.match(errors[0]!.message, /item \d*7 is unlucky/);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      items.filter((i) => i % 10 !== 7),
    );
  });

  test('mapIndexed gives each result with the index of its item, in completion order and in chunks', async () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const pairs: Array<[number, number]> = [];
    for await (const pair of mapIndexed(slowFirst, items, { config: config('indexed'), ordered: false }))
      pairs.push(pair);
    assert.notEqual(pairs[0]![0], 0, 'the slow first item is not the first to come back');
    assert.deepEqual(
      pairs.sort(([a], [b]) => a - b),
      items.map((i) => [i, i]),
    );
    const chunked: Array<[number, number | TaskError]> = [];
    for await (const pair of mapIndexed(
      failOnSeven,
      Array.from({ length: 25 }, (_, i) => i),
      {
        config: config('indexed-chunks'),
        chunkSize: 4,
        errors: 'collect',
      },
    ))
      chunked.push(pair);
    assert.deepEqual(
      chunked.map(([index]) => index),
      Array.from({ length: 25 }, (_, i) => i),
    );
    for (const [index, value] of chunked) {
      // A chunk fails as one call: the items of the chunk holding 7 (4..7) and 17 (16..19) carry its error.
      if ((index >= 4 && index <= 7) || (index >= 16 && index <= 19))
        assert.ok(value instanceof TaskError, `${index}`);
      else assert.equal(value, index);
    }
  });

  test('streams an async source of unknown length, holding at most maxConcurrent items', async () => {
    let produced = 0;
    let consumed = 0;
    let mostHeld = 0;
    async function* source() {
      for (let i = 0; i < 200; i++) {
        produced++;
        mostHeld = Math.max(mostHeld, produced - consumed);
        yield i;
      }
    }
    let sum = 0;
    for await (const value of map(square, source(), { config: config('stream'), maxConcurrent: 8 })) {
      consumed++;
      sum += value;
    }
    assert.equal(consumed, 200);
    assert.equal(
      sum,
      Array.from({ length: 200 }, (_, i) => i * i).reduce((a, b) => a + b),
    );
    assert.ok(mostHeld <= 9, `held ${mostHeld} items at once`);
  });

  test('chunkSize runs several items per job, one cached call per chunk', async () => {
    const events: SchedulerEvent[] = [];
    const items = Array.from({ length: 95 }, (_, i) => i);
    const results = await mapAll(square, items, {
      config: config('chunks'),
      chunkSize: 10,
      onEvent: (event) => events.push(event),
    });
    assert.deepEqual(
      results,
      items.map((i) => i * i),
    );
    const finished = events.filter((event) => event.type === 'finished');
    assert.equal(finished.length, 10, '95 items in 10 jobs');
    const again: SchedulerEvent[] = [];
    await mapAll(square, items, { config: config('chunks'), chunkSize: 10, onEvent: (e) => again.push(e) });
    assert.equal(
      again.filter((event) => event.type === 'cached').length,
      10,
      'a re-run is served from the cache',
    );
  });

  test("errors: 'collect' gives a failed item's TaskError in its place", async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await mapAll(failOnSeven, items, { config: config('collect'), errors: 'collect' });
    for (const i of items) {
      const result = results[i];
      if (i % 10 === 7) {
        assert.ok(result instanceof TaskError, `item ${i} is an error`);
        assert.match(result.message, new RegExp(`item ${i} is unlucky`));
      } else assert.equal(result, i);
    }
  });

  test("errors: 'fail' (the default) throws the first failure and records the run as failed", async () => {
    const scheduler = new Scheduler({ config: config('fail'), cwd: dir });
    try {
      await assert.rejects(mapAll(failOnSeven, [1, 2, 7, 3], { scheduler }), /item 7 is unlucky/);
      await scheduler.flush();
      const [execution] = await (await scheduler.store()).listExecutions({ limit: 1 });
      assert.equal(execution!.status, 'failed');
    } finally {
      await scheduler.close();
    }
  });

  test('a consumer that stops early cancels the rest', async () => {
    const log = join(dir, 'early.log');
    const items = Array.from({ length: 50 }, (_, i) => ({ i, log, ms: 30 }));
    const seen: number[] = [];
    for await (const value of map(logged, items, { config: config('early'), maxConcurrent: 4 })) {
      seen.push(value);
      if (seen.length === 3) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(lines(log).length < 12, `only the first items ran (${lines(log).length})`);
  });

  test('bad input is a UsageError', async () => {
    await assert.rejects(mapAll(square, 42 as never, { config: config('bad') }), UsageError);
    await assert.rejects(
      mapAll(square, [1], { config: config('bad'), chunkSize: 0 }),
      /chunkSize must be a whole number/,
    );
  });
});
