// Profiles of every thread of a process through node:inspector: the worker threads' own functions show
// up without any code in those threads.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { after, before, describe, test } from 'node:test';
import { summarizeCpu, summarizeHeap } from '../../src/cli/profile-report.ts';
import { profileThreads } from '../../src/worker/thread-profiles.ts';

const THREAD = `
const kept = [];
function burnInThread() {
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
  return x;
}
function keepInThread() {
  kept.push(new Array(2000).fill(kept.length));
}
// Hot and small: V8 inlines both into this callback before the profile starts.
setInterval(() => { burnInThread(); keepInThread(); }, 1);
`;

describe('thread profiles', () => {
  let worker: Worker;
  before(async () => {
    worker = new Worker(THREAD, { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
  });
  after(() => worker.terminate());

  test('a CPU profile covers the main thread and each worker thread, with the functions they ran', async () => {
    const threads = await profileThreads('cpu', 600);
    assert.equal(threads.length, 2);
    assert.equal(threads[0]!.thread, 'main');
    const busy = summarizeCpu([threads[1]!.cpu!]).rows.find((row) => row.name === 'burnInThread');
    assert.ok(busy && busy.self > 50, `burnInThread took ${busy?.self} ms of the thread's 600`);
    const mainRows = summarizeCpu([threads[0]!.cpu!]).rows;
    assert.ok(!mainRows.some((row) => row.name === 'burnInThread'), 'the main thread did not run it');
  });

  test('a memory profile gives each thread heap use and the call sites of its live allocations', async () => {
    const threads = await profileThreads('memory', 600);
    assert.equal(threads.length, 2);
    const heap = threads[1]!.heap!;
    assert.ok(heap.usage.usedSize > 0 && heap.usage.totalSize >= heap.usage.usedSize);
    const site = summarizeHeap([heap.sampling.head]).find((row) => row.name === 'keepInThread');
    assert.ok(site && site.self > 0, 'keepInThread holds sampled memory');
  });
});
