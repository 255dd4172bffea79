// `baton worker`: takes queue jobs from the fleet's BullMQ queues (its own, and one per tag and for its
// host, where work with a locality goes), runs their tasks on a pool of worker threads, and keeps a
// heartbeat record in Redis. SIGTERM: take nothing new, finish what it holds, leave.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { redact } from '../config/index.ts';
import {
  FleetKeys,
  answerProfile,
  cancelAllowed,
  connectRedis,
  decodeCancelRequest,
  decodeProfileRequest,
  decodeBatch,
  keptCancels,
  matchesLocality,
  redisOptions,
  writeHeartbeat,
  type FleetOptions,
  type WorkerInfo,
} from '../executors/fleet/index.ts';
import type { ExecutorLogger } from '../executors/index.ts';
import { LocalExecutor } from '../executors/local/index.ts';
import { DEFAULT_SCRATCH } from '../executors/remote/plumbing.ts';
import { markWorkerContext } from '../scheduler/index.ts';
import { openScratch, type Scratch } from '../scratch/index.ts';
import { runBatch, type BatchParts } from './fleet-batch.ts';
import { CodeLocator } from './fleet-code.ts';
import { RunningTasks } from './fleet-running.ts';
import { profileThreads } from './thread-profiles.ts';

/** How long a queue job this worker may not run (locality) is set aside before any worker tries it again. */
const NOT_FOR_ME_DELAY_MS = 250;

export interface FleetWorkerOptions {
  /** The executor section's name, for messages. */
  executor: string;
  options: FleetOptions;
  /** The config root: relative scratch and tls_ca paths resolve against it. */
  root: string;
  /** Tasks it runs at once: threads in its pool, and queue jobs it holds. */
  concurrency: number;
  tags: string[];
  codeCache: string;
  logger: ExecutorLogger;
  /** @default a random id */
  id?: string | undefined;
}

export class FleetWorker {
  readonly id: string;
  readonly keys: FleetKeys;
  private readonly config: FleetWorkerOptions;
  private readonly host = hostname();
  private readonly startedAt = Date.now();
  private readonly abort = new AbortController();
  private readonly held = new RunningTasks(this.abort.signal);
  private readonly workers: Worker[] = [];
  private redis: Redis | undefined;
  /** Listens on this worker's command channel (a subscribed connection can do nothing else). */
  private commands: Redis | undefined;
  private profiling = false;
  private scratch: Scratch | undefined;
  private pool: LocalExecutor | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private running = 0;
  private done = 0;
  private draining = false;
  private closed: Promise<void> | undefined;

  constructor(config: FleetWorkerOptions) {
    this.config = config;
    this.id = config.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.keys = new FleetKeys(config.options.prefix, config.options.queue);
  }

  /** The queues this worker takes work from: the fleet's, then one per tag and one for its host. */
  get queues(): string[] {
    const routes = [...new Set([...this.config.tags, this.host])];
    return [this.config.options.queue, ...routes.map((route) => this.keys.routeQueue(route))];
  }

  info(): WorkerInfo {
    return {
      id: this.id,
      host: this.host,
      pid: process.pid,
      tags: this.config.tags,
      concurrency: this.config.concurrency,
      running: this.running,
      done: this.done,
      startedAt: this.startedAt,
      lastSeen: Date.now(),
      draining: this.draining,
    };
  }

  async start(): Promise<void> {
    markWorkerContext();
    const { options, executor, root, logger } = this.config;
    const connection = redisOptions(options, root, `executor ${executor}`);
    this.redis = await connectRedis(connection, executor, options.url, `baton-worker-${this.id}`);
    this.redis.on('error', (error: Error) =>
      logger.warn(`worker ${this.id}: redis: ${redact(error.message)}`),
    );
    const scratch = openScratch(options.scratch ?? DEFAULT_SCRATCH, {
      cwd: root,
      s3: { endpoint: options.s3_endpoint, forcePathStyle: options.s3_path_style },
    });
    this.scratch = scratch;
    this.pool = new LocalExecutor(`${executor} worker pool`, {
      mode: 'threads',
      max_workers: this.config.concurrency,
      // Its main thread serves Redis as well; a lone job's latency is the queue's, not the hand-off's.
      spin_us: 0,
    });
    await this.pool.start({ cwd: root, root, logger, emit: () => undefined });
    const parts: BatchParts = {
      redis: this.redis,
      keys: this.keys,
      scratch,
      pool: this.pool,
      code: new CodeLocator(scratch, this.config.codeCache),
      workerId: this.id,
      resultTtlMs: Math.round(options.result_ttl * 1000),
      filesDir: join(this.config.codeCache, 'files'),
      running: this.held,
      progress: (started, finished) => {
        this.running += started - finished;
        this.done += finished;
      },
    };
    await this.listen();
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), options.heartbeat * 1000);
    const bullConnection = { ...connection, lazyConnect: false } as ConnectionOptions;
    for (const queue of this.queues) {
      const worker = new Worker(queue, (job: Job, token?: string) => this.process(queue, job, token, parts), {
        connection: bullConnection,
        prefix: options.prefix,
        concurrency: this.config.concurrency,
        lockDuration: options.lock_duration * 1000,
        stalledInterval: Math.max(100, (options.lock_duration * 1000) / 2),
        maxStalledCount: options.max_stalls,
        autorun: false,
      });
      worker.on('error', (error) =>
        logger.warn(`worker ${this.id}: queue ${queue}: ${redact(error.message)}`),
      );
      this.workers.push(worker);
    }
    for (const worker of this.workers) void worker.run();
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  private async process(
    queue: string,
    job: Job,
    token: string | undefined,
    parts: BatchParts,
  ): Promise<void> {
    const id = job.id!;
    // Held before anything is awaited: a cancel that comes while the code package is fetched counts.
    this.held.hold(id);
    try {
      const data = decodeBatch(job.data, id);
      if (!matchesLocality({ host: this.host, tags: this.config.tags }, data.locality)) {
        await job.moveToDelayed(Date.now() + NOT_FOR_ME_DELAY_MS, token);
        throw new DelayedError();
      }
      await runBatch(id, this.keys.lock(id, queue), token ?? '', data, parts);
    } finally {
      this.held.release(id);
    }
  }

  /** Answers `baton profile`: one profile at a time, of every thread of this process. */
  private async listen(): Promise<void> {
    const commands = this.redis!.duplicate();
    this.commands = commands;
    commands.on('error', (error: Error) =>
      this.config.logger.warn(`worker ${this.id}: redis commands: ${redact(error.message)}`),
    );
    commands.on('message', (channel: string, text: string) => {
      if (channel === this.keys.cancels) {
        this.stopCancelled(text);
        return;
      }
      const request = decodeProfileRequest(text);
      if (!request || !this.redis) return;
      const worker = { id: this.id, host: this.host, pid: process.pid };
      const answer = async () => {
        if (this.profiling) return { worker, threads: [], error: 'a profile is already being taken' };
        this.profiling = true;
        try {
          this.config.logger.info(`worker ${this.id}: ${request.kind} profile for ${request.ms} ms`);
          return { worker, threads: await profileThreads(request.kind, request.ms) };
        } catch (error) {
          return { worker, threads: [], error: (error as Error).message };
        } finally {
          this.profiling = false;
        }
      };
      void answer()
        .then((reply) => answerProfile(this.redis!, this.keys, request, reply))
        .catch((error: unknown) =>
          this.config.logger.warn(`worker ${this.id}: profile answer: ${redact(String(error))}`),
        );
    });
    await commands.subscribe(this.keys.commands(this.id), this.keys.cancels);
  }

  /**
   * Stops the tasks a scheduler cancelled, if this worker holds them and no other scheduler waits for
   * them; once per request, which may come both by the channel and from the kept list.
   */
  private stopCancelled(text: string): void {
    const request = decodeCancelRequest(text);
    if (!request || !this.redis || !this.held.firstSight(request.batchId, text)) return;
    void cancelAllowed(this.redis, this.keys, request)
      .then((allowed) => {
        if (!allowed) return;
        const stopped = this.held.cancel(request.batchId, request.keys);
        if (stopped > 0)
          this.config.logger.info(
            `worker ${this.id}: stopped ${stopped} cancelled task(s) of queue job ${request.batchId}`,
          );
      })
      .catch((error: unknown) =>
        this.config.logger.warn(`worker ${this.id}: cancel: ${redact(String(error))}`),
      );
  }

  private async beat(): Promise<void> {
    if (!this.redis) return;
    try {
      await writeHeartbeat(this.redis, this.keys, this.info(), this.config.options.heartbeat * 3000);
      await this.readKeptCancels();
    } catch (error) {
      this.config.logger.warn(`worker ${this.id}: heartbeat: ${redact(String(error))}`);
    }
  }

  /** Acts on the cancel requests kept for the queue jobs it holds, which the channel may not have brought. */
  private async readKeptCancels(): Promise<void> {
    const batchIds = this.held.heldBatches();
    const kept = await keptCancels(this.redis!, this.keys, batchIds);
    for (const texts of kept) for (const text of texts) this.stopCancelled(text);
  }

  /** SIGTERM: take no new queue job, finish the ones held, then leave. */
  drain(): Promise<void> {
    this.draining = true;
    void this.beat();
    return this.close(false);
  }

  /** Leaves; with `force`, without waiting for the queue jobs it holds (another worker takes them up). */
  close(force = false): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all(this.workers.map((worker) => worker.close(force).catch(() => undefined)));
      clearInterval(this.heartbeat);
      this.abort.abort();
      await this.pool?.stop();
      this.commands?.disconnect();
      await this.redis?.del(this.keys.worker(this.id)).catch(() => undefined);
      await this.redis?.quit().catch(() => undefined);
      await this.scratch?.close?.();
    })();
    return this.closed;
  }
}
