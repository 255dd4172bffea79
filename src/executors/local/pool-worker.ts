// One worker as the pool sees it: the runtime's handle plus the jobs it holds and its recent output.
import { Buffer } from 'node:buffer';
import type { WorkerMessage } from '../../worker/index.ts';
import type { PendingJob } from './queue.ts';
import type { WorkerExit, WorkerHandle, WorkerRuntime } from './runtime.ts';

/** How much of a worker's recent output is kept, to explain its death. */
const TAIL_CHARS = 4000;

export interface PoolWorkerEvents {
  message(worker: PoolWorker, message: WorkerMessage): void;
  exit(worker: PoolWorker, exit: WorkerExit): void;
  output(chunk: Uint8Array): void;
}

export class PoolWorker {
  readonly handle: WorkerHandle;
  readonly memoryMb: number | undefined;
  /** The key of its memory group in the pool. */
  readonly groupKey: number;
  /** Jobs sent and not yet answered, by the id the pool gave them. */
  readonly outstanding = new Map<number, PendingJob>();
  /** When it was started (Date.now()). */
  readonly spawnedAt = Date.now();
  /** It has loaded its own code, and a spare its workflow's modules (jobs count as started from here). */
  ready = false;
  /** It runs a job with a time limit, which must be alone on its worker. */
  exclusive = false;
  /** Terminated or exited; it takes no more jobs. */
  dead = false;
  /** Gets no new jobs, so that once idle it can serve a timed job or make room for this group. */
  drainingFor: number | undefined;
  /** It was awake, waiting, when its last batch was sent (see `WorkerHandle.send`). */
  tookLastAwake = false;
  private recentOutput = '';
  private readonly forward: (chunk: Uint8Array) => void;

  constructor(
    runtime: WorkerRuntime,
    memoryMb: number | undefined,
    events: PoolWorkerEvents,
    /** Workflow modules it imports before it is ready (a warm spare). */
    preload?: readonly string[],
  ) {
    this.memoryMb = memoryMb;
    this.groupKey = memoryMb ?? 0;
    this.forward = events.output;
    this.handle = runtime.spawn({
      memoryMb,
      preload,
      onMessage: (message) => events.message(this, message),
      onExit: (exit) => events.exit(this, exit),
      onOutput: (chunk) => this.noteOutput(chunk),
    });
  }

  /** Passes on something the worker printed, and keeps its end to explain a crash. */
  noteOutput(chunk: Uint8Array): void {
    this.forward(chunk);
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    this.recentOutput = (this.recentOutput + text).slice(-TAIL_CHARS);
  }

  get id(): string {
    return this.handle.id;
  }

  /** The last lines the worker printed. */
  get tail(): string | undefined {
    return this.recentOutput.trim() || undefined;
  }
}
