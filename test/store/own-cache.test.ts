import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../../src/store/index.ts';
import { OwnCacheKeys } from '../../src/store/own-cache-keys.ts';
import { cacheEntry, execution, MODES, sha, tempDir, storeIn } from './fixtures.ts';

const randomHash = () => randomBytes(32).toString('hex');

function fileStore(path: string, writerThread: boolean): Store {
  return new SqliteStore({ path, valuesDir: join(path, '..', 'values'), writerThread });
}

describe('own cache keys', () => {
  test('every added key might be held, and few keys never added are', () => {
    const keys = new OwnCacheKeys();
    const added = Array.from({ length: 10_000 }, randomHash);
    for (const key of added) keys.add(key);
    assert.ok(added.every((key) => keys.mightHold(key)));
    const falsePositives = Array.from({ length: 10_000 }, randomHash).filter((key) => keys.mightHold(key));
    assert.ok(falsePositives.length < 100, `${falsePositives.length} of 10,000 unseen keys might be held`);
  });

  test('an empty filter holds nothing, and a key that is not a sha256 in hex is never ruled out', () => {
    const keys = new OwnCacheKeys();
    assert.equal(keys.mightHold(sha('a')), false);
    keys.add(sha('a'));
    assert.equal(keys.mightHold('not-a-hash'), true);
    assert.equal(keys.mightHold(sha('A')), true);
  });
});

for (const mode of MODES) {
  describe(`known cache misses (${mode})`, () => {
    test('a fresh store knows a miss without reading, and finds its own entries queued and committed', async () => {
      const store = await storeIn(mode);
      const entry = cacheEntry({ evalHash: randomHash() });
      assert.equal(store.cacheMissKnown?.(entry.evalHash), true);
      assert.equal(await store.getCache(entry.evalHash), undefined);
      store.putCache(entry);
      assert.equal(store.cacheMissKnown?.(entry.evalHash), false);
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      await store.flush();
      assert.equal(store.cacheMissKnown?.(entry.evalHash), false);
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      await store.close();
    });
  });
}

/** Another process, with its own connection to `path`, commits a new cache entry. */
async function commitElsewhere(path: string, writerThread: boolean) {
  const other = fileStore(path, writerThread);
  await other.open();
  const theirs = cacheEntry({ evalHash: randomHash() });
  other.putCache(theirs);
  await other.close();
  return theirs;
}

/** After `mine` commits something of its own, it looks the other process's entry up and finds it. */
async function findsAfterNextCommit(mine: Store, theirs: ReturnType<typeof cacheEntry>): Promise<void> {
  mine.putExecution(execution());
  await mine.flush();
  assert.equal(mine.cacheMissKnown?.(theirs.evalHash), false);
  assert.deepEqual(await mine.getCache(theirs.evalHash), theirs);
  await mine.close();
}

for (const writerThread of [true, false]) {
  const mode = writerThread ? 'writer thread' : 'same thread';
  describe(`cache entries of other connections (${mode})`, () => {
    test('a store opened on a database with cache entries reads every lookup', async () => {
      const path = join(await tempDir(), 'baton.db');
      const entry = cacheEntry({ evalHash: randomHash() });
      const first = fileStore(path, writerThread);
      await first.open();
      first.putCache(entry);
      await first.close();
      const second = fileStore(path, writerThread);
      await second.open();
      assert.equal(second.cacheMissKnown?.(randomHash()), false);
      assert.deepEqual(await second.getCache(entry.evalHash), entry);
      await second.close();
    });

    test('an entry another process commits before this store first commits is found after that commit', async () => {
      const path = join(await tempDir(), 'baton.db');
      const mine = fileStore(path, writerThread);
      await mine.open();
      const theirs = await commitElsewhere(path, writerThread);
      await findsAfterNextCommit(mine, theirs);
    });

    test('an entry another process commits between two commits of this store is found after the second', async () => {
      const path = join(await tempDir(), 'baton.db');
      const mine = fileStore(path, writerThread);
      await mine.open();
      mine.putCache(cacheEntry({ evalHash: randomHash() }));
      await mine.flush();
      const theirs = await commitElsewhere(path, writerThread);
      await findsAfterNextCommit(mine, theirs);
    });
  });
}
