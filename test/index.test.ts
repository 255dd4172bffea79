import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { run, type SchedulerOptions } from '../src/index.ts';
import { makePoint, movePoint, Point } from './fixtures/point-codec.ts';

const dir = mkdtempSync(join(tmpdir(), 'baton-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const options: SchedulerOptions = {
  cwd: dir,
  config: {
    file: undefined,
    root: dir,
    backend: { db: `sqlite:${join(dir, 'baton.db')}`, valuesDir: join(dir, 'values') },
    executors: { default: { type: 'local', mode: 'threads', max_workers: 1 } },
  },
};

test('a class registered with registerValueCodec from the package travels to a worker and back', async () => {
  const moved = await run(movePoint(makePoint(3, 4), 1), options);
  assert.ok(moved instanceof Point, 'the result is a Point again');
  assert.deepEqual([moved.x, moved.y], [4, 5]);
  const direct = await run(movePoint(new Point(0, 0), 2), options);
  assert.ok(direct instanceof Point);
  assert.equal(direct.length(), Math.hypot(2, 2));
  const events: string[] = [];
  const cached = await run(movePoint(makePoint(3, 4), 1), {
    ...options,
    onEvent: (event) => events.push(event.type),
  });
  assert.deepEqual(
    events.filter((type) => type === 'cached' || type === 'finished'),
    ['cached', 'cached'],
    'both calls are cache hits: a Point argument hashes the same each time',
  );
  assert.ok(cached instanceof Point, 'a cached result is decoded as a Point too');
  assert.deepEqual([cached.x, cached.y], [4, 5]);
});
