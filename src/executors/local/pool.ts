// The pool: queues jobs, and on the next tick sends them to workers in batches sized to the queue,
// spawning workers lazily up to the limit; handles time limits, cancellation and lost workers.
import { packBytes, type WireTaskRef, type WorkerMessage, type ResultMessage } from '../../worker/index.ts';
import type { JobOutcome, JobRequest } from '../types.ts';
import { cancelledOutcome, lostOutcome, timeoutOutcome } from '../outcomes.ts';
import { describeExit } from './outcomes.ts';
import { PoolWorker } from './pool-worker.ts';
import { depthFor, workerTimePerJob } from './job-times.ts';
import { JobQueue, type PendingJob } from './queue.ts';
import type { WorkerExit, WorkerRuntime } from './runtime.ts';

/** Most jobs in one message. */
export const MAX_BATCH = 512;
/** Most jobs one worker holds at once: one batch running, one waiting, so it never idles between them. */
export const HIGH_WATER = 2 * MAX_BATCH;

/** Workers that share a memory limit, and the jobs waiting for them. */
interface WorkerGroup {
  readonly key: number;
  readonly memoryMb: number | undefined;
  /** Jobs without a time limit. */
  readonly queue: JobQueue;
  /** Jobs with a time limit: each runs alone, so its worker can be killed without losing others. */
  readonly timed: JobQueue;
  readonly workers: Set<PoolWorker>;
  /** Recent worker time per job in ms (an average over result messages): see `depth`. */
  msPerJob: number;
}

export interface PoolOptions {
  runtime: WorkerRuntime;
  maxWorkers: number;
  /** A job was handed to a worker. */
  onStarted(pending: PendingJob, workerId: string): void;
  /** Where the workers' stdout and stderr go. @default process.stderr */
  output?: ((chunk: Uint8Array) => void) | undefined;
}

function memoryMbOf(job: JobRequest): number | undefined {
  const gib = job.options.memory;
  return gib === undefined ? undefined : Math.ceil(gib * 1024);
}

export class LocalPool {
  private readonly options: PoolOptions;
  private readonly output: (chunk: Uint8Array) => void;
  private readonly groups = new Map<number, WorkerGroup>();
  private workerCount = 0;
  private nextId = 1;
  private dispatchScheduled = false;
  /** The group a drained worker was retired for: the freed slot is its, not whoever dispatches first. */
  private reservedFor: number | undefined;
  private readonly events = {
    message: (worker: PoolWorker, message: WorkerMessage) => this.onMessage(worker, message),
    exit: (worker: PoolWorker, exit: WorkerExit) => this.onExit(worker, exit),
    output: (chunk: Uint8Array) => this.output(chunk),
  };

  constructor(options: PoolOptions) {
    this.options = options;
    this.output = options.output ?? ((chunk) => process.stderr.write(chunk));
  }

  enqueue(pending: PendingJob): void {
    const group = this.groupOf(pending.job);
    const queue = pending.job.options.timeLimit === undefined ? group.queue : group.timed;
    if (pending.job.urgent) queue.pushFront(pending);
    else queue.push(pending);
    this.schedule();
  }

  /** Cancels a job: drops it if it waits, or terminates the worker running it. */
  cancel(pending: PendingJob): void {
    if (pending.settled) return;
    const worker = pending.worker as PoolWorker | undefined;
    if (!worker) {
      const group = this.groupOf(pending.job);
      (pending.job.options.timeLimit === undefined ? group.queue : group.timed).forget();
    }
    this.settle(pending, cancelledOutcome(pending.job));
    if (worker) void this.kill(worker, `worker was stopped to cancel task ${pending.job.task.name}`);
  }

  /** Cancels every job and terminates every worker. */
  async stop(): Promise<void> {
    const stopped = (pending: PendingJob) =>
      cancelledOutcome(pending.job, 'was cancelled: the executor stopped');
    const gone: Array<Promise<void>> = [];
    for (const group of this.groups.values()) {
      for (const queue of [group.queue, group.timed]) {
        for (const pending of queue.take(Number.POSITIVE_INFINITY)) this.settle(pending, stopped(pending));
      }
      for (const worker of [...group.workers]) gone.push(this.kill(worker, 'the executor stopped', stopped));
    }
    await Promise.all(gone);
  }

  private groupOf(job: JobRequest): WorkerGroup {
    const memoryMb = memoryMbOf(job);
    const key = memoryMb ?? 0;
    let group = this.groups.get(key);
    if (!group) {
      group = {
        key,
        memoryMb,
        queue: new JobQueue(),
        timed: new JobQueue(),
        workers: new Set(),
        msPerJob: 0,
      };
      this.groups.set(key, group);
    }
    return group;
  }

  private schedule(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // On the next tick, so every job queued in this one can share a message.
    setImmediate(() => {
      this.dispatchScheduled = false;
      for (const group of this.groups.values()) {
        if (group.queue.size > 0 || group.timed.size > 0) this.dispatch(group);
      }
    });
  }

  private dispatch(group: WorkerGroup): void {
    try {
      while (group.timed.size > 0) {
        const worker = this.idleWorker(group) ?? this.spawn(group);
        if (!worker) {
          this.drainFor(group);
          break;
        }
        worker.exclusive = true;
        this.send(worker, group.timed.take(1));
      }
      // Enough jobs per message to give every worker a share, but no more, so none sits idle.
      const limit = depthFor(group.msPerJob, HIGH_WATER);
      const batchSize = Math.min(MAX_BATCH, limit, Math.ceil(group.queue.size / this.options.maxWorkers));
      while (group.queue.size > 0) {
        const worker = this.idleWorker(group) ?? this.spawn(group) ?? this.leastLoaded(group, limit);
        if (!worker) {
          if (group.workers.size === 0) this.drainFor(group);
          break;
        }
        this.send(worker, group.queue.take(Math.min(batchSize, limit - worker.outstanding.size)));
      }
    } catch (error) {
      // A worker could not even be created: nothing in this group can run now.
      const reason = `cannot start a ${this.options.runtime.mode} worker: ${error instanceof Error ? error.message : String(error)}`;
      for (const queue of [group.queue, group.timed]) {
        for (const pending of queue.take(Number.POSITIVE_INFINITY))
          this.settle(pending, lostOutcome(pending.job, reason, 'system', undefined));
      }
    }
  }

  private idleWorker(group: WorkerGroup): PoolWorker | undefined {
    for (const worker of group.workers) if (worker.outstanding.size === 0) return worker;
    return undefined;
  }

  private leastLoaded(group: WorkerGroup, limit: number): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const worker of group.workers) {
      if (worker.exclusive || worker.drainingFor !== undefined || worker.outstanding.size >= limit) continue;
      if (!best || worker.outstanding.size < best.outstanding.size) best = worker;
    }
    return best;
  }

  /**
   * Stops feeding one busy worker, so a timed job of `needy` (or `needy` itself, when it has no worker
   * and the pool is full) gets one once that worker is idle, however busy the other jobs keep the pool.
   */
  private drainFor(needy: WorkerGroup): void {
    let best: PoolWorker | undefined;
    for (const group of this.groups.values()) {
      if ((group === needy) !== needy.workers.size > 0) continue;
      for (const worker of group.workers) {
        if (worker.drainingFor === needy.key) return;
        if (worker.exclusive || worker.drainingFor !== undefined) continue;
        if (!best || worker.outstanding.size < best.outstanding.size) best = worker;
      }
    }
    if (best) best.drainingFor = needy.key;
  }

  private spawn(group: WorkerGroup): PoolWorker | undefined {
    // A slot freed for a group that has no worker at all goes to that group.
    if (group.workers.size > 0 && this.anyStarving()) return undefined;
    if (this.reservedFor !== undefined && this.reservedFor !== group.key) {
      const reserved = this.groups.get(this.reservedFor);
      if (reserved && (reserved.queue.size > 0 || reserved.timed.size > 0)) return undefined;
      this.reservedFor = undefined;
    }
    if (this.workerCount >= this.options.maxWorkers && !this.retireIdleWorker(group)) return undefined;
    const worker = new PoolWorker(this.options.runtime, group.memoryMb, this.events);
    if (this.reservedFor === group.key) this.reservedFor = undefined;
    group.workers.add(worker);
    this.workerCount++;
    return worker;
  }

  /** Whether some group has jobs waiting and no worker. */
  private anyStarving(): boolean {
    for (const group of this.groups.values()) {
      if (group.workers.size === 0 && (group.queue.size > 0 || group.timed.size > 0)) return true;
    }
    return false;
  }

  /** Frees a slot for `needy` by ending an idle worker of another memory group. */
  private retireIdleWorker(needy: WorkerGroup): boolean {
    for (const group of this.groups.values()) {
      if (group === needy || group.queue.size > 0 || group.timed.size > 0) continue;
      for (const worker of group.workers) {
        if (worker.outstanding.size > 0) continue;
        void this.kill(worker, 'worker retired');
        return true;
      }
    }
    return false;
  }

  private send(worker: PoolWorker, jobs: PendingJob[]): void {
    if (jobs.length === 0) return;
    const refs: WireTaskRef[] = [];
    const refIndex = new Map<string, number>();
    const ids = new Float64Array(jobs.length);
    const tasks = new Uint32Array(jobs.length);
    let previous: WireTaskRef | undefined;
    for (let i = 0; i < jobs.length; i++) {
      const pending = jobs[i]!;
      const ref = pending.job.task;
      // Consecutive jobs of one task usually share the very same strings: compare before hashing.
      if (
        !previous ||
        previous.hash !== ref.hash ||
        previous.name !== ref.name ||
        previous.module !== ref.module
      ) {
        const key = `${ref.hash}\0${ref.name}\0${ref.module}`;
        let index = refIndex.get(key);
        if (index === undefined) {
          index = refs.push({ module: ref.module, name: ref.name, hash: ref.hash }) - 1;
          refIndex.set(key, index);
        }
        previous = refs[index]!;
        tasks[i] = index;
      } else {
        tasks[i] = tasks[i - 1]!;
      }
      const id = this.nextId++;
      ids[i] = id;
      pending.worker = worker;
      worker.outstanding.set(id, pending);
    }
    const { bytes, offsets } = packBytes(jobs.length, (i) => jobs[i]!.job.args);
    if (worker.outstanding.size === jobs.length) worker.handle.keepAlive(true);
    worker.handle.send({ type: 'batch', refs, ids, tasks, args: bytes, offsets });
    for (const pending of jobs) {
      this.options.onStarted(pending, worker.id);
      if (worker.ready && pending.job.options.timeLimit !== undefined) this.armTimer(pending);
    }
  }

  private armTimer(pending: PendingJob): void {
    const limit = pending.job.options.timeLimit;
    if (limit === undefined || pending.timer !== undefined || pending.settled) return;
    pending.timer = setTimeout(() => {
      const worker = pending.worker as PoolWorker | undefined;
      this.settle(pending, timeoutOutcome(pending.job));
      if (worker)
        void this.kill(
          worker,
          `worker was stopped because task ${pending.job.task.name} exceeded its time limit`,
        );
    }, limit * 1000);
  }

  private settle(pending: PendingJob, outcome: JobOutcome): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.finish(outcome);
  }

  private onMessage(worker: PoolWorker, message: WorkerMessage): void {
    if (worker.dead) return;
    if (message.type === 'output') {
      worker.noteOutput(message.chunk);
      return;
    }
    if (message.type === 'ready') {
      worker.ready = true;
      for (const pending of worker.outstanding.values()) this.armTimer(pending);
      return;
    }
    this.onResults(worker, message);
  }

  private noteWorkerTime(worker: PoolWorker, times: ArrayLike<number>, count: number): void {
    const group = this.groups.get(worker.groupKey);
    if (group && count > 0) group.msPerJob = group.msPerJob * 0.8 + workerTimePerJob(times, count) * 0.2;
  }

  private onResults(worker: PoolWorker, message: ResultMessage): void {
    const { ids, ok, values, offsets, times, errors } = message;
    this.noteWorkerTime(worker, times, ids.length);
    let failures = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const error = ok[i] === 1 ? undefined : errors[failures++];
      const pending = worker.outstanding.get(id);
      if (!pending) continue;
      worker.outstanding.delete(id);
      const startedAt = times[2 * i]!;
      const endedAt = times[2 * i + 1]!;
      this.settle(
        pending,
        error === undefined
          ? { ok: true, value: values.subarray(offsets[i], offsets[i + 1]), startedAt, endedAt }
          : { ok: false, error, startedAt, endedAt },
      );
    }
    if (worker.outstanding.size === 0) {
      worker.exclusive = false;
      worker.handle.keepAlive(false);
      const drainedFor = worker.drainingFor;
      worker.drainingFor = undefined;
      if (drainedFor !== undefined && drainedFor !== worker.groupKey) {
        this.reservedFor = drainedFor;
        void this.kill(worker, 'worker retired');
      }
    }
    this.schedule();
  }

  private onExit(worker: PoolWorker, exit: WorkerExit): void {
    if (worker.dead) return;
    this.remove(worker);
    const what = describeExit(exit, worker.memoryMb, worker.ready);
    const kind = exit.outOfMemory ? 'memory' : 'system';
    for (const pending of worker.outstanding.values()) {
      this.settle(
        pending,
        pending.signal.aborted
          ? cancelledOutcome(pending.job)
          : lostOutcome(pending.job, what, kind, worker.tail),
      );
    }
    worker.outstanding.clear();
    this.schedule();
  }

  private remove(worker: PoolWorker): void {
    worker.dead = true;
    for (const group of this.groups.values()) if (group.workers.delete(worker)) this.workerCount--;
  }

  /** Terminates a worker; its unanswered jobs fail as lost (or as `outcomeOf` says). */
  private kill(
    worker: PoolWorker,
    what: string,
    outcomeOf?: (pending: PendingJob) => JobOutcome,
  ): Promise<void> {
    if (!worker.dead) {
      this.remove(worker);
      for (const pending of worker.outstanding.values()) {
        const outcome =
          outcomeOf?.(pending) ??
          (pending.signal.aborted
            ? cancelledOutcome(pending.job)
            : lostOutcome(pending.job, what, 'system', undefined));
        this.settle(pending, outcome);
      }
      worker.outstanding.clear();
      this.schedule();
    }
    return worker.handle.terminate();
  }
}
