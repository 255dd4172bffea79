import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../src/codec/index.ts';
import { BatchRunner, type ResultMessage } from '../../src/worker/index.ts';
import { boom, double, wait } from './fixtures/tasks.ts';
import { batchOf, refOf } from './helpers.ts';

/** Collects what a runner sends, and resolves once `count` results came back. */
function collector(count: number) {
  const messages: ResultMessage[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const post = (message: ResultMessage) => {
    messages.push(message);
    if (messages.reduce((sum, m) => sum + m.ids.length, 0) >= count) done();
  };
  return { messages, post, finished };
}

function results(messages: ResultMessage[]): Map<number, unknown> {
  const byId = new Map<number, unknown>();
  for (const message of messages) {
    let failure = 0;
    message.ids.forEach((id, i) => {
      byId.set(
        id,
        message.ok[i]
          ? decodeValue(message.values.subarray(message.offsets[i], message.offsets[i + 1]))
          : message.errors[failure++]!.message,
      );
    });
  }
  return byId;
}

describe('running batches in a worker', () => {
  it('answers a batch of synchronous jobs with one message, before receive returns', async () => {
    const warm = collector(1);
    new BatchRunner(warm.post).receive(batchOf([[refOf(double), [0]]]));
    await warm.finished; // the first job imports the module
    const { messages, post } = collector(200);
    const start = performance.now();
    new BatchRunner(post).receive(
      batchOf(
        Array.from({ length: 200 }, (_, i) => [refOf(double), [i]] as [ReturnType<typeof refOf>, unknown[]]),
      ),
    );
    // One message, unless a loaded machine stretched the batch past the runner's 25 ms flush interval.
    const intervals = Math.floor((performance.now() - start) / 25);
    assert.ok(messages.length >= 1 && messages.length <= 1 + intervals, `${messages.length} messages`);
    const byId = results(messages);
    for (let i = 0; i < 200; i++) assert.equal(byId.get(i + 1), 2 * i);
  });

  it('keeps failures in their place among the results', async () => {
    const { messages, post, finished } = collector(3);
    new BatchRunner(post).receive(
      batchOf([
        [refOf(double), [1]],
        [refOf(boom), []],
        [refOf(double), [3]],
      ]),
    );
    await finished;
    const byId = results(messages);
    assert.deepEqual(
      [1, 2, 3].map((id) => byId.get(id)),
      [2, 'boom', 6],
    );
  });

  it('runs async jobs side by side, at most `concurrency` at once', async () => {
    const timed = async (concurrency: number) => {
      const { messages, post, finished } = collector(4);
      const began = Date.now();
      new BatchRunner(post, { concurrency }).receive(
        batchOf(
          Array.from({ length: 4 }, () => [refOf(wait), [150]] as [ReturnType<typeof refOf>, unknown[]]),
        ),
      );
      await finished;
      assert.deepEqual([...results(messages).values()], [150, 150, 150, 150]);
      return Date.now() - began;
    };
    await timed(4); // warm up the import
    const together = await timed(4);
    const twoAtOnce = await timed(2);
    assert.ok(together < 280, `4 at once took ${together} ms`);
    assert.ok(twoAtOnce >= 290 && twoAtOnce < 450, `2 at once took ${twoAtOnce} ms`);
  });

  it('sends the results of async jobs that finish together in one message', async () => {
    const { messages, post, finished } = collector(20);
    const runner = new BatchRunner(post);
    runner.receive(
      batchOf(Array.from({ length: 20 }, () => [refOf(wait), [30]] as [ReturnType<typeof refOf>, unknown[]])),
    );
    await finished;
    assert.ok(messages.length <= 3, `${messages.length} messages for 20 jobs ending together`);
  });
});
