// The spinning hand-off between the pool and a worker thread (worker/doorbell.ts): a message taken
// without the event loop, a worker that waits for its next batch, and what must still hold while it
// waits (async jobs, output order, termination).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeValue } from '../../../src/codec/index.ts';
import { batchMessage } from '../../../src/executors/local/batch-message.ts';
import type { PendingJob } from '../../../src/executors/local/queue.ts';
import type { WorkerHandle } from '../../../src/executors/local/runtime.ts';
import { threadRuntime } from '../../../src/executors/local/thread-runtime.ts';
import type { JobRequest } from '../../../src/executors/index.ts';
import type { ResultMessage, WorkerMessage } from '../../../src/worker/index.ts';
import { Doorbell, spinFor } from '../../../src/worker/doorbell.ts';
import { add, print, sleep } from './fixtures/tasks.ts';
import { jobFor } from './helpers.ts';

/** Long enough that a worker told to linger is certainly still waiting when the next batch comes. */
const LINGER_US = 5_000_000;

describe('doorbell', () => {
  it('answers once per ring, and each side sees only its own direction', () => {
    const pool = new Doorbell();
    const worker = new Doorbell(pool.buffer);
    assert.equal(worker.rang('to-worker'), false);
    pool.ring('to-worker');
    pool.ring('to-worker');
    assert.equal(worker.rang('to-worker'), true);
    assert.equal(worker.rang('to-worker'), false, 'two rings before a look are one answer');
    assert.equal(pool.rang('to-pool'), false);
    worker.ring('to-pool');
    assert.equal(pool.rang('to-pool'), true);
    pool.lingerMicros = 250;
    assert.equal(worker.lingerMicros, 250);
    assert.equal(pool.lingering, false);
    worker.lingering = true;
    assert.equal(pool.lingering, true);
  });

  it('lets the worker see that the pool took its message, and the pool that the worker took its batch', () => {
    const pool = new Doorbell();
    const worker = new Doorbell(pool.buffer);
    assert.equal(worker.taken, true, 'nothing sent, nothing waiting');
    worker.ring('to-pool');
    assert.equal(worker.taken, false);
    pool.rang('to-pool');
    assert.equal(worker.taken, true);
    assert.equal(pool.started, true);
    pool.ring('to-worker');
    assert.equal(pool.started, false);
    worker.noteStarted();
    assert.equal(pool.started, true);
  });

  it('spinFor gives up after its time and says so', () => {
    let polls = 0;
    const began = performance.now();
    assert.equal(
      spinFor(2_000, () => (polls++, false)),
      false,
    );
    assert.ok(performance.now() - began >= 2);
    assert.ok(polls > 1);
    assert.equal(
      spinFor(2_000, () => true),
      true,
    );
  });
});

describe('a worker thread with a doorbell', () => {
  let handle: WorkerHandle;
  const messages: WorkerMessage[] = [];
  const printed: string[] = [];
  let nextId = 1;

  before(async () => {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    handle = threadRuntime.spawn({
      memoryMb: undefined,
      onMessage: (message) => {
        if (message.type === 'ready') ready();
        else if (message.type === 'output') printed.push(Buffer.from(message.chunk).toString('utf8'));
        else messages.push(message);
      },
      onOutput: (chunk) => printed.push(Buffer.from(chunk).toString('utf8')),
      onExit: () => undefined,
    });
    handle.keepAlive(true);
    await isReady;
  });

  after(() => handle.terminate());

  let wasAwake = false;
  const send = (job: JobRequest, linger = 0): number => {
    const id = nextId++;
    wasAwake = handle.send(batchMessage([{ job } as PendingJob], Float64Array.of(id)), linger);
    return id;
  };

  const valuesOf = (message: WorkerMessage | undefined): unknown[] => {
    assert.equal(message?.type, 'results');
    const { ok, values, offsets } = message as ResultMessage;
    return [...ok].map((_, i) => decodeValue(values.subarray(offsets[i], offsets[i + 1])));
  };

  /** Spins until a results message comes, within this one turn of the event loop. */
  const resultNow = (): WorkerMessage | undefined => {
    const before = messages.length;
    spinFor(LINGER_US, () => (handle.receiveNow!(), messages.length > before));
    return messages[before];
  };

  it("takes a worker's result without the event loop", async () => {
    await new Promise((resolve) => setImmediate(resolve)); // nothing left over from start-up
    const id = send(jobFor(add, [2, 3]));
    assert.equal(wasAwake, false, 'a worker that was not asked to linger sleeps in its event loop');
    const message = resultNow();
    assert.deepEqual((message as ResultMessage | undefined)?.ids, Float64Array.of(id));
    assert.deepEqual(valuesOf(message), [5]);
  });

  it('a lingering worker takes the next batch as it comes, and its result comes back as well', () => {
    send(jobFor(add, [1, 1]), LINGER_US);
    assert.deepEqual(valuesOf(resultNow()), [2]);
    // The worker is still waiting for this one, spinning: it takes it from the port itself.
    send(jobFor(add, [20, 1]), LINGER_US);
    assert.deepEqual(valuesOf(resultNow()), [21]);
    send(jobFor(add, [300, 1]));
    assert.deepEqual(valuesOf(resultNow()), [301]);
  });

  it('says whether the worker was awake, waiting, when a batch was sent', async () => {
    send(jobFor(add, [5, 5]), LINGER_US);
    assert.deepEqual(valuesOf(resultNow()), [10]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // well inside its 5 s linger
    send(jobFor(add, [6, 6]));
    assert.equal(wasAwake, true);
    assert.deepEqual(valuesOf(resultNow()), [12]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // told not to linger this time
    send(jobFor(add, [7, 7]));
    assert.equal(wasAwake, false);
    assert.deepEqual(valuesOf(resultNow()), [14]);
  });

  it('a lingering worker stops waiting for an async job, whose timers need its event loop', async () => {
    send(jobFor(add, [0, 1]), LINGER_US);
    assert.deepEqual(valuesOf(resultNow()), [1]);
    const began = performance.now();
    const before = messages.length;
    send(jobFor(sleep, [20]), LINGER_US);
    while (messages.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(valuesOf(messages[before]), [20]);
    // Had the worker spun on, the timer could not have fired before the 5 s linger ran out.
    assert.ok(performance.now() - began < 2_000, `took ${performance.now() - began} ms`);
  });

  it("delivers a job's output before its result, however the result is taken", () => {
    send(jobFor(add, [0, 0]), LINGER_US);
    resultNow();
    printed.length = 0;
    const before = messages.length;
    send(jobFor(print, ['spun']));
    const result = resultNow();
    assert.deepEqual(valuesOf(result), ['printed']);
    assert.equal(messages.length, before + 1);
    assert.match(printed.join(''), /log:spun\n[\s\S]*write:spun\n/);
  });

  it('ends at once when terminated while it lingers', async () => {
    send(jobFor(add, [4, 4]), LINGER_US);
    assert.deepEqual(valuesOf(resultNow()), [8]);
    const began = performance.now();
    await handle.terminate();
    assert.ok(performance.now() - began < 2_000, `took ${performance.now() - began} ms`);
  });
});
