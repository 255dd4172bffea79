// The `slurm` executor: each call is a Slurm job (an element of an array job when calls arrive
// together) running `baton oneshot` against a scratch folder that the nodes share.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RemotePlumbing } from '../remote/plumbing.ts';
import { executorLogger, runPlannedJob } from '../remote/run-remote.ts';
import type { Executor, ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import { SlurmCommands, type SlurmClient } from './commands.ts';
import { SlurmEngine } from './engine.ts';
import type { SlurmOptions } from './options.ts';

/** Where code packages are extracted when the section names no folder (shared with the nodes). */
const DEFAULT_CODE_CACHE = '.baton/code-cache';
/** Jobs handed over at once unless `max_jobs` says otherwise: Slurm's queue holds the rest. */
const MAX_IN_FLIGHT = 10_000;

export class SlurmExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight = MAX_IN_FLIGHT;
  readonly options: SlurmOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly engine: SlurmEngine;
  private ctx: ExecutorContext | undefined;

  /** `commands` replaces the real sbatch, squeue and scancel (in tests). */
  constructor(name: string, options: SlurmOptions, commands: SlurmClient = new SlurmCommands(name)) {
    this.name = name;
    this.options = options;
    this.plumbing = new RemotePlumbing(name, options);
    this.engine = new SlurmEngine({ options, plumbing: this.plumbing, commands });
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    await this.plumbing.start(ctx);
    const codeCache = resolve(ctx.root, this.options.code_cache ?? DEFAULT_CODE_CACHE);
    await mkdir(codeCache, { recursive: true });
    const logger = executorLogger(this.name, ctx.logger);
    await this.engine.start({ scratchDir: this.plumbing.localScratchPath()!, codeCache, logger });
  }

  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    const parts = { plumbing: this.plumbing, engine: this.engine, ctx: this.ctx! };
    return runPlannedJob(job, signal, { ...parts, engineName: 'Slurm cluster' });
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.plumbing.stop();
  }

  describe(): Record<string, unknown> {
    return { type: 'slurm', ...this.options };
  }
}
