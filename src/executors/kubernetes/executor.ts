// The `kubernetes` executor: the calls of a burst become one Indexed Job whose pods run
// `baton oneshot --list` against an S3 scratch, followed by one watch of the executor's Jobs and pods.
import { describeOptions } from '../remote/options.ts';
import { RemotePlumbing } from '../remote/plumbing.ts';
import { executorLogger, runPlannedJob } from '../remote/run-remote.ts';
import type { Executor, ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import { KubernetesEngine } from './engine.ts';
import type { KubernetesOptions } from './options.ts';

/** Jobs handed over at once: the cluster's own scheduler holds the rest. */
const MAX_IN_FLIGHT = 10_000;

export class KubernetesExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight = MAX_IN_FLIGHT;
  readonly options: KubernetesOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly engine: KubernetesEngine;
  private ctx: ExecutorContext | undefined;

  constructor(name: string, options: KubernetesOptions) {
    this.name = name;
    this.options = options;
    this.plumbing = new RemotePlumbing(name, options);
    this.engine = new KubernetesEngine({ executor: name, options, plumbing: this.plumbing });
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    // The cluster first: a missing kubeconfig is said before any upload.
    await this.engine.start({ root: ctx.root, logger: executorLogger(this.name, ctx.logger) });
    await this.plumbing.start(ctx);
  }

  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    const parts = { plumbing: this.plumbing, engine: this.engine, ctx: this.ctx! };
    return runPlannedJob(job, signal, { ...parts, engineName: 'Kubernetes cluster' });
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.plumbing.stop();
  }

  /** The resolved options; env values are masked (Secret references are names, not values). */
  describe(): Record<string, unknown> {
    return describeOptions('kubernetes', this.options);
  }
}
