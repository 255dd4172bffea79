// What every remote executor does before and after the engine runs a job: open and check the scratch,
// publish the code package once, write each job's input, and read back what `baton oneshot` wrote.
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ExecutorError } from '../../errors.ts';
import { buildCodePackage, publishCodePackage } from '../../packaging/index.ts';
import { openScratch, type Scratch } from '../../scratch/index.ts';
import { decodeValue, encodeValue } from '../../codec/index.ts';
import { OWN_SOURCE } from '../../task/index.ts';
import { JOB_INPUT_FORMAT, JobFiles, LARGE_VALUE_BYTES, packArgs } from '../../worker/index.ts';
import type { ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import type { RemoteOptions } from './options.ts';

/** The scratch folder when a section names none, under the config root. */
export const DEFAULT_SCRATCH = '.baton/scratch';

export interface PublishedCode {
  hash: string;
  files: ReadonlySet<string>;
  uploaded: boolean;
}

export class RemotePlumbing {
  readonly executor: string;
  private readonly options: RemoteOptions;
  private root = '';
  private scratchValue: Scratch | undefined;
  private code: PublishedCode | undefined;

  constructor(executor: string, options: RemoteOptions) {
    this.executor = executor;
    this.options = options;
  }

  get scratch(): Scratch {
    if (!this.scratchValue) throw new ExecutorError(`executor ${this.executor} has not started`);
    return this.scratchValue;
  }

  get codePackage(): PublishedCode | undefined {
    return this.code;
  }

  /** Opens and checks the scratch and publishes the code package; fails before anything is submitted. */
  async start(ctx: ExecutorContext): Promise<void> {
    this.root = ctx.root;
    const uri = this.options.scratch ?? DEFAULT_SCRATCH;
    const scratch = openScratch(uri, {
      cwd: ctx.root,
      s3: { endpoint: this.options.s3_endpoint, forcePathStyle: this.options.s3_path_style },
    });
    await scratch.check();
    this.scratchValue = scratch;
    const started = Date.now();
    const built = await buildCodePackage({
      root: ctx.root,
      include: this.options.include,
      exclude: this.options.exclude,
    });
    const { uploaded } = await publishCodePackage(scratch, built);
    this.code = { hash: built.hash, files: new Set(built.files), uploaded };
    ctx.logger.debug(
      `executor ${this.executor}: code package ${built.hash.slice(0, 12)} (${built.files.length} files, ` +
        `${Math.ceil(built.bytes.length / 1024)} KiB) ${uploaded ? 'uploaded' : 'already in scratch'} in ${Date.now() - started} ms`,
    );
  }

  async stop(): Promise<void> {
    await this.scratchValue?.close?.();
  }

  /** Where a scratch folder is on this machine; undefined for object storage. */
  localScratchPath(): string | undefined {
    const uri = this.options.scratch ?? DEFAULT_SCRATCH;
    if (uri.startsWith('s3://')) return undefined;
    return resolve(this.root, uri.startsWith('file://') ? fileURLToPath(uri) : uri);
  }

  files(evalHash: string): JobFiles {
    return new JobFiles(this.scratch, evalHash);
  }

  /**
   * The task module's path inside the code package, or `baton:<path>` for a task Baton defines itself
   * (map's chunk runner, `baton map`'s expression); an ExecutorError when the package lacks it.
   */
  modulePath(job: JobRequest): string {
    if (job.task.module.startsWith(OWN_SOURCE)) {
      return `baton:${job.task.module.slice(OWN_SOURCE.length).replace(/\.(ts|js)$/, '')}`;
    }
    const file = job.task.module.startsWith('file:') ? fileURLToPath(job.task.module) : job.task.module;
    const path = relative(this.root, file).split(sep).join('/');
    if (path.startsWith('../') || path === '..' || resolve(this.root, path) !== resolve(file)) {
      throw new ExecutorError(
        `task ${job.task.name} is defined in ${file}, outside the code root ${this.root}`,
        { executor: this.executor },
        { hint: 'keep workflow modules under the folder of baton.toml, or start Baton from their folder' },
      );
    }
    if (this.code && !this.code.files.has(path)) {
      throw new ExecutorError(
        `task ${job.task.name}: its module ${path} is not in the code package of executor ${this.executor}`,
        { executor: this.executor },
        { hint: `check the include and exclude globs of [executors.${this.executor}] in baton.toml` },
      );
    }
    return path;
  }

  /**
   * A successful outcome as the scheduler keeps it: Files the job made (which it left in scratch) are
   * brought to `.baton/files` under the config root, so later tasks here read them as local files.
   */
  async receive(outcome: JobOutcome): Promise<JobOutcome> {
    if (!outcome.ok) return outcome;
    const { stageIn } = await import('../../files/index.ts');
    const value = decodeValue(outcome.value);
    const local = await stageIn(value, this.scratch, join(this.root, '.baton', 'files'));
    return local === value ? outcome : { ...outcome, value: encodeValue(local, 'result') };
  }

  /** Writes the job's input, clearing what an earlier attempt left; returns the job's files. */
  async stage(job: JobRequest): Promise<JobFiles> {
    const files = this.files(job.evalHash);
    const module = this.modulePath(job);
    // Files travel through scratch, and large arguments through its value store, by hash.
    const { stageOut } = await import('../../files/index.ts');
    const args = await stageOut(decodeValue(job.args), this.scratch);
    const limit = this.options.large_value_bytes ?? LARGE_VALUE_BYTES;
    const packed = await packArgs(args as unknown[], this.scratch, limit);
    await files.prepare({
      format: JOB_INPUT_FORMAT,
      jobId: job.jobId,
      evalHash: job.evalHash,
      attempt: job.attempt,
      task: { module, name: job.task.name, hash: job.task.hash },
      code: { package: this.code!.hash },
      codeRoot: pathToFileURL(this.root + sep).href,
      batonRoot: OWN_SOURCE,
      args: packed.args,
      largeArgs: packed.largeArgs,
      largeValueBytes: limit,
    });
    return files;
  }
}
