import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SerializedError } from '../../src/executors/index.ts';
import { cacheEntry, execution, job, MODES, sha, storeIn, task, withoutCounts } from './fixtures.ts';

const failure: SerializedError = {
  name: 'ValueError',
  message: 'C must be positive',
  stack: 'ValueError: C must be positive\n    at train (workflow.ts:4:11)',
  kind: 'application',
  props: { code: 'E_RANGE', detail: { C: -1 } },
  logTail: 'fitting...\n',
};

for (const mode of MODES) {
  describe(`records round-trip (${mode})`, () => {
    test('an execution with every field reads back as written, after a flush', async () => {
      const store = await storeIn(mode);
      const rec = execution({
        status: 'failed',
        endedAt: 1_700_000_001_000,
        resultHash: sha('r'),
        error: failure,
      });
      store.putExecution(rec);
      await store.flush();
      assert.deepEqual(withoutCounts(await store.getExecution(rec.id)), rec);
      await store.close();
    });

    test('a job with every field reads back as written', async () => {
      const store = await storeIn(mode);
      const rec = job('exec-1', {
        parentId: 'parent-job',
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
      store.putJob(rec);
      await store.flush();
      assert.deepEqual(await store.getJob(rec.id), rec);
      await store.close();
    });

    test('a job with only the required fields reads back without the optional ones', async () => {
      const store = await storeIn(mode);
      const rec = job('exec-1');
      store.putJob(rec);
      assert.deepEqual(await store.getJob(rec.id), rec);
      await store.close();
    });

    test('a task is inserted once: a second put of the same hash changes nothing', async () => {
      const store = await storeIn(mode);
      const rec = task();
      store.putTask(rec);
      await store.flush();
      store.putTask({ ...rec, name: 'renamed', source: 'other' });
      await store.flush();
      assert.deepEqual(await store.getTask(rec.hash), rec);
      assert.equal(await store.getTask(sha('0')), undefined);
      await store.close();
    });

    test('a cache entry reads back, is replaced by a later put, and is gone after a delete', async () => {
      const store = await storeIn(mode);
      const entry = cacheEntry();
      store.putCache(entry);
      await store.flush();
      assert.deepEqual(await store.getCache(entry.evalHash), entry);
      const newer = { ...entry, valueHash: sha('w'), createdAt: entry.createdAt + 1 };
      store.putCache(newer);
      await store.flush();
      assert.deepEqual(await store.getCache(entry.evalHash), newer);
      store.deleteCache(entry.evalHash);
      await store.flush();
      assert.equal(await store.getCache(entry.evalHash), undefined);
      await store.close();
    });

    test('a small value is addressed by its sha256 and reads back byte for byte', async () => {
      const store = await storeIn(mode);
      const bytes = new TextEncoder().encode('hello, a value longer than its hash');
      const hash = store.putValue(bytes);
      assert.equal(hash, '5e937c72d3b206de5598fcca387ad17f3dee62c6f7147a277c6760f730ccbe6e');
      await store.flush();
      assert.deepEqual(await store.getValue(hash), bytes);
      assert.equal(await store.getValue(sha('0')), undefined);
      await store.close();
    });

    test('an update patches only the fields it names, and undefined clears an optional field', async () => {
      const store = await storeIn(mode);
      const rec = job('exec-1', { error: failure, resultHash: sha('r') });
      store.putJob(rec);
      await store.flush();
      store.updateJob(rec.id, { status: 'running', attempt: 2, error: undefined });
      await store.flush();
      const { error: _error, ...rest } = rec;
      assert.deepEqual(await store.getJob(rec.id), { ...rest, status: 'running', attempt: 2 });
      await store.close();
    });
  });
}

test('an error whose props hold a bigint and a cycle is still recorded', async () => {
  const store = await storeIn('memory');
  const props: Record<string, unknown> = { big: 10n };
  props.self = props;
  const rec = execution({ status: 'failed', error: { ...failure, props } });
  store.putExecution(rec);
  const read = await store.getExecution(rec.id);
  assert.deepEqual(read?.error?.props, { big: '10', self: '[Circular]' });
  await store.close();
});

test('a record missing a required field is refused when it is put, naming the field', async () => {
  const store = await storeIn('memory');
  const { taskName: _taskName, ...partial } = job('exec-1');
  assert.throws(() => store.putJob(partial as never), {
    name: 'StoreError',
    message: /job record .* has no taskName/,
  });
  await store.close();
});
