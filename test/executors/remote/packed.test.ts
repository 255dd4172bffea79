// Array elements that run several calls in turn: each call is done when its result is written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PackedElements } from '../../../src/executors/remote/packed.ts';

test('a read of the results that fails is tried again at the next interval, not thrown', async () => {
  let reads = 0;
  const packed = new PackedElements(5, async () => {
    reads++;
    if (reads === 1) throw new Error('ECONNRESET');
    return true;
  });
  packed.add('job#0', ['a', 'b']);
  const ended = new Promise<void>(() => {});
  await packed.done('job#0', 'a', ended);
  await packed.done('job#0', 'b', ended);
  assert.equal(reads, 3, 'the failed read, then one read per call');
  packed.stop();
});
