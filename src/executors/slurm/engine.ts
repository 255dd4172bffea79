// Talking to Slurm: bursts of calls go out as array jobs through one sbatch, squeue once per interval
// for every job, scancel on cancel, and a record per job in scratch (jobs/<eval hash>/slurm) naming
// the Slurm job that runs it, by which a scheduler after a restart finds it again.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutorError } from '../../errors.ts';
import { jobListElement } from '../../worker/index.ts';
import { spreadCalls, writeJobList } from '../remote/job-list.ts';
import type { RemotePlumbing } from '../remote/plumbing.ts';
import type { EngineExit, RemoteEngine } from '../remote/run-remote.ts';
import type { ExecutorLogger, JobRequest } from '../types.ts';
import { SubmitBatcher } from '../remote/batcher.ts';
import type { SlurmClient } from './commands.ts';
import { jobSettings, type SlurmOptions } from './options.ts';
import { PackedElements } from '../remote/packed.ts';
import { SlurmPoller } from './poller.ts';
import { arrayJobName, jobScript, resourceArgs, singleJobName } from './sbatch.ts';
import { explainEnd, hasEnded, lastLines, type QueueEntry } from './states.ts';

/** Lines of a job's output kept for its error, and the most bytes read to find them. */
const TAIL_LINES = 40;
const TAIL_BYTES = 64 * 1024;

export interface SlurmHandle {
  /** `123`, or `123_4` for an element of an array job; undefined when sbatch refused the job. */
  id: string | undefined;
  evalHash: string;
  /** Scratch key of the job's output file (stdout and stderr, with Slurm's own messages). */
  log: string;
  /** Why sbatch refused the job. */
  refused?: string | undefined;
  /** The array element runs other calls too: its end is not this call's end, nor is cancelling it. */
  packed?: boolean | undefined;
}

/** `jobs/<eval hash>/slurm`: which Slurm job runs this eval hash. */
export interface SlurmRecord {
  /** The Slurm job name: `baton-<eval hash>`, or `baton-array-<batch>` for an array job. */
  name: string;
  /** The array index, for an array job. */
  index?: number | undefined;
  /** Slurm's job id, once sbatch has answered. */
  jobId?: string | undefined;
  /** Calls the array element runs, when more than one. */
  calls?: number | undefined;
  log: string;
  submittedAt: number;
}

interface Plan {
  /** Jobs with the same key can share an array job. */
  key: string;
  args: string[];
  setup: string[];
  vcpus: number | undefined;
  timeLimit: number | undefined;
}

const recordKey = (evalHash: string) => `jobs/${evalHash}/slurm`;
/** sbatch expands `%` patterns in `--output`; a literal `%` in the scratch path is written `%%`. */
const outputPath = (path: string) => path.replaceAll('%', '%%');
const queueKey = (name: string, index: number | undefined) => `${name}#${index ?? ''}`;

export class SlurmEngine implements RemoteEngine<SlurmHandle> {
  private readonly options: SlurmOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly commands: SlurmClient;
  private readonly batcher: SubmitBatcher<SlurmHandle>;
  private readonly plans = new WeakMap<JobRequest, Plan>();
  /** Baton jobs Slurm listed when the executor started, by name and index; taken as jobs claim them. */
  private readonly leftBehind = new Map<string, QueueEntry>();
  private readonly cancels = new Set<string>();
  private packed: PackedElements | undefined;
  /** CPUs of the partition, for `calls_per_element = "auto"`. */
  private cpus: number | undefined;
  private cancelling: Promise<void> | undefined;
  private readonly writes = new Set<Promise<unknown>>();
  private poller: SlurmPoller | undefined;
  private scratchDir = '';
  private codeCache = '';
  private logger: ExecutorLogger | undefined;

  constructor(parts: { options: SlurmOptions; plumbing: RemotePlumbing; commands: SlurmClient }) {
    this.options = parts.options;
    this.plumbing = parts.plumbing;
    this.commands = parts.commands;
    this.batcher = new SubmitBatcher(parts.options.max_array_size, (key, jobs) => this.submitBatch(jobs));
  }

  /** Lists the Baton jobs an earlier scheduler left in Slurm (and checks that squeue answers). */
  async start(setup: { scratchDir: string; codeCache: string; logger: ExecutorLogger }): Promise<void> {
    this.scratchDir = setup.scratchDir;
    this.codeCache = setup.codeCache;
    this.logger = setup.logger;
    for (const entry of await this.commands.check())
      this.leftBehind.set(queueKey(entry.name, entry.index), entry);
    this.poller = new SlurmPoller(this.commands, this.options.poll_interval * 1000, setup.logger);
    this.packed = new PackedElements(this.options.poll_interval * 1000, (evalHash) =>
      this.resultWritten(evalHash),
    );
    if (this.options.calls_per_element === 'auto')
      this.cpus = await this.commands.cpus(this.options.partition);
  }

  /** The sbatch flags and batching key of a job; a ConfigError for a task option of the wrong type. */
  plan(job: JobRequest): Plan {
    let plan = this.plans.get(job);
    if (!plan) {
      const settings = jobSettings(this.options, job);
      const args = resourceArgs(settings);
      const key = [job.task.hash, ...args, '', ...settings.setup].join('\n');
      plan = { key, args, setup: settings.setup, vcpus: settings.vcpus, timeLimit: settings.timeLimit };
      this.plans.set(job, plan);
    }
    return plan;
  }

  async find(job: JobRequest): Promise<{ handle: SlurmHandle; running: boolean } | undefined> {
    this.batcher.expect(this.plan(job).key, job);
    if (this.leftBehind.size === 0) return undefined;
    const record = await this.readRecord(job.evalHash);
    if (!record) return undefined;
    const key = queueKey(record.name, record.index);
    const entry = this.leftBehind.get(key);
    if (!entry) return undefined;
    const packed = (record.calls ?? 1) > 1;
    if (!packed)
      this.leftBehind.delete(key); // a packed element is claimed by each of its calls
    else if (!hasEnded(entry.state))
      this.packed!.add(entry.id, await this.elementCalls(record), [job.evalHash]);
    return {
      handle: { id: entry.id, evalHash: job.evalHash, log: record.log, packed },
      running: !hasEnded(entry.state),
    };
  }

  submit(job: JobRequest): Promise<SlurmHandle> {
    return this.batcher.add(this.plan(job).key, job);
  }

  skipped(job: JobRequest): void {
    this.batcher.skip(job);
  }

  async started(handle: SlurmHandle): Promise<void> {
    if (handle.id !== undefined) await this.poller!.watch(handle.id).started;
  }

  async wait(handle: SlurmHandle, job: JobRequest): Promise<EngineExit> {
    if (handle.id === undefined) return { refused: true, reason: handle.refused };
    const watch = this.poller!.watch(handle.id);
    const files = this.plumbing.files(job.evalHash);
    // A job whose result is written is done even while Slurm still cleans up after it; a call in a
    // packed element is done when its result is written, while the element goes on with the next.
    const end = await Promise.race([
      watch.ended,
      watch.completing.then(async () => ((await this.resultWritten(job.evalHash)) ? undefined : watch.ended)),
      ...(handle.packed ? [this.packed!.done(handle.id, job.evalHash, watch.ended)] : []),
    ]);
    if (handle.packed) this.packed!.release(handle.id, job.evalHash);
    const state = (await files.status())?.state;
    if (state === 'done') return { exitCode: 0 };
    const log = await this.logTail(handle.log);
    if (state === 'failed') return { exitCode: 1, logTail: log || undefined };
    return explainEnd(end?.state, end?.reason ?? '', log);
  }

  /** Cancels: the cancels of one moment (Ctrl-C on a fan-out) go out as one scancel. */
  cancel(handle: SlurmHandle): Promise<void> {
    if (handle.id === undefined) return Promise.resolve();
    // The other calls of a packed element go on: it is cancelled with the last one still wanted.
    if (handle.packed && !this.packed!.release(handle.id, handle.evalHash)) return Promise.resolve();
    this.poller!.forget(handle.id);
    this.cancels.add(handle.id);
    this.cancelling ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = [...this.cancels];
        this.cancels.clear();
        this.cancelling = undefined;
        void this.commands.scancel(ids).then(resolve);
      }),
    );
    return this.cancelling;
  }

  async release(handle: SlurmHandle): Promise<void> {
    // A packed element is watched while any of its calls is.
    if (handle.id !== undefined && !(handle.packed && this.packed?.has(handle.id)))
      this.poller?.forget(handle.id);
  }

  /** Stops polling and waits for the record writes still going. */
  async stop(): Promise<void> {
    this.poller?.stop();
    this.packed?.stop();
    await Promise.all([...this.writes]);
  }

  private async resultWritten(evalHash: string): Promise<boolean> {
    const state = (await this.plumbing.files(evalHash).status())?.state;
    return state === 'done' || state === 'failed';
  }

  /** The eval hashes of a packed element an earlier scheduler submitted, from its job list. */
  private async elementCalls(record: SlurmRecord): Promise<string[]> {
    const list = await this.plumbing.scratch.get(`slurm/${record.name.slice('baton-array-'.length)}/jobs`);
    return (list && jobListElement(new TextDecoder().decode(list), record.index ?? 0)) ?? [];
  }

  /** How many array elements `calls` calls of one plan go out in. */
  private elementCount(calls: number, plan: Plan): number {
    const per = this.options.calls_per_element;
    if (per !== 'auto') return Math.ceil(calls / per);
    // Packed calls share one process: a call with a time limit keeps an element of its own.
    if (plan.timeLimit !== undefined || this.cpus === undefined) return calls;
    const slots = Math.max(1, Math.floor(this.cpus / Math.max(1, plan.vcpus ?? 1)));
    return Math.min(calls, 2 * slots);
  }

  private async readRecord(evalHash: string): Promise<SlurmRecord | undefined> {
    const bytes = await this.plumbing.scratch.get(recordKey(evalHash));
    if (!bytes) return undefined;
    try {
      const record = JSON.parse(new TextDecoder().decode(bytes)) as SlurmRecord;
      return typeof record.name === 'string' && typeof record.log === 'string' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  private writeRecords(jobs: JobRequest[], records: SlurmRecord[]): Promise<unknown> {
    const text = new TextEncoder();
    return Promise.all(
      jobs.map((job, i) =>
        this.plumbing.scratch.put(recordKey(job.evalHash), text.encode(`${JSON.stringify(records[i])}\n`)),
      ),
    );
  }

  /** One sbatch for jobs of one key: a single job, or an array job over a list of eval hashes. */
  private async submitBatch(jobs: JobRequest[]): Promise<SlurmHandle[]> {
    const plan = this.plan(jobs[0]!);
    const submittedAt = Date.now();
    const task = jobs[0]!.task.name;
    let name: string;
    let args: string[];
    let script: string;
    let records: SlurmRecord[];
    /** The eval hashes of each array element, in the order it runs them. */
    let elementCalls: string[][] = [];
    const common = { setup: plan.setup, batonCommand: this.options.baton_command };
    const paths = { scratch: this.scratchDir, codeCache: this.codeCache };
    if (jobs.length === 1) {
      const evalHash = jobs[0]!.evalHash;
      name = singleJobName(evalHash);
      const log = `jobs/${evalHash}/slurm.out`;
      records = [{ name, log, submittedAt }];
      args = [`--job-name=${name}`, `--output=${outputPath(join(this.scratchDir, log))}`];
      script = jobScript({ ...common, ...paths, job: { evalHash }, title: `baton: task ${task}` });
    } else {
      const batch = `${submittedAt.toString(36)}-${randomBytes(6).toString('hex')}`;
      name = arrayJobName(batch);
      const list = `slurm/${batch}/jobs`;
      const elements = spreadCalls(jobs, this.elementCount(jobs.length, plan));
      elementCalls = elements.map((calls) => calls.map((job) => job.evalHash));
      await writeJobList(this.plumbing.scratch, list, elementCalls);
      records = elements.flatMap((calls, index) =>
        calls.map(() => ({
          name,
          index,
          log: `slurm/${batch}/${index}.out`,
          submittedAt,
          calls: calls.length > 1 ? calls.length : undefined,
        })),
      );
      args = [
        `--job-name=${name}`,
        `--array=0-${elements.length - 1}`,
        `--output=${outputPath(join(this.scratchDir, 'slurm', batch))}/%a.out`,
      ];
      const title = `baton: ${jobs.length} calls of task ${task} in ${elements.length} elements, eval hashes in ${list}`;
      script = jobScript({ ...common, ...paths, job: { list }, title });
    }
    // Written before sbatch: a scheduler killed at any point after it finds these jobs by name.
    await this.writeRecords(jobs, records);
    let jobId: string;
    try {
      ({ jobId } = await this.commands.sbatch([...args, ...plan.args], script));
    } catch (error) {
      if (error instanceof ExecutorError && !error.retryable) {
        return records.map((record, i) => ({
          id: undefined,
          evalHash: jobs[i]!.evalHash,
          log: record.log,
          refused: error.message,
        }));
      }
      throw error;
    }
    this.logger?.debug(`sbatch ${name}: job ${jobId}, ${jobs.length} call(s) of task ${task}`);
    const write = this.writeRecords(
      jobs,
      records.map((record) => ({ ...record, jobId })),
    ).catch(() => undefined);
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    return records.map((record, i) => {
      const id = record.index === undefined ? jobId : `${jobId}_${record.index}`;
      const packed = record.calls !== undefined;
      if (packed) this.packed!.add(id, elementCalls[record.index!]!);
      return { id, evalHash: jobs[i]!.evalHash, log: record.log, packed };
    });
  }

  /** The last lines of a job's output file (empty when there is none). */
  private async logTail(log: string): Promise<string> {
    try {
      const file = await open(join(this.scratchDir, log));
      try {
        const { size } = await file.stat();
        const length = Math.min(size, TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        await file.read(buffer, 0, length, size - length);
        return lastLines(buffer.toString('utf8'), TAIL_LINES);
      } finally {
        await file.close();
      }
    } catch {
      return '';
    }
  }
}
