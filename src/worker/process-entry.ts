// Entry point of a local executor worker process: batches in over the IPC channel, results out.
import { ExecutorError } from '../errors.ts';
import { markWorkerContext } from '../scheduler/index.ts';
import { BatchRunner } from './batch-runner.ts';
import { preloadModules } from './load.ts';
import type { BatchMessage, WorkerMessage } from './protocol.ts';

// A task that calls run() gets an error rather than a scheduler of its own inside the worker.
markWorkerContext();

const sendToParent = process.send?.bind(process);
if (!sendToParent)
  throw new ExecutorError('process-entry.ts runs only as a child process forked by the local executor');

const send = (message: WorkerMessage): void => {
  sendToParent(message);
};
const runner = new BatchRunner(send);
process.on('message', (batch: BatchMessage) => runner.receive(batch));
// Without a parent there is no one to report to: leave rather than linger.
process.on('disconnect', () => process.exit(0));
// A spare worker imports the workflow's modules (its arguments) before it says it is ready.
await preloadModules(process.argv.slice(2));
send({ type: 'ready' });
