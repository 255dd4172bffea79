// Submitting tasks: what run() hands over in one turn of the event loop is claimed by key and put in
// queue jobs together. A claim that exists already means an earlier scheduler (or an identical call)
// submitted the task: its result is taken from Redis, or its queue job awaited, and it is not queued again.
import type { Redis } from 'ioredis';
import type { Locality } from '../../task/index.ts';
import { lostOutcome } from '../outcomes.ts';
import type { RemotePlumbing } from '../remote/plumbing.ts';
import type { ExecutorContext } from '../types.ts';
import { batchData, chunk, prepareArgs, type BatchTask, type PreparedArgs } from './batches.ts';
import type { FleetKeys } from './keys.ts';
import type { FleetOptions } from './options.ts';
import type { PendingTask, PendingTasks } from './pending.ts';
import type { FleetQueues } from './queues.ts';
import { CLAIM_LUA } from './scripts.ts';
import { batchId, decodeResults, type ResultBatch } from './wire.ts';
import type { WorkerInfo } from './workers.ts';

export interface SubmitterParts {
  executor: string;
  options: FleetOptions;
  keys: FleetKeys;
  redis: Redis;
  queues: FleetQueues;
  plumbing: RemotePlumbing;
  pending: PendingTasks;
  replyKey: string;
  ctx: ExecutorContext;
  deliver(results: ResultBatch): Promise<void>;
}

/** `QUEUE|BATCH`: where a claimed task's queue job is. */
function claimValue(queue: string, id: string): string {
  return `${queue}|${id}`;
}

export class Submitter {
  private readonly parts: SubmitterParts;
  private queued: PendingTask[] = [];
  private scheduled = false;
  private shares = 1;
  /** Module paths in the code package, by task (the scheduler shares one TaskRef per task). */
  private readonly paths = new WeakMap<object, string>();

  constructor(parts: SubmitterParts) {
    this.parts = parts;
  }

  /** The live workers, whose number sizes the batches. */
  setWorkers(workers: readonly WorkerInfo[]): void {
    const live = workers.filter((worker) => !worker.draining);
    this.shares = Math.max(
      1,
      live.reduce((sum, worker) => sum + worker.concurrency, 0),
    );
  }

  enqueue(task: PendingTask): void {
    this.queued.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    // On the next turn, so every task handed over in this one can share a queue job.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const groups = new Map<string, { locality: Locality | undefined; tasks: PendingTask[] }>();
    for (const task of this.queued.splice(0)) {
      if (task.settled) continue;
      // The same key already on its way: share that queue job's result.
      const waiting = this.parts.pending.waiting(task.key);
      if (waiting !== undefined && waiting.size > 1 && !task.fresh) {
        const inFlight = [...waiting].find((other) => other !== task && other.batchId !== undefined);
        if (inFlight) {
          this.parts.pending.assign(task, inFlight.batchId!);
          continue;
        }
      }
      const locality = task.job.options.locality;
      const routed =
        locality && (locality.require?.length || locality.prefer?.length || locality.forbid?.length)
          ? locality
          : undefined;
      const group = JSON.stringify(routed ?? null);
      let entry = groups.get(group);
      if (!entry) groups.set(group, (entry = { locality: routed, tasks: [] }));
      entry.tasks.push(task);
    }
    await Promise.all([...groups.values()].map((group) => this.submitGroup(group.tasks, group.locality)));
  }

  private async submitGroup(tasks: PendingTask[], locality: Locality | undefined): Promise<void> {
    const { plumbing, options } = this.parts;
    const limit = options.large_value_bytes ?? 1024 * 1024;
    const ready: BatchTask[] = [];
    const slow: Array<Promise<void>> = [];
    for (const task of tasks) {
      let path: string;
      let args: PreparedArgs | Promise<PreparedArgs>;
      try {
        path = this.packagePath(task);
        args = prepareArgs(task.job, plumbing.scratch, limit);
      } catch (error) {
        this.fail(task, error);
        continue;
      }
      if (args instanceof Promise) {
        slow.push(
          args.then(
            (prepared) => void ready.push({ key: task.key, job: task.job, path, args: prepared }),
            (error: unknown) => this.fail(task, error),
          ),
        );
      } else ready.push({ key: task.key, job: task.job, path, args });
    }
    await Promise.all(slow);
    const byKey = new Map(tasks.map((task) => [task.key, task]));
    const route = locality?.require?.[0] ?? locality?.prefer?.[0];
    const queue = route === undefined ? options.queue : this.parts.keys.routeQueue(route);
    const chunks = chunk(ready, options.batch_size, this.shares);
    await Promise.all(chunks.map((items) => this.submitChunk(items, byKey, queue, locality)));
  }

  private async submitChunk(
    items: BatchTask[],
    byKey: Map<string, PendingTask>,
    queue: string,
    locality: Locality | undefined,
  ): Promise<void> {
    const { redis, keys, options, pending, queues } = this.parts;
    const ttl = Math.round(options.result_ttl * 1000);
    const fresh = items.some((item) => byKey.get(item.key)!.fresh);
    let id = batchId(
      items.map((item) => item.key),
      fresh,
    );
    try {
      const claimKeys = items.map((item) => keys.claim(item.key));
      const previous = (await redis.eval(
        CLAIM_LUA,
        claimKeys.length,
        ...claimKeys,
        claimValue(queue, id),
        ttl,
        fresh ? '1' : '0',
      )) as Array<string | null>;
      const claimed: BatchTask[] = [];
      items.forEach((item, i) => {
        const before = previous[i];
        if (typeof before === 'string') void this.reunite(byKey.get(item.key)!, before);
        else claimed.push(item);
      });
      if (claimed.length === 0) return;
      if (claimed.length < items.length) {
        // Some went to queue jobs that exist: the rest is a queue job of its own, under a new id.
        id = batchId(
          claimed.map((item) => item.key),
          true,
        );
        const claimKeys = claimed.map((item) => keys.claim(item.key));
        await redis.eval(CLAIM_LUA, claimKeys.length, ...claimKeys, claimValue(queue, id), ttl, '1');
      }
      await redis
        .pipeline()
        .sadd(keys.replyTo(id), this.parts.replyKey)
        .pexpire(keys.replyTo(id), ttl)
        .exec();
      for (const item of claimed) {
        const task = byKey.get(item.key)!;
        task.fresh = false;
        pending.assign(task, id);
      }
      const data = batchData(claimed, this.parts.plumbing.codePackage?.hash, this.limit(), locality);
      await queues.add(queue, [{ id, data }]);
      for (const item of claimed) this.parts.ctx.emit({ type: 'job-started', jobId: item.job.jobId });
      if (locality?.prefer?.length && !locality.require?.length) this.fallBack(id, queue);
    } catch (error) {
      for (const item of items) this.lose(byKey.get(item.key)!, error);
    }
  }

  /** The module's path in the code package; '' when it is not in it (workers must have the file itself). */
  private packagePath(task: PendingTask): string {
    let path = this.paths.get(task.job.task);
    if (path === undefined) {
      try {
        path = this.parts.plumbing.modulePath(task.job);
      } catch {
        path = '';
      }
      this.paths.set(task.job.task, path);
    }
    return path;
  }

  private limit(): number {
    return this.parts.options.large_value_bytes ?? 1024 * 1024;
  }

  /** Preferred work that no matching worker took within `locality_wait` goes to every worker. */
  private fallBack(id: string, from: string): void {
    const timer = setTimeout(() => {
      if (!this.parts.pending.batchWanted(id)) return;
      void this.parts.queues.move(id, from, this.parts.options.queue).catch(() => false);
    }, this.parts.options.locality_wait * 1000);
    timer.unref();
  }

  private tookRecorded(task: PendingTask, id: string): void {
    this.parts.ctx.logger.info(
      `executor ${this.parts.executor}: reunited task ${task.job.task.name} (${task.key.slice(0, 12)}) with the result queue job ${id} recorded`,
    );
  }

  /**
   * A task whose key was claimed before: take its result if a worker recorded one, else wait for its
   * queue job while a worker has it or will take it, else submit it anew.
   */
  private async reunite(task: PendingTask, claim: string): Promise<void> {
    const { redis, keys, queues, pending } = this.parts;
    const [queue, id] = claim.includes('|')
      ? (claim.split('|', 2) as [string, string])
      : [this.parts.options.queue, claim];
    const ttl = Math.round(this.parts.options.result_ttl * 1000);
    try {
      pending.assign(task, id);
      // Listen first, then read: a result recorded in between arrives both ways, and counts once.
      await redis
        .pipeline()
        .sadd(keys.replyTo(id), this.parts.replyKey)
        .pexpire(keys.replyTo(id), ttl)
        .exec();
      if (await this.recorded(task, id)) return this.tookRecorded(task, id);
      if (await queues.live(queue, id)) {
        this.parts.ctx.logger.info(
          `executor ${this.parts.executor}: reunited task ${task.job.task.name} (${task.key.slice(0, 12)}) with queue job ${id}`,
        );
        this.parts.ctx.emit({ type: 'job-started', jobId: task.job.jobId });
        return;
      }
      // The job may have finished between the two looks.
      if (await this.recorded(task, id)) return this.tookRecorded(task, id);
    } catch (error) {
      this.lose(task, error);
      return;
    }
    if (task.settled) return;
    task.fresh = true;
    task.batchId = undefined;
    this.enqueue(task);
  }

  /** Delivers the result a worker recorded for the task in queue job `id`; false when there is none (or it failed). */
  private async recorded(task: PendingTask, id: string): Promise<boolean> {
    const messages = await this.parts.redis.lrangeBuffer(this.parts.keys.results(id), 0, -1);
    for (const message of messages) {
      const results = decodeResults(message);
      const index = results.keys.indexOf(task.key);
      if (index < 0) continue;
      // A failed outcome is never reused: a new attempt starts clean.
      if (results.ok[index] !== 1) return false;
      await this.parts.deliver(results);
      return task.settled;
    }
    return false;
  }

  private fail(task: PendingTask, error: unknown): void {
    this.parts.pending.settle(task, {
      ok: false,
      endedAt: Date.now(),
      error: {
        kind: 'application',
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      },
    });
  }

  private lose(task: PendingTask, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.parts.pending.settle(
      task,
      lostOutcome(
        task.job,
        `executor ${this.parts.executor} could not queue it: ${reason}`,
        'system',
        undefined,
      ),
    );
  }
}
