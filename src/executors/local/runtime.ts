// The one small interface between the pool and a worker. Two runtimes implement it: worker threads
// and child processes; the pool never knows which one it drives.
import type { BatchMessage, WorkerMessage } from '../../worker/index.ts';

export type LocalMode = 'threads' | 'processes';

/** How a worker ended. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** V8 ran out of heap (the worker's memory limit, or the machine's). */
  outOfMemory: boolean;
  /** The error that ended it: an uncaught exception, or a failure to start. */
  error: Error | undefined;
}

export interface SpawnOptions {
  /** Heap limit in MiB; undefined leaves Node's default. */
  memoryMb: number | undefined;
  /** Workflow modules to import before the worker reports ready (a warm spare). @default [] */
  preload?: readonly string[] | undefined;
  onMessage(message: WorkerMessage): void;
  /** Whatever the worker printed on stdout or stderr. */
  onOutput(chunk: Uint8Array): void;
  /** Called once, however the worker went (including `terminate`). */
  onExit(exit: WorkerExit): void;
}

export interface WorkerHandle {
  /** Names the worker in events and messages, e.g. `thread-3` or `process-4242`. */
  readonly id: string;
  /**
   * `lingerMicros`: how long the worker may wait for its next batch, spinning, once this one is done
   * (threads only; 0 lets it sleep at once). True when the worker was awake waiting for it (it
   * lingered after its last batch), so it starts at once; false when it had to be woken.
   */
  send(batch: BatchMessage, lingerMicros?: number): boolean;
  /** Ends the worker at once; resolves when it is gone. */
  terminate(): Promise<void>;
  /** Whether the worker keeps the parent process alive: yes while it has jobs, no when idle. */
  keepAlive(active: boolean): void;
  /**
   * Delivers (through `onMessage`) what the worker has sent and the event loop has not yet, at once;
   * true if there was something. Only runtimes whose messages can be read that way have it.
   */
  receiveNow?(): boolean;
  /** Whether the worker has taken every batch sent to it (threads only). */
  started?(): boolean;
}

export interface WorkerRuntime {
  readonly mode: LocalMode;
  spawn(options: SpawnOptions): WorkerHandle;
}
