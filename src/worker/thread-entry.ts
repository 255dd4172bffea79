// Entry point of a local executor worker thread: batches in through the parent port, results out.
import { parentPort, workerData } from 'node:worker_threads';
import { ExecutorError } from '../errors.ts';
import { markWorkerContext } from '../scheduler/index.ts';
import { BatchRunner } from './batch-runner.ts';
import { preloadModules } from './load.ts';
import { captureOutput } from './output.ts';
import { packResults, unpackBatch } from './packed.ts';
import { transferList, type WorkerMessage } from './protocol.ts';

// A task that calls run() gets an error rather than a scheduler of its own inside the worker.
markWorkerContext();

const port = parentPort;
if (!port)
  throw new ExecutorError('thread-entry.ts runs only as a worker thread started by the local executor');

const send = (message: WorkerMessage): void => {
  const packed = message.type === 'results' ? packResults(message) : undefined;
  port.postMessage(packed ?? message, transferList(packed ?? message));
};
captureOutput(send);
const runner = new BatchRunner(send);
port.on('message', (batch: Uint8Array) => runner.receive(unpackBatch(batch)));
// A spare worker imports the workflow's modules before it says it is ready.
await preloadModules((workerData as { preload?: string[] } | undefined)?.preload ?? []);
send({ type: 'ready' });
