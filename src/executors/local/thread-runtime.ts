// Workers as worker threads: batches and results travel by postMessage packed into one buffer each
// (packed.ts), transferred rather than copied when large. The worker sends on a port of its own, so
// the pool can take a message without its event loop (`receiveNow`) when it waits for a lone job.
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  packBatch,
  THREAD_ENTRY,
  transferList,
  unpackResults,
  type WorkerMessage,
} from '../../worker/index.ts';
import { Doorbell } from '../../worker/doorbell.ts';
import type { ThreadWorkerData } from '../../worker/thread-entry.ts';
import type { SpawnOptions, WorkerHandle, WorkerRuntime } from './runtime.ts';

function spawnThread(options: SpawnOptions): WorkerHandle {
  const { port1: fromWorker, port2: workerPort } = new MessageChannel();
  const doorbell = new Doorbell();
  const data: ThreadWorkerData = {
    port: workerPort,
    doorbell: doorbell.buffer,
    preload: [...(options.preload ?? [])],
  };
  const worker = new Worker(THREAD_ENTRY, {
    // Never piped to the parent's stdout (where `baton run` writes its result); the worker entry sends
    // what tasks print as messages instead, because reading these streams would keep the parent alive.
    stdout: true,
    stderr: true,
    workerData: data,
    transferList: [workerPort],
    resourceLimits: options.memoryMb === undefined ? undefined : { maxOldGenerationSizeMb: options.memoryMb },
  });
  const deliver = (message: WorkerMessage | Uint8Array) =>
    options.onMessage(message instanceof Uint8Array ? unpackResults(message) : message);
  /** Delivers every message the worker has posted and the event loop has not; true if there was one. */
  const deliverWaiting = (): boolean => {
    let delivered = false;
    for (let got = receiveMessageOnPort(fromWorker); got; got = receiveMessageOnPort(fromWorker)) {
      deliver(got.message as WorkerMessage | Uint8Array);
      delivered = true;
    }
    return delivered;
  };
  fromWorker.on('message', deliver);
  // The worker itself keeps the process alive while it has jobs (keepAlive); its port never does.
  fromWorker.unref();
  let error: Error | undefined;
  worker.on('error', (thrown: unknown) => {
    error ??= thrown instanceof Error ? thrown : new Error(String(thrown));
  });
  worker.once('exit', (code: number) => {
    // What it sent before it ended (a crashing task's last output) comes first.
    deliverWaiting();
    fromWorker.close();
    const outOfMemory = (error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    options.onExit({ code, signal: null, outOfMemory, error });
  });
  return {
    id: `thread-${worker.threadId}`,
    send: (batch, lingerMicros = 0) => {
      const packed = packBatch(batch);
      doorbell.lingerMicros = lingerMicros;
      const awake = doorbell.lingering;
      worker.postMessage(packed, transferList(packed));
      doorbell.ring('to-worker');
      return awake;
    },
    receiveNow: () => doorbell.rang('to-pool') && deliverWaiting(),
    started: () => doorbell.started,
    terminate: async () => {
      worker.ref(); // an idle worker is unref'd, and its end must still be awaited
      await worker.terminate();
    },
    keepAlive: (active) => (active ? worker.ref() : worker.unref()),
  };
}

export const threadRuntime: WorkerRuntime = { mode: 'threads', spawn: spawnThread };
