// Talking to AWS Batch: bursts of calls go out as array jobs through one SubmitJob, each child running
// its line of a job list in scratch; a record per call in scratch (jobs/<eval hash>/aws-batch) names
// the Batch job, so a scheduler after a restart finds it again with ListJobs by name; cancels of one
// moment go out together (the whole array in one TerminateJob when all of it is cancelled).
import { randomBytes } from 'node:crypto';
import { ExecutorError } from '../../errors.ts';
import { jobListElement } from '../../worker/index.ts';
import { SubmitBatcher } from '../remote/batcher.ts';
import { spreadCalls, writeJobList } from '../remote/job-list.ts';
import { PackedElements } from '../remote/packed.ts';
import type { RemotePlumbing } from '../remote/plumbing.ts';
import type { EngineExit, RemoteEngine } from '../remote/run-remote.ts';
import type { ExecutorLogger, JobRequest } from '../types.ts';
import { awsMessage, type BatchApi } from './api.ts';
import { JobDefinitions } from './definitions.ts';
import { jobSettings, type AwsBatchOptions, type BatchJobSettings } from './options.ts';
import { listKey, readJobList, readRecord, writeJobId, writeRecords } from './records.ts';
import { classifyAwsError } from './retry.ts';
import { explainEnd, lastContainer } from './states.ts';
import { arrayJobName, singleJobName, submitRequest } from './submission.ts';
import { Terminations } from './terminations.ts';
import { BatchTracker, type JobEnd, type Watch } from './tracker.ts';

/** Lines of a failed job's log kept for its error. */
const TAIL_LINES = 40;

export interface BatchHandle {
  /** The call's Batch job: a job id, or `<parent id>:<index>` for a child; undefined when Batch refused it. */
  jobId: string | undefined;
  array?: { parent: string; index: number; size: number } | undefined;
  evalHash: string;
  /** The Batch job runs other calls too (calls_per_element): this one is done when its result is written. */
  packed?: boolean | undefined;
  /** Why SubmitJob was refused. */
  refused?: string | undefined;
  watch?: Watch | undefined;
}

interface Plan {
  key: string;
  settings: BatchJobSettings;
}

export class BatchEngine implements RemoteEngine<BatchHandle> {
  private readonly executor: string;
  private readonly options: AwsBatchOptions;
  private readonly plumbing: RemotePlumbing;
  private readonly api: BatchApi;
  private readonly batcher: SubmitBatcher<BatchHandle>;
  private readonly definitions: JobDefinitions;
  private readonly plans = new WeakMap<JobRequest, Plan>();
  /** Names this scheduler submitted: their records are not jobs left behind by an earlier one. */
  private readonly ownNames = new Set<string>();
  /** ListJobs by name, once per name, for the records an earlier scheduler left. */
  private readonly listed = new Map<string, Promise<Array<{ jobId?: string; status?: string }>>>();
  /** Job lists read for the records an earlier scheduler left, by batch. */
  private readonly lists = new Map<string, Promise<string>>();
  private readonly terminations: Terminations;
  private readonly packed: PackedElements;
  private readonly writes = new Set<Promise<unknown>>();
  private tracker: BatchTracker | undefined;
  private logger: ExecutorLogger | undefined;

  constructor(parts: {
    executor: string;
    options: AwsBatchOptions;
    plumbing: RemotePlumbing;
    api: BatchApi;
  }) {
    this.executor = parts.executor;
    this.options = parts.options;
    this.plumbing = parts.plumbing;
    this.api = parts.api;
    const maxCalls = parts.options.max_array_size * parts.options.calls_per_element;
    this.batcher = new SubmitBatcher(maxCalls, (_key, jobs) => this.submitBatch(jobs));
    this.definitions = new JobDefinitions(parts.api, parts.options, () => this.plumbing.scratch.uri);
    this.terminations = new Terminations(parts.api, () => this.logger);
    this.packed = new PackedElements(parts.options.poll_interval * 1000, async (evalHash) => {
      const state = (await this.plumbing.files(evalHash).status())?.state;
      return state === 'done' || state === 'failed';
    });
  }

  start(logger: ExecutorLogger): void {
    this.logger = logger;
    this.tracker = new BatchTracker(
      this.api,
      { intervalSeconds: this.options.poll_interval, maxIntervalSeconds: this.options.max_poll_interval },
      logger,
    );
  }

  /** The Batch settings and batching key of a job; a ConfigError for a task option of the wrong type. */
  plan(job: JobRequest): Plan {
    let plan = this.plans.get(job);
    if (!plan) {
      const settings = jobSettings(this.options, job);
      const key = JSON.stringify([job.task.hash, settings]);
      plan = { key, settings };
      this.plans.set(job, plan);
    }
    return plan;
  }

  async find(job: JobRequest): Promise<{ handle: BatchHandle; running: boolean } | undefined> {
    this.batcher.expect(this.plan(job).key, job);
    const scratch = this.plumbing.scratch;
    const record = await readRecord(scratch, job.evalHash);
    if (!record || this.ownNames.has(record.name)) return undefined;
    let listing = this.listed.get(record.name);
    if (!listing) {
      listing = this.api.listJobsByName(record.queue, record.name);
      this.listed.set(record.name, listing);
      listing.catch(() => this.listed.delete(record.name));
    }
    // Newest first: a name used again (a single call submitted once more) means its latest job.
    const found = (await listing)[0];
    if (!found?.jobId) return undefined;
    const array =
      record.index === undefined
        ? undefined
        : { parent: found.jobId, index: record.index, size: record.size };
    const jobId = array ? `${array.parent}:${array.index}` : found.jobId;
    let list = this.lists.get(record.batch);
    if (!list) this.lists.set(record.batch, (list = readJobList(scratch, record.batch)));
    const order = jobListElement(await list, record.index ?? 0) ?? [job.evalHash];
    const running = found.status !== 'SUCCEEDED' && found.status !== 'FAILED';
    const handle: BatchHandle = { jobId, array, evalHash: job.evalHash, packed: order.length > 1 };
    this.terminations.want(jobId, job.evalHash);
    // A packed job is claimed by each of its calls that this scheduler wants.
    if (running && handle.packed) this.packed.add(jobId, order, [job.evalHash]);
    return { handle, running };
  }

  submit(job: JobRequest): Promise<BatchHandle> {
    return this.batcher.add(this.plan(job).key, job);
  }

  skipped(job: JobRequest): void {
    this.batcher.skip(job);
  }

  async started(handle: BatchHandle): Promise<void> {
    if (handle.jobId !== undefined) await this.watchOf(handle).started;
  }

  async wait(handle: BatchHandle, job: JobRequest): Promise<EngineExit> {
    if (handle.jobId === undefined) return { refused: true, reason: handle.refused };
    const { ended } = this.watchOf(handle);
    let end: JobEnd | undefined;
    const over = ended.then((how) => void (end = how));
    if (handle.packed) {
      // A call of a packed job is done when its result is written, while the job goes on.
      await Promise.race([over, this.packed.done(handle.jobId, job.evalHash, over)]);
      this.packed.release(handle.jobId, job.evalHash);
    } else await over;
    const state = (await this.plumbing.files(job.evalHash).status())?.state;
    if (state === 'done') return { exitCode: 0 };
    const logTail = await this.logTail(handle, end);
    if (state === 'failed') return { exitCode: 1, logTail: logTail || undefined };
    return explainEnd(end ?? (await ended), logTail);
  }

  /** Cancels a call; its Batch job is terminated once no call of it is wanted (see Terminations). */
  cancel(handle: BatchHandle): Promise<void> {
    if (handle.jobId === undefined) return Promise.resolve();
    if (handle.packed) this.packed.release(handle.jobId, handle.evalHash);
    return this.terminations.cancel(handle.jobId, handle.evalHash);
  }

  async release(handle: BatchHandle): Promise<void> {
    if (handle.jobId === undefined) return;
    this.terminations.release(handle.jobId, handle.evalHash);
    if (handle.watch) {
      handle.watch = undefined;
      this.tracker?.forget(handle.jobId, handle.array);
    }
  }

  /** Stops polling and waits for the record writes still going. */
  async stop(): Promise<void> {
    this.tracker?.stop();
    this.packed.stop();
    await Promise.all([...this.writes]);
  }

  private watchOf(handle: BatchHandle): Watch {
    handle.watch ??= this.tracker!.watch(handle.jobId!, handle.array);
    return handle.watch;
  }

  /** The last lines of a job's CloudWatch log stream, so far if it still runs (empty when it has none). */
  private async logTail(handle: BatchHandle, end: JobEnd | undefined): Promise<string> {
    let detail = end?.detail;
    // A job still running (a packed call failed early), or one settled without its details.
    if (end === undefined || (detail === undefined && end.status !== undefined))
      [detail] = await this.api.describeJobs([handle.jobId!]).catch(() => []);
    const stream = lastContainer(detail).logStreamName;
    return stream ? this.api.logTail(this.options.log_group, stream, TAIL_LINES) : '';
  }

  /**
   * A request AWS refused (a queue that does not exist, a bad image name, a missing permission) fails
   * its calls for good; a throttled or lost one is a system failure, tried again by the scheduler.
   */
  private refuseOrThrow(
    error: unknown,
    operation: string,
    elements: JobRequest[][],
  ): Map<JobRequest, BatchHandle> {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === undefined || classifyAwsError(error) !== undefined) {
      throw new ExecutorError(
        `${operation} failed: ${awsMessage(error)}`,
        { executor: this.executor, retryable: true },
        { cause: error },
      );
    }
    const refused = `${operation} refused the job: ${awsMessage(error)}`;
    return new Map(
      elements.flat().map((job) => [job, { jobId: undefined, evalHash: job.evalHash, refused }]),
    );
  }

  /** One SubmitJob per array of at most max_array_size children, each child running its calls in order. */
  private async submitBatch(jobs: JobRequest[]): Promise<BatchHandle[]> {
    const { settings } = this.plan(jobs[0]!);
    const perElement = settings.timeLimit === undefined ? this.options.calls_per_element : 1;
    const elements = spreadCalls(jobs, Math.ceil(jobs.length / perElement));
    const handles = new Map<JobRequest, BatchHandle>();
    const submissions: Array<Promise<void>> = [];
    for (let i = 0; i < elements.length; i += this.options.max_array_size) {
      const chunk = elements.slice(i, i + this.options.max_array_size);
      submissions.push(
        this.submitArray(chunk, settings).then((made) =>
          made.forEach((handle, job) => handles.set(job, handle)),
        ),
      );
    }
    await Promise.all(submissions);
    return jobs.map((job) => handles.get(job)!);
  }

  private async submitArray(
    elements: JobRequest[][],
    settings: BatchJobSettings,
  ): Promise<Map<JobRequest, BatchHandle>> {
    const submittedAt = Date.now();
    const batch = `${submittedAt.toString(36)}-${randomBytes(6).toString('hex')}`;
    const size = elements.length;
    const first = elements[0]!;
    const task = first[0]!.task.name;
    const prefix = this.options.job_name_prefix;
    const name =
      size === 1 && first.length === 1
        ? singleJobName(prefix, first[0]!.evalHash)
        : arrayJobName(prefix, batch);
    const list = listKey(batch);
    const scratch = this.plumbing.scratch;
    const ownDefinition = settings.jobDefinition !== undefined;
    let definition: string;
    try {
      definition = settings.jobDefinition ?? (await this.definitions.forImage(settings.image!));
    } catch (error) {
      return this.refuseOrThrow(error, 'RegisterJobDefinition', elements);
    }
    const hashes = elements.map((element) => element.map((job) => job.evalHash));
    await writeJobList(scratch, list, hashes);
    // Written before SubmitJob: a scheduler killed at any point after it finds these jobs by name.
    this.ownNames.add(name);
    const record = { name, batch, queue: settings.queue, submittedAt };
    await writeRecords(scratch, elements, record);
    const request = submitRequest(this.executor, this.options, {
      name,
      definition,
      ownDefinition,
      size,
      listKey: list,
      scratch: scratch.uri,
      task,
      settings,
    });
    let jobId: string;
    try {
      jobId = (await this.api.submitJob(request)).jobId!;
    } catch (error) {
      return this.refuseOrThrow(error, 'SubmitJob', elements);
    }
    this.logger?.debug(
      `SubmitJob ${name}: job ${jobId}, ${elements.flat().length} call(s) of task ${task} in ${size} job(s)`,
    );
    const write = writeJobId(scratch, { ...record, size }, jobId).catch(() => undefined);
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    const handles = new Map<JobRequest, BatchHandle>();
    elements.forEach((element, index) => {
      const array = size > 1 ? { parent: jobId, index, size } : undefined;
      const child = array ? `${jobId}:${index}` : jobId;
      const packed = element.length > 1;
      if (packed) this.packed.add(child, hashes[index]!);
      for (const job of element) {
        this.terminations.want(child, job.evalHash);
        handles.set(job, { jobId: child, array, evalHash: job.evalHash, packed });
      }
    });
    return handles;
  }
}
