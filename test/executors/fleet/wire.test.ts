// What travels through Redis: queue job ids from task keys, the File check, batches and locality.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeValue } from '../../../src/codec/index.ts';
import { SerializationError } from '../../../src/errors.ts';
import { chunk } from '../../../src/executors/fleet/batches.ts';
import {
  decodeBatch,
  decodeResults,
  encodeResults,
  matchesLocality,
  mayHoldFiles,
} from '../../../src/executors/fleet/index.ts';
import { batchId } from '../../../src/executors/fleet/wire.ts';
import { File } from '../../../src/index.ts';

const HASH = 'a'.repeat(64);

test('a lone task is its own queue job id; a batch is named by its keys; a fresh one gets a nonce', () => {
  assert.equal(batchId([HASH], false), HASH);
  const two = batchId([HASH, 'b'.repeat(64)], false);
  assert.match(two, /^b-[0-9a-f]{40}$/);
  assert.equal(batchId([HASH, 'b'.repeat(64)], false), two);
  assert.notEqual(batchId([HASH], true), HASH);
  assert.ok(batchId([HASH], true).startsWith(`${HASH}-`));
});

test('encoded values that hold a File are spotted; plain ones are not', () => {
  assert.equal(mayHoldFiles(encodeValue([1, 'two', { three: 3 }], 'args')), false);
  assert.equal(mayHoldFiles(encodeValue([new File('/etc/hostname')], 'args')), true);
});

test('a queue job that is not a Baton batch is refused with a hint', () => {
  assert.throws(() => decodeBatch({ x: 1 }, 'job-1'), SerializationError);
  assert.throws(() => decodeBatch(undefined, 'job-1'), /not a Baton batch/);
});

test('result messages round-trip', () => {
  const message = {
    batchId: 'b-1',
    worker: 'w',
    keys: [HASH],
    ok: Uint8Array.of(1),
    values: encodeValue(42, 'result'),
    offsets: Float64Array.of(0, 3),
    times: Float64Array.of(1, 2),
    errors: [],
    largeValues: [],
  };
  const back = decodeResults(encodeResults(message));
  assert.deepEqual(back.keys, [HASH]);
  assert.deepEqual([...back.ok], [1]);
  assert.deepEqual([...back.times], [1, 2]);
});

test('tasks are split so every worker gets a share, at most the batch size each', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual(
    chunk(items, 512, 1).map((part) => part.length),
    [10],
  );
  assert.deepEqual(
    chunk(items, 512, 2).map((part) => part.length),
    [5, 5],
  );
  assert.deepEqual(
    chunk(items, 4, 1).map((part) => part.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    chunk(items, 512, 20).map((part) => part.length),
    Array(10).fill(1),
  );
});

test('a worker matches a locality by its tags and its host', () => {
  const worker = { host: 'node-1', tags: ['gpu', 'eu'] };
  assert.equal(matchesLocality(worker, undefined), true);
  assert.equal(matchesLocality(worker, { require: ['gpu'] }), true);
  assert.equal(matchesLocality(worker, { require: ['gpu', 'us'] }), false);
  assert.equal(matchesLocality(worker, { require: ['node-1'] }), true);
  assert.equal(matchesLocality(worker, { forbid: ['eu'] }), false);
  assert.equal(matchesLocality(worker, { forbid: ['us'] }), true);
});
