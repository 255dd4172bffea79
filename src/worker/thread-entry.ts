// Entry point of a local executor worker thread: batches in through the parent port, everything it
// sends (readiness, output, results) out through a port of its own, with a doorbell rung after each
// message in either direction (doorbell.ts).
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { ExecutorError } from '../errors.ts';
import { markWorkerContext } from '../scheduler/index.ts';
import { BatchRunner } from './batch-runner.ts';
import { Doorbell, spinFor } from './doorbell.ts';
import { preloadModules } from './load.ts';
import { captureOutput } from './output.ts';
import { unpackBatch } from './packed.ts';
import { transferList, type WorkerMessage } from './protocol.ts';

/** What the local pool gives a worker thread it starts. */
export interface ThreadWorkerData {
  /** Where the worker sends its messages. */
  port: MessagePort;
  doorbell: SharedArrayBuffer;
  /** Workflow modules to import before it is ready (a warm spare). */
  preload: string[];
}

// A task that calls run() gets an error rather than a scheduler of its own inside the worker.
markWorkerContext();

const input = parentPort;
const data = workerData as ThreadWorkerData | undefined;
if (!input || !data?.port)
  throw new ExecutorError('thread-entry.ts runs only as a worker thread started by the local executor');
const output = data.port;
const doorbell = new Doorbell(data.doorbell);

const post = (message: WorkerMessage | Uint8Array): void => {
  output.postMessage(message, transferList(message));
  doorbell.ring('to-pool');
};
captureOutput(post);
// Results without errors come packed from the runner; those with errors travel as the message itself.
const runner = new BatchRunner(post, { postPacked: post });

const take = (batch: Uint8Array): void => {
  doorbell.noteStarted();
  runner.receive(unpackBatch(batch));
};

/** Takes every batch waiting on the port. */
const takeWaiting = (): void => {
  for (let got = receiveMessageOnPort(input); got; got = receiveMessageOnPort(input))
    take(got.message as Uint8Array);
};

/**
 * When the pool asked for it (a lone quick job, whose caller usually sends the next one at once) and
 * the worker has nothing left to do, it waits for the next batch here for a few microseconds, rather
 * than in the event loop. It stops at once when an async job is still running: that job's callbacks
 * need the event loop.
 */
const linger = (): void => {
  let micros = doorbell.lingerMicros;
  while (micros > 0 && runner.idle) {
    doorbell.lingering = true;
    // A pool that waits for the result on another CPU takes it at once. One that has not within a
    // fifth of the wait is asleep, or waits for this very CPU (the kernel put both threads on one):
    // either way, spinning on would only hold it up.
    const alive = spinFor(micros / 5, () => doorbell.taken);
    // A ring may be for a batch the event loop already delivered: then there is nothing to take.
    const rang = alive && spinFor(micros, () => doorbell.rang('to-worker'));
    doorbell.lingering = false;
    if (!rang) return;
    takeWaiting();
    micros = doorbell.lingerMicros;
  }
};

input.on('message', (batch: Uint8Array) => {
  take(batch);
  linger();
});
// A spare worker imports the workflow's modules before it says it is ready.
await preloadModules(data.preload);
post({ type: 'ready' });
