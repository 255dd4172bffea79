// The `fleet` executor: tasks travel in batches as BullMQ jobs through Redis to `baton worker` processes
// on any number of hosts; results come back on this scheduler's reply list. Every task is claimed by its
// key (the eval hash) before it is queued, so a restarted scheduler finds the queue job that carries it.
import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { redact } from '../../config/index.ts';
import { ExecutorError } from '../../errors.ts';
import { getLargeValue } from '../../worker/index.ts';
import { cancelledOutcome } from '../outcomes.ts';
import { RemotePlumbing } from '../remote/plumbing.ts';
import type { Executor, ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import { publishCancel } from './cancels.ts';
import { connectRedis, redisOptions, shownUrl } from './connection.ts';
import { FleetKeys } from './keys.ts';
import type { FleetOptions } from './options.ts';
import { PendingTasks, taskKey, type PendingTask } from './pending.ts';
import { FleetQueues } from './queues.ts';
import { Submitter } from './submit.ts';
import { decodeResults, mayHoldFiles, type ResultBatch } from './wire.ts';
import { listWorkers } from './workers.ts';

/** Tasks the scheduler may hand over at once: enough for big batches to every worker. */
const MAX_IN_FLIGHT = 16_384;
/** Result messages taken from the reply list per round trip. */
const REPLIES_PER_READ = 256;

export class FleetExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight = MAX_IN_FLIGHT;
  readonly options: FleetOptions;
  readonly keys: FleetKeys;
  private readonly plumbing: RemotePlumbing;
  private readonly pending = new PendingTasks();
  private readonly watched = new Map<AbortSignal, Set<PendingTask>>();
  private ctx: ExecutorContext | undefined;
  private connection: RedisOptions | undefined;
  private redis: Redis | undefined;
  private blocking: Redis | undefined;
  private queues: FleetQueues | undefined;
  private submitter: Submitter | undefined;
  private replyKey = '';
  /** Cancel requests on their way to the workers, sent before the executor closes its connection. */
  private readonly cancelling = new Set<Promise<void>>();
  private listening: Promise<void> | undefined;
  private refresher: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(name: string, options: FleetOptions) {
    this.name = name;
    this.options = options;
    this.keys = new FleetKeys(options.prefix, options.queue);
    this.plumbing = new RemotePlumbing(name, options);
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    const connection = redisOptions(this.options, ctx.root, `executor ${this.name}`);
    this.connection = connection;
    this.redis = await connectRedis(connection, this.name, this.options.url, 'baton-scheduler');
    this.blocking = await connectRedis(connection, this.name, this.options.url, 'baton-scheduler-replies');
    try {
      await this.plumbing.start(ctx);
    } catch (error) {
      // A project with no source files of its own (its tasks live elsewhere on a shared filesystem)
      // has no code package; workers then import modules from the paths the scheduler names.
      if (!(error instanceof ExecutorError && /^no files to package/.test(error.message))) throw error;
      ctx.logger.debug(`executor ${this.name}: no code package: ${error.message}`);
    }
    this.replyKey = this.keys.replies(randomUUID());
    this.queues = new FleetQueues({
      connection,
      keys: this.keys,
      warn: (message) => ctx.logger.warn(`executor ${this.name}: ${redact(message)}`),
      onFailed: (batchId, reason) => this.onLost(batchId, reason),
    });
    await this.queues.open(this.options.queue);
    this.submitter = new Submitter({
      executor: this.name,
      options: this.options,
      keys: this.keys,
      redis: this.redis,
      queues: this.queues,
      plumbing: this.plumbing,
      pending: this.pending,
      replyKey: this.replyKey,
      ctx,
      deliver: (results) => this.onResults(results),
    });
    await this.refreshWorkers();
    this.refresher = setInterval(() => void this.refreshWorkers(), this.options.heartbeat * 1000);
    this.refresher.unref();
    this.listening = this.listen(this.blocking);
    ctx.logger.debug(`executor ${this.name}: queue ${this.options.queue} on ${shownUrl(this.options.url)}`);
  }

  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    if (signal.aborted) return Promise.resolve(cancelledOutcome(job));
    if (this.stopped || !this.submitter)
      return Promise.resolve(cancelledOutcome(job, 'was cancelled: the executor stopped'));
    const submitter = this.submitter;
    return new Promise((resolve) => {
      const task: PendingTask = {
        job,
        key: taskKey(job),
        signal,
        // A new attempt never takes the outcome of the one before.
        fresh: job.attempt > 1,
        settled: false,
        batchId: undefined,
        finish: (outcome) => {
          this.unwatch(task);
          resolve(outcome);
        },
      };
      this.pending.add(task);
      this.watch(task);
      // The time limit travels with the task: the worker's pool counts it from the moment the task
      // starts there, so time spent waiting in the queue for a free worker does not count.
      submitter.enqueue(task);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refresher);
    const abandoned = new Set<string>();
    for (const task of this.pending.all()) {
      if (task.batchId !== undefined) abandoned.add(task.batchId);
      this.pending.settle(task, cancelledOutcome(task.job, 'was cancelled: the executor stopped'));
    }
    await this.queues?.removeWaiting(abandoned);
    await Promise.all(this.cancelling);
    this.blocking?.disconnect();
    await this.listening;
    await this.queues?.close();
    await this.redis?.del(this.replyKey).catch(() => undefined);
    await this.redis?.quit().catch(() => undefined);
    await this.plumbing.stop();
    this.submitter = undefined;
  }

  describe(): Record<string, unknown> {
    return { type: 'fleet', ...this.options, url: redact(this.options.url) };
  }

  /** Takes result messages off this scheduler's reply list until the executor stops. */
  private async listen(blocking: Redis): Promise<void> {
    while (!this.stopped) {
      let messages: Buffer[];
      try {
        const first = await blocking.blpopBuffer(this.replyKey, 1);
        if (!first) continue;
        messages = [first[1], ...((await blocking.lpopBuffer(this.replyKey, REPLIES_PER_READ)) ?? [])];
      } catch (error) {
        if (this.stopped) return;
        this.ctx?.logger.warn(`executor ${this.name}: reading results: ${redact(String(error))}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const message of messages) {
        try {
          await this.onResults(decodeResults(message));
        } catch (error) {
          this.ctx?.logger.warn(`executor ${this.name}: a result message: ${String(error)}`);
        }
      }
    }
  }

  /** Settles the tasks a result message answers; a task waits only for the queue job it was put in. */
  private async onResults(results: ResultBatch): Promise<void> {
    const large = new Map(results.largeValues);
    const answered: string[] = [];
    let failures = 0;
    for (let i = 0; i < results.keys.length; i++) {
      const error = results.ok[i] === 1 ? undefined : results.errors[failures++];
      const waiting = this.pending.waiting(results.keys[i]!);
      if (!waiting) continue;
      const tasks = [...waiting].filter((task) => task.batchId === results.batchId);
      if (tasks.length === 0) continue;
      const times = { startedAt: results.times[2 * i]!, endedAt: results.times[2 * i + 1]! };
      let outcome: JobOutcome;
      if (error) outcome = { ok: false, error, ...times };
      else {
        const hash = large.get(i);
        const value =
          hash === undefined
            ? results.values.subarray(results.offsets[i], results.offsets[i + 1])
            : await getLargeValue(this.plumbing.scratch, hash);
        outcome = { ok: true, value, ...times };
        if (mayHoldFiles(value)) outcome = await this.plumbing.receive(outcome);
      }
      for (const task of tasks) this.pending.settle(task, outcome);
      if (!this.pending.waiting(results.keys[i]!)) answered.push(results.keys[i]!);
    }
    this.forget(results.batchId, answered);
  }

  /**
   * Once a result is here the store keeps it: the claims go, so a later run (say with --no-cache) runs
   * the task again, and so do a queue job's records when no task here waits for it any more.
   */
  private forget(batchId: string, keys: string[]): void {
    const redis = this.redis;
    if (!redis || keys.length === 0) return;
    const stale = keys.map((key) => this.keys.claim(key));
    if (!this.pending.batchWanted(batchId)) {
      stale.push(this.keys.results(batchId), this.keys.replyTo(batchId));
      this.queues?.forget(batchId);
    }
    void redis.del(...stale).catch(() => undefined);
  }

  /** A queue job failed (its workers were lost too often): its tasks fail as lost, to be retried. */
  private onLost(batchId: string, reason: string): void {
    for (const task of this.pending.ofBatch(batchId)) {
      this.pending.settle(task, {
        ok: false,
        endedAt: Date.now(),
        error: {
          kind: 'system',
          name: 'ExecutorError',
          message: `queue job ${batchId} of executor ${this.name} failed (${reason}) while running task ${task.job.task.name}`,
        },
      });
    }
  }

  private async refreshWorkers(): Promise<void> {
    if (!this.redis || !this.submitter) return;
    try {
      const workers = await listWorkers(this.redis, this.keys);
      this.submitter.setWorkers(workers);
    } catch {
      // keeps the last known workers; the next heartbeat tries again
    }
  }

  private watch(task: PendingTask): void {
    let tasks = this.watched.get(task.signal);
    if (!tasks) {
      const set = new Set<PendingTask>();
      tasks = set;
      this.watched.set(task.signal, set);
      task.signal.addEventListener('abort', () => this.cancel(task.signal, set), { once: true });
    }
    tasks.add(task);
  }

  private unwatch(task: PendingTask): void {
    const tasks = this.watched.get(task.signal);
    tasks?.delete(task);
    if (tasks?.size === 0) this.watched.delete(task.signal);
  }

  /**
   * Cancels a run's tasks: queue jobs no task waits for any more are removed if they still wait, and
   * the workers running the others are told to stop the tasks nobody here wants.
   */
  private cancel(signal: AbortSignal, tasks: Set<PendingTask>): void {
    this.watched.delete(signal);
    const batches = new Map<string, Set<string>>();
    for (const task of [...tasks]) {
      if (task.batchId !== undefined) {
        let keys = batches.get(task.batchId);
        if (!keys) batches.set(task.batchId, (keys = new Set()));
        keys.add(task.key);
      }
      this.pending.settle(task, cancelledOutcome(task.job));
    }
    const unwanted = new Set([...batches.keys()].filter((id) => !this.pending.batchWanted(id)));
    void this.queues?.removeWaiting(unwanted);
    const redis = this.redis;
    if (!redis) return;
    for (const [batchId, keys] of batches) {
      const stop = [...keys].filter((key) => this.pending.waiting(key) === undefined);
      if (stop.length === 0) continue;
      const request = { batchId, keys: stop, from: this.replyKey };
      const keepMs = Math.round(this.options.result_ttl * 1000);
      const published = publishCancel(redis, this.keys, request, unwanted.has(batchId), keepMs)
        .catch((error: unknown) =>
          this.ctx?.logger.warn(
            `executor ${this.name}: could not ask the workers to stop cancelled tasks: ${redact(String(error))}`,
          ),
        )
        .finally(() => this.cancelling.delete(published));
      this.cancelling.add(published);
    }
  }

  /** The Redis options this executor connects with (for tests and tools). */
  get redisOptions(): RedisOptions | undefined {
    return this.connection;
  }
}
