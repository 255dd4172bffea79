// The BullMQ queues a scheduler puts work in (the fleet's queue, and one per worker tag or host that
// work is routed to), each with a QueueEvents listener that reports queue jobs that failed.
import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import type { BatchData } from './wire.ts';

/** Queue jobs that ended, failed or vanished count as not running; these states mean a worker will answer. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** How long a failed queue job stays in Redis, for a look. */
const KEEP_FAILED = { age: 24 * 3600, count: 1000 };

interface Opened {
  queue: Queue;
  events: QueueEvents;
}

export class FleetQueues {
  private readonly connection: RedisOptions;
  private readonly keys: FleetKeys;
  private readonly warn: (message: string) => void;
  private readonly onFailed: (batchId: string, reason: string) => void;
  private readonly opened = new Map<string, Promise<Opened>>();
  /** The queue each batch was put in. */
  private readonly queueOf = new Map<string, string>();

  constructor(options: {
    connection: RedisOptions;
    keys: FleetKeys;
    warn: (message: string) => void;
    onFailed: (batchId: string, reason: string) => void;
  }) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.warn = options.warn;
    this.onFailed = options.onFailed;
  }

  /** The queue of this name, opened once, its failure events listened to. */
  open(name: string): Promise<Opened> {
    let opened = this.opened.get(name);
    if (!opened) {
      opened = (async () => {
        const connection: ConnectionOptions = { ...this.connection, lazyConnect: false } as ConnectionOptions;
        const options = { connection, prefix: this.keys.prefix };
        const queue = new Queue(name, options);
        queue.on('error', (error) => this.warn(`queue ${name}: ${error.message}`));
        const events = new QueueEvents(name, options);
        events.on('error', (error) => this.warn(`queue events ${name}: ${error.message}`));
        events.on('failed', ({ jobId, failedReason }) => this.onFailed(jobId, failedReason));
        await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
        return { queue, events };
      })();
      this.opened.set(name, opened);
    }
    return opened;
  }

  /** Adds queue jobs, one per batch; an id already in the queue is left as it is. */
  async add(name: string, batches: Array<{ id: string; data: BatchData }>): Promise<void> {
    const { queue } = await this.open(name);
    for (const batch of batches) this.queueOf.set(batch.id, name);
    await queue.addBulk(
      batches.map(({ id, data }) => ({
        name: 'batch',
        data,
        opts: { jobId: id, removeOnComplete: true, removeOnFail: KEEP_FAILED },
      })),
    );
  }

  /** Whether a worker has, or will take, this queue job. */
  async live(name: string, batchId: string): Promise<boolean> {
    const { queue } = await this.open(name);
    return LIVE_STATES.has(await queue.getJobState(batchId));
  }

  /** Removes queue jobs that no worker has taken yet; one a worker has is left to finish. */
  async removeWaiting(batchIds: ReadonlySet<string>): Promise<void> {
    await Promise.all(
      [...batchIds].map(async (id) => {
        const name = this.queueOf.get(id) ?? this.keys.queue;
        this.queueOf.delete(id);
        try {
          const { queue } = await this.open(name);
          await queue.remove(id);
        } catch {
          // taken by a worker meanwhile, or the connection is gone: nothing to remove
        }
      }),
    );
  }

  /** Moves a queue job that still waits from one queue to another (preferred work no match took). */
  async move(batchId: string, from: string, to: string): Promise<boolean> {
    const { queue } = await this.open(from);
    const job = await queue.getJob(batchId);
    if (!job || (await job.getState()) !== 'waiting') return false;
    try {
      if ((await queue.remove(batchId)) !== 1) return false;
    } catch {
      return false;
    }
    await this.add(to, [{ id: batchId, data: job.data as BatchData }]);
    return true;
  }

  forget(batchId: string): void {
    this.queueOf.delete(batchId);
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.opened.values()]);
    this.opened.clear();
    await Promise.all(
      all.map(async (result) => {
        if (result.status !== 'fulfilled') return;
        await result.value.events.close().catch(() => undefined);
        await result.value.queue.close().catch(() => undefined);
      }),
    );
  }
}
