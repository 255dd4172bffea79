// What every Store does, whatever its database: run against SQLite here (behaviour.test.ts) and
// against PostgreSQL in test/services/postgres, so both backends are held to the same contract.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { SerializedError } from '../../src/executors/index.ts';
import { StoreError } from '../../src/errors.ts';
import type { Store } from '../../src/store/index.ts';
import { cacheEntry, execution, job, sha, task, withoutCounts } from './fixtures.ts';

/** Opens a fresh store for one test; `reopen` opens the same one again after `close()`. */
export type StoreFactory = (
  t: TestContext,
  options: { inlineLimit?: number },
) => Promise<{ store: Store; reopen(): Promise<Store> }>;

const failure: SerializedError = {
  name: 'ValueError',
  message: 'C must be positive',
  stack: 'ValueError: C must be positive\n    at train (workflow.ts:4:11)',
  kind: 'application',
  props: { code: 'E_RANGE', detail: { C: -1 } },
};

export function storeBehaviour(name: string, open: StoreFactory): void {
  describe(`the Store contract (${name})`, () => {
    test('records read back as written: execution, job, task once, cache entry replaced and deleted', async (t) => {
      const { store } = await open(t, {});
      const exec = execution({
        status: 'failed',
        endedAt: 1_700_000_001_000,
        resultHash: sha('r'),
        error: failure,
      });
      const full = job(exec.id, {
        parentId: 'parent',
        callHash: sha('c'),
        status: 'failed',
        attempt: 3,
        startedAt: 1_700_000_000_200,
        endedAt: 1_700_000_000_300,
        cachedFromJobId: 'old-job',
        cachedFromExecutionId: 'old-exec',
        argsHash: sha('g'),
        resultHash: sha('r'),
        error: failure,
      });
      store.putExecution(exec);
      store.putJob(full);
      store.putTask(task());
      store.putTask({ ...task(), name: 'renamed' });
      const entry = cacheEntry();
      store.putCache(entry);
      await store.flush();
      assert.deepEqual(withoutCounts(await store.getExecution(exec.id)), exec);
      assert.deepEqual(await store.getJob(full.id), full);
      assert.deepEqual(await store.getTask(task().hash), task());
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      const newer = { ...entry, valueHash: sha('w') };
      store.putCache(newer);
      await store.flush();
      assert.deepEqual(await store.getCache(entry.evalHash), newer);
      store.deleteCache(entry.evalHash);
      await store.flush();
      assert.equal(await store.getCache(entry.evalHash), undefined);
      await store.close();
    });

    test('text that a database must quote or escape reads back as written, in puts and in updates', async (t) => {
      const { store } = await open(t, {});
      const awkward = ['NULL', '', 'a "quoted", {braced} text', 'back\\slash', 'tab\tand\nnewline', 'null'];
      const ids = awkward.map((text) => {
        const rec = job('exec-1', { taskName: text || 'empty', argsPreview: text, parentId: text });
        store.putJob(rec);
        return rec.id;
      });
      await store.flush();
      for (const [i, id] of ids.entries()) {
        const read = await store.getJob(id);
        assert.equal(read?.argsPreview, awkward[i]);
        assert.equal(read?.parentId, awkward[i]);
        assert.equal(read?.taskName, awkward[i] || 'empty');
        store.updateJob(id, { argsPreview: awkward[(i + 1) % awkward.length] });
      }
      await store.flush();
      for (const [i, id] of ids.entries())
        assert.equal((await store.getJob(id))?.argsPreview, awkward[(i + 1) % awkward.length]);
      await store.close();
    });

    test('an update patches only the fields it names; undefined clears an optional field', async (t) => {
      const { store } = await open(t, {});
      const rec = job('exec-1', { error: failure, resultHash: sha('r') });
      store.putJob(rec);
      await store.flush();
      store.updateJob(rec.id, { status: 'running', attempt: 2, error: undefined });
      await store.flush();
      const { error: _error, ...rest } = rec;
      assert.deepEqual(await store.getJob(rec.id), { ...rest, status: 'running', attempt: 2 });
      await store.close();
    });

    test('executions list newest first with filters and job counts; jobs list in order with paging', async (t) => {
      const { store } = await open(t, {});
      const older = execution({ startedAt: 1_000, taskName: 'a', status: 'done' });
      const newer = execution({ startedAt: 2_000, taskName: 'b' });
      store.putExecution(older);
      store.putExecution(newer);
      const jobs = [
        job(older.id, { status: 'done' }),
        job(older.id, { status: 'cached' }),
        job(older.id, { status: 'failed' }),
      ];
      for (const rec of jobs) store.putJob(rec);
      assert.deepEqual(
        (await store.listExecutions()).map((e) => e.id),
        [newer.id, older.id],
      );
      const [listed] = await store.listExecutions({ taskName: 'a' });
      assert.deepEqual(listed?.counts, {
        jobs: 3,
        queued: 0,
        running: 0,
        done: 1,
        cached: 1,
        failed: 1,
        cancelled: 0,
        changedAt: 1_700_000_000_100,
      });
      assert.deepEqual(
        (await store.listExecutions({ status: 'running' })).map((e) => e.id),
        [newer.id],
      );
      assert.deepEqual(
        (await store.listExecutions({ since: 1_500 })).map((e) => e.id),
        [newer.id],
      );
      assert.deepEqual(
        (await store.listJobs(older.id, { limit: 2, offset: 1 })).map((j) => j.id),
        [jobs[1]!.id, jobs[2]!.id],
      );
      await store.close();
    });

    test('ids are found by a unique prefix; an ambiguous prefix is a StoreError', async (t) => {
      const { store } = await open(t, {});
      const a = execution({ id: '01aaaa0000000000000000000a' });
      const b = execution({ id: '01aaab0000000000000000000b' });
      store.putExecution(a);
      store.putExecution(b);
      assert.equal((await store.getExecution('01aaaa'))?.id, a.id);
      assert.equal(await store.getExecution('01zz'), undefined);
      await assert.rejects(store.getExecution('01aaa'), (error: Error) => {
        assert.ok(error instanceof StoreError);
        assert.match(error.message, /matches 2 executions/);
        return true;
      });
      await store.close();
    });

    test('values small and large read back byte for byte; hasValue knows them; unknown hashes are undefined', async (t) => {
      const { store } = await open(t, { inlineLimit: 1000 });
      const small = new TextEncoder().encode('hello, a value longer than its hash');
      const large = new Uint8Array(300_000).map((_, i) => i % 251);
      const smallHash = store.putValue(small);
      const largeHash = store.putValue(large);
      assert.equal(smallHash, '5e937c72d3b206de5598fcca387ad17f3dee62c6f7147a277c6760f730ccbe6e');
      await store.flush();
      assert.deepEqual(await store.getValue(smallHash), small);
      assert.deepEqual(await store.getValue(largeHash), large);
      assert.equal(await store.hasValue(largeHash), true);
      assert.equal(await store.hasValue(sha('0')), false);
      assert.equal(await store.getValue(sha('0')), undefined);
      const info = await store.info();
      assert.equal(info.counts.values, 2);
      // A store without a value store of its own keeps even large values inside the database.
      const inside = info.valuesLocation === undefined;
      assert.equal(info.counts.inlineValues, inside ? 2 : 1);
      assert.equal(info.counts.inlineBytes, inside ? 300_000 + small.byteLength : small.byteLength);
      await store.close();
    });

    test('a value of at most 32 bytes is named by its bytes, stored nowhere, and reads back after a reopen', async (t) => {
      const { store, reopen } = await open(t, {});
      const tiny = new TextEncoder().encode('hello');
      const name = store.putValue(tiny);
      assert.equal(name, '=68656c6c6f');
      const longest = new Uint8Array(32).fill(0xab);
      assert.equal(store.putValue(longest), `=${'ab'.repeat(32)}`);
      assert.match(store.putValue(new Uint8Array(33)), /^[0-9a-f]{64}$/);
      assert.deepEqual(await store.getValue(name), tiny);
      assert.equal(await store.hasValue(name), true);
      await store.close();
      const again = await reopen();
      assert.deepEqual(await again.getValue(name), tiny);
      assert.deepEqual(await again.getValue('='), new Uint8Array(0));
      // Only the 33-byte value has a row.
      assert.equal((await again.info()).counts.values, 1);
      for (const malformed of ['=6', '=zz', `=${'00'.repeat(33)}`, '68656c6c6f']) {
        assert.equal(await again.getValue(malformed), undefined, malformed);
        assert.equal(await again.hasValue(malformed), false, malformed);
      }
      await again.close();
    });

    test('everything written survives close() and a reopen, and info() counts it', async (t) => {
      const { store, reopen } = await open(t, {});
      const exec = execution({ status: 'done', endedAt: 1_700_000_009_000 });
      const jobs = [job(exec.id, { status: 'done' }), job(exec.id, { status: 'cached' })];
      const value = store.putValue(new TextEncoder().encode('a result longer than thirty-two bytes'));
      store.putExecution(exec);
      for (const rec of jobs) store.putJob(rec);
      store.putTask(task());
      const entry = cacheEntry({ valueHash: value });
      store.putCache(entry);
      await store.close();
      const again = await reopen();
      assert.deepEqual(withoutCounts(await again.getExecution(exec.id)), exec);
      assert.deepEqual(await again.listJobs(exec.id), jobs);
      assert.deepEqual(await again.getCache(entry.evalHash), entry);
      assert.deepEqual(
        await again.getValue(value),
        new TextEncoder().encode('a result longer than thirty-two bytes'),
      );
      const info = await again.info();
      assert.equal(info.schemaVersion, info.latestVersion);
      assert.deepEqual(
        { ...info.counts, inlineBytes: 0 },
        {
          executions: 1,
          jobs: 2,
          tasks: 1,
          cacheEntries: 1,
          values: 1,
          inlineValues: 1,
          inlineBytes: 0,
          leases: 0,
        },
      );
      await again.close();
    });
  });
}
