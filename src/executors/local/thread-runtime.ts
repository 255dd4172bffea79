// Workers as worker threads: batches and results travel by postMessage packed into one buffer each
// (packed.ts), transferred rather than copied when large.
import { Worker } from 'node:worker_threads';
import {
  packBatch,
  THREAD_ENTRY,
  transferList,
  unpackResults,
  type WorkerMessage,
} from '../../worker/index.ts';
import type { SpawnOptions, WorkerHandle, WorkerRuntime } from './runtime.ts';

function spawnThread(options: SpawnOptions): WorkerHandle {
  const worker = new Worker(THREAD_ENTRY, {
    // Never piped to the parent's stdout (where `baton run` writes its result); the worker entry sends
    // what tasks print as messages instead, because reading these streams would keep the parent alive.
    stdout: true,
    stderr: true,
    workerData: options.preload?.length ? { preload: [...options.preload] } : undefined,
    resourceLimits: options.memoryMb === undefined ? undefined : { maxOldGenerationSizeMb: options.memoryMb },
  });
  let error: Error | undefined;
  worker.on('message', (message: WorkerMessage | Uint8Array) =>
    options.onMessage(message instanceof Uint8Array ? unpackResults(message) : message),
  );
  worker.on('error', (thrown: unknown) => {
    error ??= thrown instanceof Error ? thrown : new Error(String(thrown));
  });
  worker.once('exit', (code: number) => {
    const outOfMemory = (error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    options.onExit({ code, signal: null, outOfMemory, error });
  });
  return {
    id: `thread-${worker.threadId}`,
    send: (batch) => {
      const packed = packBatch(batch);
      worker.postMessage(packed, transferList(packed));
    },
    terminate: async () => {
      worker.ref(); // an idle worker is unref'd, and its end must still be awaited
      await worker.terminate();
    },
    keepAlive: (active) => (active ? worker.ref() : worker.unref()),
  };
}

export const threadRuntime: WorkerRuntime = { mode: 'threads', spawn: spawnThread };
