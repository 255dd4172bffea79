// The `container` executor: each job is a `docker run` / `podman run` of an image that has Node and
// Baton, running `baton oneshot` against the scratch (bind-mounted when it is a folder).
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { describeOptions } from '../remote/options.ts';
import { RemotePlumbing } from '../remote/plumbing.ts';
import { runRemoteJob } from '../remote/run-remote.ts';
import type { Executor, ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import { ContainerEngine, containerName, type RunCommand } from './engine.ts';
import type { ContainerOptions } from './options.ts';

/** Where code packages are extracted on the host when the section names no folder. */
const DEFAULT_CODE_CACHE = '.baton/code-cache';
/** Credentials and settings an s3:// scratch needs inside the job, passed by name only. */
const S3_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
];

export class ContainerExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight: number;
  readonly options: ContainerOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly engine: ContainerEngine;
  private ctx: ExecutorContext | undefined;
  private codeCache = '';

  constructor(name: string, options: ContainerOptions) {
    this.name = name;
    this.options = options;
    // Debug mode attaches each job to the terminal, so only one can run at a time.
    this.maxInFlight = options.debug ? 1 : 64;
    this.plumbing = new RemotePlumbing(name, options);
    this.engine = new ContainerEngine({
      engine: options.engine,
      engineArgs: options.engine_args,
      executor: name,
      command: (job) => this.runCommand(job),
    });
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    await this.engine.start(ctx);
    await this.plumbing.start(ctx);
    this.codeCache = resolve(ctx.root, this.options.code_cache ?? DEFAULT_CODE_CACHE);
    await mkdir(this.codeCache, { recursive: true });
  }

  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    return runRemoteJob(job, signal, {
      plumbing: this.plumbing,
      engine: this.engine,
      ctx: this.ctx!,
      engineName: 'container engine',
    });
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.plumbing.stop();
  }

  describe(): Record<string, unknown> {
    return describeOptions('container', this.options);
  }

  private volume(spec: string): string {
    const [host, ...rest] = spec.split(':');
    return [isAbsolute(host!) ? host : resolve(this.ctx!.root, host!), ...rest].join(':');
  }

  /** The `run` command line of one job. Environment values go through the engine's environment, by name. */
  runCommand(job: JobRequest): RunCommand {
    const { options } = this;
    const args = ['run', '--name', containerName(job.evalHash)];
    args.push('--label', `baton.eval-hash=${job.evalHash}`, '--label', `baton.executor=${this.name}`);
    args.push('--label', `baton.task=${job.task.name}`);
    if (options.debug) args.push('--interactive', ...(process.stdin.isTTY ? ['--tty'] : []));
    const { vcpus, memory, gpus } = job.options;
    if (vcpus !== undefined) args.push('--cpus', String(vcpus));
    if (memory !== undefined) args.push('--memory', `${Math.max(6, Math.round(memory * 1024))}m`);
    if (gpus !== undefined && gpus > 0) args.push('--gpus', String(gpus));
    if (options.network !== undefined) args.push('--network', options.network);
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    for (const key of Object.keys(options.env)) args.push('--env', key);
    for (const spec of options.volumes) args.push('--volume', this.volume(spec));
    const scratchPath = this.plumbing.localScratchPath();
    let scratch = this.plumbing.scratch.uri;
    if (scratchPath !== undefined) {
      // The same path inside and out, so paths that name scratch files mean the same on both sides.
      args.push('--volume', `${scratchPath}:${scratchPath}`);
      scratch = scratchPath;
    } else {
      if (options.s3_endpoint) env.BATON_S3_ENDPOINT = options.s3_endpoint;
      if (options.s3_path_style) env.BATON_S3_PATH_STYLE = '1';
      for (const key of ['BATON_S3_ENDPOINT', 'BATON_S3_PATH_STYLE', ...S3_ENV])
        if (env[key] !== undefined) args.push('--env', key);
    }
    args.push('--volume', `${this.codeCache}:${this.codeCache}`);
    args.push(...options.run_args, options.image, ...options.baton_command);
    args.push('oneshot', '--scratch', scratch, '--job', job.evalHash, '--code-cache', this.codeCache);
    return { args, env, interactive: options.debug };
  }
}
