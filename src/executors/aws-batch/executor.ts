// The `aws-batch` executor: each call is an AWS Batch job (a child of an array job when calls arrive
// together) running `baton oneshot` against an S3 scratch, through the official SDK clients.
import { serializeError } from '../../codec/index.ts';
import { RemotePlumbing } from '../remote/plumbing.ts';
import { runRemoteJob } from '../remote/run-remote.ts';
import type { Executor, ExecutorContext, ExecutorLogger, JobOutcome, JobRequest } from '../types.ts';
import { BatchApi } from './api.ts';
import { BatchEngine } from './engine.ts';
import type { AwsBatchOptions } from './options.ts';
import { MIN_ATTEMPT_SECONDS } from './submission.ts';

/** Jobs handed over at once unless `max_jobs` says otherwise: Batch's queue holds the rest. */
const MAX_IN_FLIGHT = 10_000;

export class AwsBatchExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight = MAX_IN_FLIGHT;
  readonly options: AwsBatchOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly api: BatchApi;
  private readonly engine: BatchEngine;
  private ctx: ExecutorContext | undefined;
  /** The context's logger, each line naming this executor. */
  private readonly logger: ExecutorLogger;
  private readonly shortLimits = new Set<number>();

  constructor(name: string, options: AwsBatchOptions) {
    this.name = name;
    this.options = options;
    this.plumbing = new RemotePlumbing(name, options);
    this.logger = {
      info: (message) => this.ctx?.logger.info(`executor ${name}: ${message}`),
      warn: (message) => this.ctx?.logger.warn(`executor ${name}: ${message}`),
      debug: (message) => this.ctx?.logger.debug(`executor ${name}: ${message}`),
    };
    this.api = new BatchApi({
      executor: name,
      region: options.region,
      endpoint: options.endpoint,
      logsEndpoint: options.logs_endpoint,
      logger: this.logger,
    });
    this.engine = new BatchEngine({ executor: name, options, plumbing: this.plumbing, api: this.api });
  }

  /** Checks region, credentials and scratch, and publishes the code package, before anything is submitted. */
  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    await this.api.start();
    try {
      await this.plumbing.start(ctx);
    } catch (error) {
      this.api.close();
      throw error;
    }
    this.engine.start(this.logger);
  }

  async run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    try {
      this.engine.plan(job);
    } catch (error) {
      // A task option of the wrong type: the same every time, so not retried.
      return { ok: false, error: serializeError(error, 'application'), endedAt: Date.now() };
    }
    const limit = job.options.timeLimit;
    if (limit !== undefined && limit < MIN_ATTEMPT_SECONDS && !this.shortLimits.has(limit)) {
      this.shortLimits.add(limit);
      this.logger.info(
        `task ${job.task.name} has a time limit of ${limit}s, below AWS Batch's minimum ` +
          `timeout of ${MIN_ATTEMPT_SECONDS}s: Baton stops the job at ${limit}s while it watches, Batch at ${MIN_ATTEMPT_SECONDS}s otherwise`,
      );
    }
    return runRemoteJob(job, signal, {
      plumbing: this.plumbing,
      engine: this.engine,
      ctx: this.ctx!,
      engineName: 'AWS Batch service',
    });
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.plumbing.stop();
    this.logger.debug(`requests to AWS: ${this.api.summary()}`);
    this.api.close();
  }

  describe(): Record<string, unknown> {
    return { type: 'aws-batch', ...this.options };
  }
}
