// The pool: queues jobs, and on the next tick sends them to workers in batches sized to the queue,
// spawning workers lazily up to the limit; handles time limits, cancellation and lost workers.
// Stopping a running job ends its worker: the jobs queued behind it go to other workers, and a warm
// spare (spares.ts) takes the slot.
import type { WorkerMessage, ResultMessage } from '../../worker/index.ts';
import { batchMessage } from './batch-message.ts';
import type { JobOutcome, JobRequest } from '../types.ts';
import { cancelledOutcome, lostOutcome, timeoutOutcome } from '../outcomes.ts';
import { describeExit } from './outcomes.ts';
import { PoolWorker } from './pool-worker.ts';
import { depthFor, LONG_JOB_MS, workerTimePerJob } from './job-times.ts';
import type { PendingJob } from './queue.ts';
import type { WorkerExit, WorkerRuntime } from './runtime.ts';
import { Spares } from './spares.ts';
import { awaitLoneResult, loneWorker, poolLoad } from './lone-job.ts';
import {
  hasWaiting,
  hasWork,
  idleWorker,
  leastLoaded,
  memoryMbOf,
  newGroup,
  type WorkerGroup,
} from './worker-group.ts';

/** Most jobs in one message. */
export const MAX_BATCH = 512;
/** Most jobs one worker holds at once: one batch running, one waiting, so it never idles between them. */
export const HIGH_WATER = 2 * MAX_BATCH;

export interface PoolOptions {
  runtime: WorkerRuntime;
  maxWorkers: number;
  /** A job was handed to a worker. */
  onStarted(pending: PendingJob, workerId: string): void;
  /** Where the workers' stdout and stderr go. @default process.stderr */
  output?: ((chunk: Uint8Array) => void) | undefined;
  /**
   * How long, in µs, the pool waits for a lone quick job's result, and its worker for the next job,
   * spinning instead of sleeping (`spin_us`). @default 0 (never)
   */
  spinMicros?: number;
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
  private readonly spares: Spares;
  private readonly spinMicros: number;

  constructor(options: PoolOptions) {
    this.options = options;
    this.output = options.output ?? ((chunk) => process.stderr.write(chunk));
    this.spinMicros = options.spinMicros ?? 0;
    this.spares = new Spares(options.runtime, this.events, options.maxWorkers, () => this.schedule());
  }

  enqueue(pending: PendingJob, first = pending.job.urgent === true): void {
    const group = this.groupOf(pending.job);
    const queue = pending.job.options.timeLimit === undefined ? group.queue : group.timed;
    if (first) queue.pushFront(pending);
    else queue.push(pending);
    // A job that finds the pool idle goes out at once: no other job waits to share its message, and its
    // worker starts on it while the scheduler finishes its turn. Jobs queued behind it go together.
    // Not a job put back in front (the jobs of an ended worker go back one by one, last first).
    if (!first && queue.size === 1) {
      const load = poolLoad(this.groups.values());
      if (load.waiting === 1 && load.held === 0) this.dispatch(group);
    }
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
    if (worker) void this.stopRunning(worker);
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
      for (const worker of [...group.workers]) gone.push(this.kill(worker, stopped));
    }
    gone.push(...this.spares.stop());
    await Promise.all(gone);
  }

  private groupOf(job: JobRequest): WorkerGroup {
    const memoryMb = memoryMbOf(job);
    let group = this.groups.get(memoryMb ?? 0);
    if (!group) this.groups.set(memoryMb ?? 0, (group = newGroup(memoryMb)));
    return group;
  }

  private schedule(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // On the next tick, so every job queued in this one can share a message.
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.spares.startReplacements((key) => {
        const group = this.groups.get(key);
        return group !== undefined && hasWork(group);
      });
      for (const group of this.groups.values()) {
        if (hasWaiting(group)) this.dispatch(group);
      }
      // With one job out and nothing waiting, the scheduler is idle until its result.
      if (this.spinMicros > 0) {
        const lone = loneWorker(poolLoad(this.groups.values()));
        const group = lone && this.groups.get(lone.groupKey);
        if (lone && group) awaitLoneResult(lone, group.msPerJob, this.spinMicros);
      }
    });
  }

  private dispatch(group: WorkerGroup): void {
    try {
      while (group.timed.size > 0) {
        const worker = idleWorker(group) ?? this.spawn(group);
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
        const worker = idleWorker(group) ?? this.spawn(group) ?? leastLoaded(group, limit);
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
      if (reserved && hasWaiting(reserved)) return undefined;
      this.reservedFor = undefined;
    }
    if (this.workerCount >= this.options.maxWorkers && !this.retireIdleWorker(group)) return undefined;
    const spare = this.spares.take(group);
    if (!spare && this.spares.starting(group)) return undefined;
    const worker = spare ?? new PoolWorker(this.options.runtime, group.memoryMb, this.events);
    if (this.reservedFor === group.key) this.reservedFor = undefined;
    group.workers.add(worker);
    this.workerCount++;
    return worker;
  }

  /** Whether some group has jobs waiting and no worker. */
  private anyStarving(): boolean {
    for (const group of this.groups.values()) {
      if (group.workers.size === 0 && hasWaiting(group)) return true;
    }
    return false;
  }

  /** Frees a slot for `needy` by ending an idle worker of another memory group. */
  private retireIdleWorker(needy: WorkerGroup): boolean {
    for (const group of this.groups.values()) {
      if (group === needy || hasWaiting(group)) continue;
      for (const worker of group.workers) {
        if (worker.outstanding.size > 0) continue;
        void this.kill(worker);
        return true;
      }
    }
    return false;
  }

  private send(worker: PoolWorker, jobs: PendingJob[]): void {
    if (jobs.length === 0) return;
    const ids = new Float64Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) {
      const pending = jobs[i]!;
      const id = this.nextId++;
      ids[i] = id;
      pending.worker = worker;
      worker.outstanding.set(id, pending);
    }
    if (worker.outstanding.size === jobs.length) worker.handle.keepAlive(true);
    // A lone job's worker waits a moment for the next one: the caller likely sends it as soon as it has
    // this one's result.
    const lone = jobs.length === 1 && loneWorker(poolLoad(this.groups.values())) === worker;
    const linger = lone ? this.spinMicros : 0;
    worker.tookLastAwake = worker.handle.send(batchMessage(jobs, ids), linger);
    if (!worker.ready) return;
    if (this.longJobs(worker)) this.beginNext(worker);
    else for (const pending of jobs) this.begin(pending, worker);
  }

  /** Whether the worker's jobs keep it for milliseconds each, so it holds one running and one waiting. */
  private longJobs(worker: PoolWorker): boolean {
    return (this.groups.get(worker.groupKey)?.msPerJob ?? 0) >= LONG_JOB_MS;
  }

  /**
   * Reports the jobs a ready worker is running as started: every job of a batch at once, but only the
   * first unanswered long job, so the one waiting behind it (perhaps a straggler) is not timed yet.
   */
  private beginNext(worker: PoolWorker): void {
    const longJobs = this.longJobs(worker);
    for (const pending of worker.outstanding.values()) {
      if (!pending.started) this.begin(pending, worker);
      if (longJobs) return;
    }
  }

  /** A job is on a ready worker: it counts as started, and its time limit runs from now. */
  private begin(pending: PendingJob, worker: PoolWorker): void {
    pending.started = true;
    this.options.onStarted(pending, worker.id);
    if (pending.job.options.timeLimit !== undefined) this.armTimer(pending);
  }

  private armTimer(pending: PendingJob): void {
    const limit = pending.job.options.timeLimit;
    if (limit === undefined || pending.timer !== undefined || pending.settled) return;
    pending.timer = setTimeout(() => {
      const worker = pending.worker as PoolWorker | undefined;
      this.settle(pending, timeoutOutcome(pending.job));
      if (worker) void this.stopRunning(worker);
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
      this.beginNext(worker);
      if (worker.outstanding.size === 0) this.schedule(); // a spare: jobs may wait for its slot
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
      if (!pending.started) this.begin(pending, worker); // it ran before its turn was reported
      const startedAt = times[2 * i]!;
      const endedAt = times[2 * i + 1]!;
      this.settle(
        pending,
        error === undefined
          ? { ok: true, value: values.subarray(offsets[i], offsets[i + 1]), startedAt, endedAt }
          : { ok: false, error, startedAt, endedAt },
      );
    }
    const next: PendingJob | undefined = worker.outstanding.values().next().value;
    if (next && !next.started) this.beginNext(worker);
    if (worker.outstanding.size === 0) {
      worker.exclusive = false;
      worker.handle.keepAlive(false);
      const drainedFor = worker.drainingFor;
      worker.drainingFor = undefined;
      if (drainedFor !== undefined && drainedFor !== worker.groupKey) {
        this.reservedFor = drainedFor;
        void this.kill(worker);
      }
    }
    this.schedule();
  }

  private onExit(worker: PoolWorker, exit: WorkerExit): void {
    if (worker.dead) return;
    if (this.spares.forget(worker)) return this.schedule();
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

  /** Ends the worker running a job that was just settled (cancelled, timed out); a spare takes its slot. */
  private stopRunning(worker: PoolWorker): Promise<void> {
    const group = this.groups.get(worker.groupKey);
    if (group && !worker.dead) {
      const modules = new Set<string>();
      for (const pending of worker.outstanding.values()) modules.add(pending.job.task.module);
      this.spares.ended(group, modules);
    }
    return this.kill(worker);
  }

  /**
   * Terminates a worker. Its unanswered jobs settle as `outcomeOf` says, or as cancelled when their
   * signal was aborted; the others go back to the front of the queue for another worker.
   */
  private kill(worker: PoolWorker, outcomeOf?: (pending: PendingJob) => JobOutcome): Promise<void> {
    if (!worker.dead) {
      this.remove(worker);
      const waiting: PendingJob[] = [];
      for (const pending of worker.outstanding.values()) {
        if (pending.settled) continue;
        const outcome =
          outcomeOf?.(pending) ?? (pending.signal.aborted ? cancelledOutcome(pending.job) : undefined);
        if (outcome) this.settle(pending, outcome);
        else waiting.push(pending);
      }
      worker.outstanding.clear();
      // In reverse, so they keep their order at the front of the queue.
      for (const pending of waiting.reverse()) {
        pending.worker = undefined;
        pending.started = false;
        this.enqueue(pending, true);
      }
      this.schedule();
    }
    return worker.handle.terminate();
  }
}
