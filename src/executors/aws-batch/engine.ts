// Talking to AWS Batch: bursts of calls go out as array jobs through one SubmitJob, each child running
// its line of a job list in scratch; a record per call in scratch (jobs/<eval hash>/aws-batch) names
// the Batch job, so a scheduler after a restart finds it again with ListJobs by name; cancels of one
// moment go out together (the whole array in one TerminateJob when all of it is cancelled).
import { randomBytes } from 'node:crypto';
import { ExecutorError } from '../../errors.ts';
import { SubmitBatcher } from '../remote/batcher.ts';
import { spreadCalls, writeJobList } from '../remote/job-list.ts';
import type { RemotePlumbing } from '../remote/plumbing.ts';
import type { EngineExit, RemoteEngine } from '../remote/run-remote.ts';
import type { ExecutorLogger, JobRequest } from '../types.ts';
import { awsMessage, type BatchApi } from './api.ts';
import { JobDefinitions } from './definitions.ts';
import { jobSettings, type AwsBatchOptions, type BatchJobSettings } from './options.ts';
import { isThrottling, isTransient } from './retry.ts';
import { CANCEL_REASON, explainEnd, lastContainer } from './states.ts';
import { arrayJobName, singleJobName, submitRequest } from './submission.ts';
import { BatchTracker, type JobEnd, type Watch } from './tracker.ts';

/** Lines of a failed job's log kept for its error. */
const TAIL_LINES = 40;
/** TerminateJob requests under way at once when many single jobs are cancelled together. */
const TERMINATE_CONCURRENCY = 8;

export interface BatchHandle {
  /** The call's Batch job: a job id, or `<parent id>:<index>` for a child; undefined when Batch refused it. */
  jobId: string | undefined;
  array?: { parent: string; index: number; size: number } | undefined;
  evalHash: string;
  /** Why SubmitJob was refused. */
  refused?: string | undefined;
  watch?: Watch | undefined;
}

/** `jobs/<eval hash>/aws-batch`: which Batch job runs this call. */
export interface BatchRecord {
  /** The Batch job name: `<prefix>-<eval hash>`, or `<prefix>-array-<batch>` for an array job. */
  name: string;
  /** The submission, whose job list is `aws-batch/<batch>/jobs` and whose job id is in `aws-batch/<batch>/job`. */
  batch: string;
  /** The child index, for an array job. */
  index?: number | undefined;
  /** Children of the array job (1 for a single job). */
  size: number;
  queue: string;
  submittedAt: number;
}

interface Plan {
  key: string;
  settings: BatchJobSettings;
}

const recordKey = (evalHash: string) => `jobs/${evalHash}/aws-batch`;
const text = new TextEncoder();
const json = (value: unknown) => text.encode(`${JSON.stringify(value)}\n`);

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
  /** Calls still wanted, by the Batch job that runs them: a job runs several with calls_per_element. */
  private readonly wanted = new Map<string, Set<string>>();
  private readonly cancels = new Set<string>();
  private cancelling: Promise<void> | undefined;
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
    const record = await this.readRecord(job.evalHash);
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
    const handle: BatchHandle = {
      jobId: array ? `${array.parent}:${array.index}` : found.jobId,
      array,
      evalHash: job.evalHash,
    };
    this.want(handle);
    return { handle, running: found.status !== 'SUCCEEDED' && found.status !== 'FAILED' };
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
    const end = await this.watchOf(handle).ended;
    const files = this.plumbing.files(job.evalHash);
    const state = (await files.status())?.state;
    if (state === 'done') return { exitCode: 0 };
    const logTail = await this.logTail(handle, end);
    if (state === 'failed') return { exitCode: 1, logTail: logTail || undefined };
    return explainEnd(end, logTail);
  }

  /** Cancels: the cancels of one moment go out together; a job running other wanted calls goes on. */
  cancel(handle: BatchHandle): Promise<void> {
    if (handle.jobId === undefined) return Promise.resolve();
    const calls = this.wanted.get(handle.jobId);
    calls?.delete(handle.evalHash);
    if (calls && calls.size > 0) return Promise.resolve();
    this.cancels.add(handle.jobId);
    this.cancelling ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = [...this.cancels];
        this.cancels.clear();
        this.cancelling = undefined;
        void this.terminate(ids).then(resolve);
      }),
    );
    return this.cancelling;
  }

  async release(handle: BatchHandle): Promise<void> {
    if (handle.jobId === undefined) return;
    const calls = this.wanted.get(handle.jobId);
    calls?.delete(handle.evalHash);
    if (calls?.size === 0) this.wanted.delete(handle.jobId);
    if (handle.watch) {
      handle.watch = undefined;
      this.tracker?.forget(handle.jobId, handle.array);
    }
  }

  /** Stops polling and waits for the record writes still going. */
  async stop(): Promise<void> {
    this.tracker?.stop();
    await Promise.all([...this.writes]);
  }

  private watchOf(handle: BatchHandle): Watch {
    handle.watch ??= this.tracker!.watch(handle.jobId!, handle.array);
    return handle.watch;
  }

  private want(handle: BatchHandle): void {
    const calls = this.wanted.get(handle.jobId!) ?? new Set<string>();
    calls.add(handle.evalHash);
    this.wanted.set(handle.jobId!, calls);
  }

  /** TerminateJob for each job, or once for an array whose every wanted child is among them. */
  private async terminate(ids: string[]): Promise<void> {
    const targets = new Set(ids);
    const parents = new Set(ids.filter((id) => id.includes(':')).map((id) => id.slice(0, id.indexOf(':'))));
    for (const parent of parents) {
      const stillWanted = [...this.wanted].some(
        ([id, calls]) => calls.size > 0 && id.startsWith(`${parent}:`) && !targets.has(id),
      );
      if (stillWanted) continue;
      for (const id of ids) if (id.startsWith(`${parent}:`)) targets.delete(id);
      targets.add(parent);
    }
    const queue = [...targets];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.api.terminateJob(id, CANCEL_REASON);
        } catch (error) {
          this.logger?.warn(`TerminateJob ${id} failed: ${awsMessage(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TERMINATE_CONCURRENCY, queue.length) }, worker));
  }

  private async readRecord(evalHash: string): Promise<BatchRecord | undefined> {
    const bytes = await this.plumbing.scratch.get(recordKey(evalHash));
    if (!bytes) return undefined;
    try {
      const record = JSON.parse(new TextDecoder().decode(bytes)) as BatchRecord;
      return typeof record.name === 'string' && typeof record.queue === 'string' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** The last lines of a job's CloudWatch log stream (empty when it has none). */
  private async logTail(handle: BatchHandle, end: JobEnd): Promise<string> {
    let detail = end.detail;
    if (!detail && end.status !== undefined)
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
    if (status === undefined || status >= 500 || isThrottling(error) || isTransient(error)) {
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
    const listKey = `aws-batch/${batch}/jobs`;
    const scratch = this.plumbing.scratch;
    const ownDefinition = settings.jobDefinition !== undefined;
    let definition: string;
    try {
      definition = settings.jobDefinition ?? (await this.definitions.forImage(settings.image!));
    } catch (error) {
      return this.refuseOrThrow(error, 'RegisterJobDefinition', elements);
    }
    await writeJobList(
      scratch,
      listKey,
      elements.map((element) => element.map((job) => job.evalHash)),
    );
    // Written before SubmitJob: a scheduler killed at any point after it finds these jobs by name.
    this.ownNames.add(name);
    await Promise.all(
      elements.flatMap((element, index) =>
        element.map((job) =>
          scratch.put(
            recordKey(job.evalHash),
            json({
              name,
              batch,
              index: size > 1 ? index : undefined,
              size,
              queue: settings.queue,
              submittedAt,
            } satisfies BatchRecord),
          ),
        ),
      ),
    );
    const request = submitRequest(this.executor, this.options, {
      name,
      definition,
      ownDefinition,
      size,
      listKey,
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
    const write = scratch
      .put(`aws-batch/${batch}/job`, json({ name, jobId, size, queue: settings.queue, submittedAt }))
      .catch(() => undefined);
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    const handles = new Map<JobRequest, BatchHandle>();
    elements.forEach((element, index) => {
      for (const job of element) {
        const array = size > 1 ? { parent: jobId, index, size } : undefined;
        const handle: BatchHandle = {
          jobId: array ? `${jobId}:${index}` : jobId,
          array,
          evalHash: job.evalHash,
        };
        this.want(handle);
        handles.set(job, handle);
      }
    });
    return handles;
  }
}
