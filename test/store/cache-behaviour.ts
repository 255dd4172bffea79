// What every Store does for `baton cache` and for runs that outlive their terminal: run against
// SQLite here (cache.test.ts) and against PostgreSQL in test/services/postgres/cache.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/index.ts';
import type { StoreFactory } from './behaviour.ts';
import { cacheEntry, execution, job, sha } from './fixtures.ts';

const LATER = () => Date.now() + 60_000;

/** A value of `size` bytes, distinct per `seed`. */
function bytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.fill(seed % 256);
  out[0] = seed >> 8;
  return out;
}

/** Two tasks' calls: `train` (two entries, one value each) and `score` (one entry sharing train's first value). */
async function cached(store: Store) {
  const exec = execution({ status: 'done', endedAt: 1_700_000_009_000 });
  store.putExecution(exec);
  const small = store.putValue(bytes(1, 100));
  const large = store.putValue(bytes(2, 5_000));
  const trainA = job(exec.id, { taskName: 'train', evalHash: sha('1'), status: 'done' });
  const trainB = job(exec.id, { taskName: 'train', evalHash: sha('2'), status: 'done' });
  const score = job(exec.id, { taskName: 'score', evalHash: sha('3'), status: 'done' });
  for (const j of [trainA, trainB, score]) store.putJob(j);
  const entries = [
    cacheEntry({ evalHash: sha('1'), valueHash: small, jobId: trainA.id, createdAt: 1_000 }),
    cacheEntry({ evalHash: sha('2'), valueHash: large, jobId: trainB.id, createdAt: 2_000 }),
    cacheEntry({ evalHash: sha('3'), valueHash: small, jobId: score.id, createdAt: 3_000 }),
  ];
  for (const entry of entries) store.putCache(entry);
  await store.flush();
  return { exec, small, large, entries };
}

export function cacheBehaviour(name: string, open: StoreFactory): void {
  describe(`the Store's cache maintenance and run control (${name})`, () => {
    test('listCache gives entries newest first with task and size, filtered, with totals over distinct values', async (t) => {
      const { store } = await open(t, { inlineLimit: 1_000 });
      await cached(store);
      const all = await store.listCache();
      assert.deepEqual(
        all.entries.map((e) => [e.evalHash, e.taskName, e.size]),
        [
          [sha('3'), 'score', 100],
          [sha('2'), 'train', 5_000],
          [sha('1'), 'train', 100],
        ],
      );
      assert.equal(all.count, 3);
      assert.equal(all.bytes, 5_100, 'the shared value counts once');
      const train = await store.listCache({ taskName: 'train' });
      assert.deepEqual([train.count, train.bytes], [2, 5_100]);
      const old = await store.listCache({ createdBefore: 2_500 });
      assert.deepEqual(
        old.entries.map((e) => e.evalHash),
        [sha('2'), sha('1')],
      );
      const prefixed = await store.listCache({ evalHashPrefix: '333' });
      assert.deepEqual(
        prefixed.entries.map((e) => e.evalHash),
        [sha('3')],
      );
      const page = await store.listCache({ limit: 1, offset: 1 });
      assert.deepEqual(
        page.entries.map((e) => e.evalHash),
        [sha('2')],
      );
      assert.equal(page.count, 3, 'totals cover every match, not the page');
      await store.close();
    });

    test('listCache gives a value named by its bytes its size, and counts it once in the totals', async (t) => {
      const { store } = await open(t, {});
      await cached(store);
      const tiny = store.putValue(bytes(6, 12));
      store.putCache(cacheEntry({ evalHash: sha('4'), valueHash: tiny, createdAt: 4_000 }));
      store.putCache(cacheEntry({ evalHash: sha('5'), valueHash: tiny, createdAt: 5_000 }));
      await store.flush();
      const all = await store.listCache();
      assert.deepEqual(
        all.entries.slice(0, 2).map((e) => [e.evalHash, e.size]),
        [
          [sha('5'), 12],
          [sha('4'), 12],
        ],
      );
      assert.equal(all.bytes, 5_112);
      assert.deepEqual(await store.getValue(tiny), bytes(6, 12));
      assert.deepEqual(await store.collectValues({ createdBefore: LATER(), dryRun: true }), {
        values: 0,
        bytes: 0,
      });
      await store.close();
    });

    test('removeCache removes exactly the matching entries', async (t) => {
      const { store } = await open(t, {});
      await cached(store);
      assert.equal(await store.removeCache({ taskName: 'train', createdBefore: 1_500 }), 1);
      assert.equal(await store.getCache(sha('1')), undefined);
      assert.ok(await store.getCache(sha('2')));
      assert.equal(await store.removeCache({ evalHashPrefix: sha('3') }), 1);
      assert.deepEqual(
        (await store.listCache()).entries.map((e) => e.evalHash),
        [sha('2')],
      );
      await store.close();
    });

    test('collectValues removes values nothing keeps, in the database and the value store, and says how much', async (t) => {
      const { store } = await open(t, { inlineLimit: 1_000 });
      const { small, large } = await cached(store);
      const result = store.putValue(bytes(3, 2_000));
      const orphanSmall = store.putValue(bytes(4, 40));
      const orphanLarge = store.putValue(bytes(5, 3_000));
      store.putExecution(execution({ status: 'done', endedAt: 1_700_000_000_500, resultHash: result }));
      await store.flush();

      const dry = await store.collectValues({ createdBefore: LATER(), dryRun: true });
      assert.deepEqual(dry, { values: 2, bytes: 3_040 });
      assert.ok(await store.hasValue(orphanLarge), 'a dry run removes nothing');

      const recent = await store.collectValues({ createdBefore: Date.now() - 60_000 });
      assert.deepEqual(recent, { values: 0, bytes: 0 }, 'values newer than the cut-off are kept');

      assert.deepEqual(await store.collectValues({ createdBefore: LATER() }), { values: 2, bytes: 3_040 });
      assert.equal(await store.hasValue(orphanSmall), false);
      assert.equal(await store.hasValue(orphanLarge), false);
      for (const kept of [small, large, result]) assert.ok(await store.hasValue(kept));

      await store.removeCache({ taskName: 'train' });
      const released = await store.collectValues({
        createdBefore: LATER(),
        resultsEndedSince: 1_700_000_001_000,
      });
      assert.deepEqual(released, { values: 2, bytes: 7_000 }, "train's own value and the old result");
      assert.equal(await store.hasValue(large), false);
      assert.equal(await store.hasValue(result), false);
      assert.ok(await store.hasValue(small), "score's entry still points at it");
      await store.close();
    });

    test('a cancel request, a heartbeat and a job arguments preview read back', async (t) => {
      const { store } = await open(t, {});
      const exec = execution();
      store.putExecution(exec);
      const first = job(exec.id, { argsPreview: '[1,"two"]' });
      store.putJob(first);
      await store.flush();
      assert.equal(await store.cancelRequested(exec.id), false);
      assert.equal(await store.cancelRequested('no-such-execution'), false);
      store.updateExecution(exec.id, { heartbeatAt: 1_700_000_000_900 });
      store.updateExecution(exec.id, { cancelRequestedAt: 1_700_000_001_000 });
      assert.equal(await store.cancelRequested(exec.id), true);
      const read = await store.getExecution(exec.id);
      assert.equal(read?.heartbeatAt, 1_700_000_000_900);
      assert.equal(read?.cancelRequestedAt, 1_700_000_001_000);
      assert.equal((await store.getJob(first.id))?.argsPreview, '[1,"two"]');
      await store.close();
    });
  });
}
