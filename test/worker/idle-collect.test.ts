// The idle collection of a worker's garbage (worker/idle-collect.ts), in this thread: a heap that grew
// is collected once the worker has stayed idle, and not while work keeps coming.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { IdleCollector } from '../../src/worker/idle-collect.ts';

const MiB = 2 ** 20;
const heapUsed = () => getHeapStatistics().used_heap_size;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Leaves about `rows` small objects of garbage behind, old enough to wait for a full collection. */
function litter(rows: number): number {
  const kept: Array<{ i: number; text: string }> = [];
  for (let i = 0; i < rows; i++) kept.push({ i, text: `row ${i}` });
  return kept.length;
}

describe('IdleCollector', () => {
  it('collects a grown heap once the worker has stayed idle for its delay', async () => {
    const collector = new IdleCollector({ delayMs: 50, growthBytes: 32 * MiB });
    litter(1_000_000);
    const before = heapUsed();
    collector.idle();
    assert.equal(collector.collections, 0, 'not at once');
    await pause(200);
    assert.equal(collector.collections, 1);
    assert.ok(
      heapUsed() < before - 32 * MiB,
      `the garbage is gone (${before / MiB} MiB, then ${heapUsed() / MiB} MiB)`,
    );
  });

  it('waits while work keeps coming, and collects after the first idle spell that lasts', async () => {
    const collector = new IdleCollector({ delayMs: 100, growthBytes: 32 * MiB });
    litter(1_000_000);
    collector.idle();
    await pause(20);
    collector.busy();
    await pause(200);
    assert.equal(collector.collections, 0, 'work came before the delay was up');
    collector.idle();
    await pause(250);
    assert.equal(collector.collections, 1, 'the next idle spell collects, without looking at the heap again');
  });

  it('leaves a heap that has not grown alone', async () => {
    const collector = new IdleCollector({ delayMs: 20, growthBytes: 512 * MiB });
    litter(1_000);
    collector.idle();
    await pause(100);
    assert.equal(collector.collections, 0);
  });
});
