// Backup attempts for stragglers: injected slow first attempts are overtaken by backups.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mapAll, Scheduler } from '../../src/index.ts';
import { square, straggly, unsafeStraggly } from './fixtures/tasks.ts';
import { mapProject } from './helpers.ts';

const { dir, config } = mapProject('baton-speculation-');

/**
 * A scheduler whose workers have loaded the tasks' module: a job's first run in a fresh worker
 * includes that import, which would count as its runtime.
 */
async function warmScheduler(name: string): Promise<Scheduler> {
  const scheduler = new Scheduler({ config: config(name), cwd: dir });
  await mapAll(
    square,
    Array.from({ length: 8 }, (_, i) => i),
    { scheduler, speculation: false },
  );
  return scheduler;
}

function items(name: string) {
  const markers = join(dir, `${name}-markers`);
  mkdirSync(markers);
  // Items 5 and 17 straggle: 3 s on their first attempt, 40 ms otherwise.
  return Array.from({ length: 40 }, (_, i) => ({
    i,
    ms: 40,
    slowMs: 3000,
    straggler: i === 5 || i === 17,
    markers,
  }));
}

const fast = { minFinished: 10, after: 0.5, percentile: 90, factor: 3, intervalMs: 20 };

describe('speculation', () => {
  test('stragglers get a backup attempt and the first result wins; results do not change', async (t) => {
    const scheduler = await warmScheduler('on');
    t.after(() => scheduler.close());
    const began = Date.now();
    const results = await mapAll(straggly, items('on'), { scheduler, maxConcurrent: 8, speculation: fast });
    const took = Date.now() - began;
    assert.deepEqual(
      results,
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.ok(took < 2500, `the map did not wait for the 3 s stragglers (${took} ms)`);
  });

  test('speculation: false waits for the stragglers', async () => {
    const began = Date.now();
    const results = await mapAll(straggly, items('off'), {
      config: config('off'),
      maxConcurrent: 8,
      speculation: false,
    });
    assert.deepEqual(
      results,
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.ok(Date.now() - began >= 3000, 'the stragglers ran their full time');
  });

  test('a task marked idempotent: false never gets a backup', async (t) => {
    const scheduler = await warmScheduler('unsafe');
    t.after(() => scheduler.close());
    const began = Date.now();
    const results = await mapAll(unsafeStraggly, items('unsafe'), {
      scheduler,
      maxConcurrent: 8,
      speculation: fast,
    });
    assert.deepEqual(
      results,
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.ok(Date.now() - began >= 3000, 'no backup overtook the stragglers');
  });
});
