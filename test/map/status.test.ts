import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapAll, type MapEvent } from '../../src/index.ts';
import { MapStatus, renderStatusPage } from '../../src/map/index.ts';
import { square } from './fixtures/tasks.ts';
import { mapProject } from './helpers.ts';

const { dir, config } = mapProject('baton-map-status-');

function job(
  type: 'queued' | 'started' | 'finished' | 'cached' | 'failed' | 'retried',
  jobId: string,
  first: number,
  count: number,
  extra: Partial<MapEvent> = {},
): MapEvent {
  return {
    type,
    executionId: 'exec1',
    jobId,
    taskName: 't',
    evalHash: `h-${jobId}`,
    executor: 'default',
    attempt: 1,
    time: 0,
    items: { first, count },
    ...extra,
  } as MapEvent;
}

describe('map status', () => {
  test('counts items by state, with attempts, runtimes, errors and the cache', () => {
    const status = new MapStatus({ title: 'x => x', resumeKey: 'k' });
    status.onEvent({ type: 'execution-started', executionId: 'exec1', taskName: 'map', time: 0 });
    for (let i = 0; i < 5; i++) status.read(i, { i });
    status.sourceEnded();
    status.onEvent(job('cached', 'a', 0, 1));
    status.onEvent(job('queued', 'b', 1, 2));
    status.onEvent(job('started', 'b', 1, 2, { time: 1000 }));
    status.onEvent(job('retried', 'b', 1, 2, { time: 1200 }));
    status.onEvent(job('started', 'b', 1, 2, { time: 1300, attempt: 2 }));
    status.onEvent(job('queued', 'c', 3, 1));
    status.onEvent(job('started', 'c', 3, 1, { time: 1000 }));
    const running = status.snapshot();
    assert.equal(running.state, 'running');
    assert.deepEqual(
      { ...running.counts },
      { items: 5, queued: 1, running: 3, done: 0, cached: 1, failed: 0, cancelled: 0, retries: 1 },
    );
    status.onEvent(job('finished', 'b', 1, 2, { time: 1350, attempt: 2 }));
    status.onEvent(
      job('failed', 'c', 3, 1, {
        time: 1500,
        error: { name: 'Error', message: 'boom', kind: 'application' },
      }),
    );
    // A call that item 3's call made is tagged with item 3 too; it does not change the item's state.
    status.onEvent(job('queued', 'child', 3, 1));
    for (const index of [0, 1, 2]) status.result(index);
    status.result(3, new Error('boom'));
    status.end('failed', new Error('item 3 failed'));
    const ended = status.snapshot();
    assert.equal(ended.state, 'failed');
    assert.equal(ended.executionId, 'exec1');
    assert.equal(ended.resumeKey, 'k');
    assert.equal(ended.error, 'item 3 failed');
    assert.deepEqual(
      ended.items.map((item) => [item.index, item.state, item.attempts, item.runtimeMs]),
      [
        [0, 'cached', 0, undefined],
        [1, 'done', 2, 50],
        [2, 'done', 2, 50],
        [3, 'failed', 1, undefined],
        [4, 'queued', 0, undefined],
      ],
    );
    assert.equal(ended.items[3]!.error, 'Error: boom');
    assert.equal(ended.items[4]!.item, '{"i":4}');
    const histogram = ended.histogram.filter((bucket) => bucket.count > 0);
    assert.deepEqual(
      histogram,
      [{ upToMs: 100, count: 1 }],
      'one job (the chunk of items 1 and 2) ran 50 ms',
    );
  });

  test('with many items, lists those not finished, the failed and the slowest', () => {
    const status = new MapStatus({ title: 'many' });
    for (let i = 0; i < 6000; i++) status.read(i, i);
    for (let i = 0; i < 5990; i++) {
      status.onEvent(job('started', `j${i}`, i, 1, { time: 0 }));
      if (i === 42) status.onEvent(job('failed', `j${i}`, i, 1, { time: 5 }));
      else status.onEvent(job('finished', `j${i}`, i, 1, { time: i === 7 ? 90_000 : 5 }));
      status.result(i, i === 42 ? new Error('bad') : undefined);
    }
    const snapshot = status.snapshot();
    assert.equal(snapshot.itemsListed, 'some');
    assert.ok(snapshot.items.length < 6000);
    const states = new Set(snapshot.items.map((item) => item.state));
    assert.ok(states.has('failed') && states.has('queued'));
    assert.ok(snapshot.items.some((item) => item.index === 7 && item.runtimeMs === 90_000));
    assert.equal(snapshot.items.filter((item) => item.index >= 5990).length, 10, 'every unfinished item');
  });

  test('the page escapes what it shows, reloads only while running and fetches nothing', () => {
    const status = new MapStatus({ title: '<script>alert(1)</script>' });
    status.read(0, '</td><b>');
    const running = renderStatusPage(status.snapshot());
    assert.match(running, /http-equiv="refresh"/);
    assert.doesNotMatch(running, /<script>alert/);
    assert.doesNotMatch(running, /<\/td><b>/);
    assert.doesNotMatch(running, /(src|href)=/);
    status.result(0);
    status.end('done');
    assert.doesNotMatch(renderStatusPage(status.snapshot()), /http-equiv="refresh"/);
  });

  test('map tags the job events of each item or chunk with the items it works on', async () => {
    const events: MapEvent[] = [];
    const results = await mapAll(square, [1, 2, 3, 4, 5], {
      config: config('tags'),
      cwd: dir,
      chunkSize: 2,
      onEvent: (event) => events.push(event),
    });
    assert.deepEqual(results, [1, 4, 9, 16, 25]);
    const jobEvents = events.filter((event) => 'jobId' in event);
    assert.ok(jobEvents.length > 0);
    assert.ok(jobEvents.every((event) => event.items !== undefined));
    const ranges = new Set(jobEvents.map((event) => `${event.items!.first}+${event.items!.count}`));
    assert.deepEqual([...ranges].sort(), ['0+2', '2+2', '4+1']);
    const byJob = new Map<string, string>();
    for (const event of jobEvents) {
      const range = `${event.items!.first}+${event.items!.count}`;
      const jobId = (event as { jobId: string }).jobId;
      assert.equal(byJob.get(jobId) ?? range, range, 'every event of a job names the same items');
      byJob.set(jobId, range);
    }
  });
});
