// The fake AWS Batch service: job definitions, one queue per name, jobs that move SUBMITTED → RUNNABLE →
// STARTING → RUNNING → SUCCEEDED | FAILED as a local compute environment runs them (at most `slots` at a
// time, in submission and index order), array jobs whose parent sums its children up, retry strategies
// with evaluateOnExit, attempt timeouts, TerminateJob. Inputs are checked as Batch checks them.
import { randomUUID } from 'node:crypto';
import { fillParameters, startContainer } from './compute.ts';
import {
  jobDetail,
  jobSummary,
  retryAction,
  TERMINAL,
  globMatches,
  type FakeDefinition,
  type FakeJob,
  type KeyValue,
} from './jobs.ts';
import { AwsApiError, type FakeLogs } from './logs.ts';

export interface FakeBatchOptions {
  queues: string[];
  /** Containers that run at once (the compute environment's size). */
  slots: number;
  /** What every container gets from its host: PATH, and the credentials a job role would give. */
  hostEnv: NodeJS.ProcessEnv;
  cwd: string;
  logs: FakeLogs;
  /** Milliseconds per second of attemptDurationSeconds: 1000 keeps Batch's time. */
  msPerSecond: number;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';
const clientError = (message: string) => new AwsApiError('ClientException', message);

type Input = Record<string, unknown>;

function str(input: Input, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw clientError(`${key} is required`);
  return value;
}

/** Resource requirements with the later list's entries replacing the earlier's of the same type. */
function mergeRequirements(
  ...lists: Array<Array<{ type: string; value: string }> | undefined>
): Array<{ type: string; value: string }> {
  const byType = new Map<string, string>();
  for (const list of lists) for (const { type, value } of list ?? []) byType.set(type, value);
  return [...byType].map(([type, value]) => ({ type, value }));
}

function mergeEnv(...lists: Array<KeyValue[] | undefined>): KeyValue[] {
  const byName = new Map<string, string>();
  for (const list of lists) for (const { name, value } of list ?? []) byName.set(name, value);
  return [...byName].map(([name, value]) => ({ name, value }));
}

export class FakeBatch {
  readonly jobs = new Map<string, FakeJob>();
  readonly definitions = new Map<string, FakeDefinition[]>();
  /** SubmitJob calls that created a job. */
  submissions = 0;
  private readonly options: FakeBatchOptions;
  private readonly runnable: FakeJob[] = [];
  private running = 0;
  private stopped = false;

  constructor(options: FakeBatchOptions) {
    this.options = options;
  }

  // --- operations -------------------------------------------------------------------------------

  registerJobDefinition(input: Input): Input {
    const name = str(input, 'jobDefinitionName');
    if (!NAME.test(name)) throw clientError(`jobDefinitionName '${name}' is not valid`);
    if (input.type !== 'container') throw clientError('type must be container');
    const container = input.containerProperties as FakeDefinition['containerProperties'] | undefined;
    if (!container?.image) throw clientError('containerProperties.image is required');
    const revisions = this.definitions.get(name) ?? [];
    const revision = revisions.length + 1;
    const definition: FakeDefinition = {
      jobDefinitionName: name,
      jobDefinitionArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${name}:${revision}`,
      revision,
      status: 'ACTIVE',
      type: 'container',
      parameters: (input.parameters as Record<string, string> | undefined) ?? {},
      containerProperties: container,
      retryStrategy: input.retryStrategy as FakeDefinition['retryStrategy'],
      timeout: input.timeout as FakeDefinition['timeout'],
      tags: input.tags as Record<string, string> | undefined,
      propagateTags: input.propagateTags as boolean | undefined,
      platformCapabilities: (input.platformCapabilities as string[] | undefined) ?? ['EC2'],
    };
    revisions.push(definition);
    this.definitions.set(name, revisions);
    return { jobDefinitionName: name, jobDefinitionArn: definition.jobDefinitionArn, revision };
  }

  describeJobDefinitions(input: Input): Input {
    const name = input.jobDefinitionName as string | undefined;
    const status = input.status as string | undefined;
    const wanted = input.jobDefinitions as string[] | undefined;
    const all = [...this.definitions.values()]
      .flat()
      .filter(
        (d) =>
          (name === undefined || d.jobDefinitionName === name) &&
          (status === undefined || d.status === status) &&
          (wanted === undefined || wanted.some((w) => this.resolveDefinition(w) === d)),
      );
    return { jobDefinitions: all };
  }

  submitJob(input: Input): Input {
    const jobName = str(input, 'jobName');
    if (!NAME.test(jobName))
      throw clientError(`jobName '${jobName}' is not valid: up to 128 letters, digits, - and _`);
    const jobQueue = str(input, 'jobQueue');
    if (!this.options.queues.includes(jobQueue)) throw clientError(`JobQueue ${jobQueue} not found`);
    const definition = this.resolveDefinition(str(input, 'jobDefinition'));
    if (!definition)
      throw clientError(`Job definition ${String(input.jobDefinition)} not found or not ACTIVE`);
    const size = (input.arrayProperties as { size?: number } | undefined)?.size;
    if (size !== undefined && (!Number.isInteger(size) || size < 2 || size > 10_000))
      throw clientError('arrayProperties.size must be between 2 and 10000');
    const timeout = (input.timeout as { attemptDurationSeconds?: number } | undefined) ?? definition.timeout;
    if (timeout?.attemptDurationSeconds !== undefined && timeout.attemptDurationSeconds < 60)
      throw clientError('timeout.attemptDurationSeconds must be at least 60 seconds');
    const retryStrategy = (input.retryStrategy as FakeJob['retryStrategy']) ?? definition.retryStrategy;
    const attempts = retryStrategy?.attempts;
    if (attempts !== undefined && (attempts < 1 || attempts > 10))
      throw clientError('retryStrategy.attempts must be 1 to 10');
    if ((retryStrategy?.evaluateOnExit?.length ?? 0) > 5)
      throw clientError('evaluateOnExit takes at most 5 conditions');
    const overrides = (input.containerOverrides as Input | undefined) ?? {};
    const resourceRequirements = mergeRequirements(
      definition.containerProperties.resourceRequirements,
      overrides.resourceRequirements as Array<{ type: string; value: string }> | undefined,
    );
    for (const type of ['VCPU', 'MEMORY'])
      if (!resourceRequirements.some((r) => r.type === type))
        throw clientError(`resourceRequirements need ${type}`);
    for (const { type, value } of resourceRequirements)
      if (!['VCPU', 'MEMORY', 'GPU'].includes(type) || !/^\d+(\.\d+)?$/.test(value))
        throw clientError(`resourceRequirements ${type}=${value} is not valid`);
    const parameters = {
      ...definition.parameters,
      ...(input.parameters as Record<string, string> | undefined),
    };
    const command =
      (overrides.command as string[] | undefined) ?? definition.containerProperties.command ?? [];
    const tags = {
      ...(definition.propagateTags ? definition.tags : {}),
      ...(input.tags as Record<string, string> | undefined),
    };
    const base = {
      jobName,
      jobQueue,
      createdAt: Date.now(),
      definition,
      parameters,
      command: fillParameters(command, parameters),
      environment: mergeEnv(
        definition.containerProperties.environment,
        overrides.environment as KeyValue[] | undefined,
      ),
      resourceRequirements,
      retryStrategy,
      attemptDurationSeconds: timeout?.attemptDurationSeconds,
      tags,
    };
    const jobId = randomUUID();
    const job: FakeJob = {
      ...base,
      jobId,
      jobArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job/${jobId}`,
      status: 'SUBMITTED',
      attempts: [],
    };
    this.jobs.set(jobId, job);
    if (size !== undefined) {
      job.children = Array.from({ length: size }, (_, index) => {
        const child: FakeJob = {
          ...base,
          jobId: `${jobId}:${index}`,
          jobArn: `${job.jobArn}:${index}`,
          status: 'SUBMITTED',
          attempts: [],
          parent: job,
          index,
        };
        this.jobs.set(child.jobId, child);
        return child;
      });
    }
    this.submissions++;
    setTimeout(() => this.schedule(job), 5);
    return { jobArn: job.jobArn, jobName, jobId };
  }

  describeJobs(input: Input): Input {
    const ids = input.jobs;
    if (!Array.isArray(ids)) throw clientError('jobs is required');
    if (ids.length > 100) throw clientError('jobs: a request may describe at most 100 jobs');
    return {
      jobs: ids
        .map((id) => this.jobs.get(String(id)))
        .filter((job) => job !== undefined)
        .map(jobDetail),
    };
  }

  listJobs(input: Input): Input {
    const given = ['jobQueue', 'arrayJobId', 'multiNodeJobId'].filter((key) => input[key] !== undefined);
    if (given.length !== 1)
      throw clientError('specify exactly one of jobQueue, arrayJobId and multiNodeJobId');
    const filters = input.filters as Array<{ name?: string; values?: string[] }> | undefined;
    if (filters && filters.length > 1) throw clientError('only one filter can be used at a time');
    const filter = filters?.[0];
    const limit = (input.maxResults as number | undefined) ?? (filter ? 100 : 1000);
    if (limit < 1 || limit > (filter ? 100 : 1000)) throw clientError(`maxResults out of range: ${limit}`);
    let jobs: FakeJob[];
    if (input.arrayJobId !== undefined) {
      const parent = this.jobs.get(String(input.arrayJobId));
      jobs = (parent?.children ?? []).filter(
        (child) => child.status === ((input.jobStatus as string | undefined) ?? 'RUNNING'),
      );
    } else {
      const inQueue = [...this.jobs.values()].filter((job) => !job.parent && job.jobQueue === input.jobQueue);
      if (filter) {
        if (filter.name !== 'JOB_NAME')
          throw clientError(`filter ${filter.name} is not supported by this fake`);
        const pattern = filter.values?.[0] ?? '';
        jobs = inQueue.filter((job) => globMatches(pattern, job.jobName));
      } else
        jobs = inQueue.filter((job) => job.status === ((input.jobStatus as string | undefined) ?? 'RUNNING'));
      jobs.sort((a, b) => b.createdAt - a.createdAt);
    }
    const offset =
      typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
    const page = jobs.slice(offset, offset + limit);
    const next =
      offset + limit < jobs.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined;
    return { jobSummaryList: page.map(jobSummary), nextToken: next };
  }

  terminateJob(input: Input): Input {
    const job = this.jobs.get(str(input, 'jobId'));
    const reason = str(input, 'reason');
    if (!job) throw clientError(`Job ${String(input.jobId)} not found`);
    for (const target of job.children ?? [job]) this.terminateOne(target, reason);
    return {};
  }

  // --- knobs for tests ---------------------------------------------------------------------------

  /** The running job's EC2 host goes away: its container dies and Batch says so in statusReason. */
  loseHost(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job?.process) throw new Error(`job ${jobId} is not running`);
    job.hostLost = true;
    job.process.kill('SIGKILL');
  }

  /** The running job reaches its attemptDurationSeconds now, and Batch stops it. */
  expire(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job?.process) throw new Error(`job ${jobId} is not running`);
    job.terminating ??= TIMEOUT_REASON;
    job.process.kill('SIGKILL');
  }

  /** Kills every container and stops starting new ones. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) {
      clearTimeout(job.timer);
      job.process?.kill('SIGKILL');
    }
  }

  // --- life of a job -----------------------------------------------------------------------------

  private resolveDefinition(reference: string): FakeDefinition | undefined {
    const match = /^(?:arn:aws:batch:[^:]+:\d+:job-definition\/)?([^:]+)(?::(\d+))?$/.exec(reference);
    if (!match) return undefined;
    const revisions = (this.definitions.get(match[1]!) ?? []).filter((d) => d.status === 'ACTIVE');
    return match[2] ? revisions.find((d) => d.revision === Number(match[2])) : revisions.at(-1);
  }

  private setStatus(job: FakeJob, status: string): void {
    job.status = status;
    if (job.parent) this.updateParent(job.parent);
  }

  private updateParent(parent: FakeJob): void {
    const children = parent.children!;
    if (children.every((child) => TERMINAL.has(child.status))) {
      if (TERMINAL.has(parent.status)) return;
      const failed = children.some((child) => child.status === 'FAILED');
      parent.status = failed ? 'FAILED' : 'SUCCEEDED';
      parent.statusReason = failed ? 'Array Child Job failed' : undefined;
      parent.stoppedAt = Date.now();
    } else if (parent.status === 'SUBMITTED' && children.some((child) => child.status !== 'SUBMITTED')) {
      parent.status = 'PENDING';
    }
  }

  private schedule(job: FakeJob): void {
    for (const target of job.children ?? [job]) {
      if (target.status !== 'SUBMITTED') continue;
      this.setStatus(target, 'RUNNABLE');
      this.runnable.push(target);
    }
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.slots && this.runnable.length > 0) {
      const job = this.runnable.shift()!;
      if (job.status === 'RUNNABLE') this.start(job);
    }
  }

  private start(job: FakeJob): void {
    this.running++;
    this.setStatus(job, 'STARTING');
    const run = startContainer(job, {
      hostEnv: this.options.hostEnv,
      cwd: this.options.cwd,
      logs: this.options.logs,
      onExit: (code, signal) => this.exited(job, code, signal),
    });
    job.process = run.process;
    const attempt = { container: { logStreamName: run.logStreamName }, startedAt: Date.now() };
    job.attempts.push(attempt);
    run.process.once('spawn', () => {
      if (job.status !== 'STARTING') return;
      job.startedAt ??= attempt.startedAt;
      this.setStatus(job, 'RUNNING');
    });
    if (job.attemptDurationSeconds !== undefined) {
      job.timer = setTimeout(() => {
        job.terminating ??= TIMEOUT_REASON;
        job.process?.kill('SIGKILL');
      }, job.attemptDurationSeconds * this.options.msPerSecond);
    }
  }

  private exited(job: FakeJob, code: number | null, signal: string | null): void {
    this.running--;
    clearTimeout(job.timer);
    job.process = undefined;
    const attempt = job.attempts.at(-1)!;
    attempt.stoppedAt = Date.now();
    attempt.container.exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
    if (job.hostLost) {
      job.hostLost = false;
      attempt.statusReason = 'Host EC2 (instance i-0fake0000000000001) terminated.';
      attempt.container.reason = 'Host EC2 (instance i-0fake0000000000001) terminated.';
    } else if (job.terminating) {
      attempt.statusReason = job.terminating;
      if (job.terminating !== TIMEOUT_REASON) job.isTerminated = true;
    } else if (attempt.container.exitCode !== 0) attempt.statusReason = 'Essential container in task exited';
    if (attempt.container.exitCode === 0 && !job.terminating)
      this.finish(job, 'SUCCEEDED', 'Essential container in task exited');
    else if (
      !job.isTerminated &&
      job.attempts.length < (job.retryStrategy?.attempts ?? 1) &&
      retryAction(job.retryStrategy, attempt) === 'RETRY'
    ) {
      job.terminating = undefined;
      this.setStatus(job, 'RUNNABLE');
      this.runnable.push(job);
    } else this.finish(job, 'FAILED', attempt.statusReason);
    this.pump();
  }

  private finish(job: FakeJob, status: 'SUCCEEDED' | 'FAILED', reason: string | undefined): void {
    job.statusReason = reason;
    job.stoppedAt = Date.now();
    this.setStatus(job, status);
  }

  private terminateOne(job: FakeJob, reason: string): void {
    if (TERMINAL.has(job.status)) return;
    if (job.process) {
      job.terminating = reason;
      job.process.kill('SIGKILL');
      return;
    }
    job.isTerminated = true;
    this.finish(job, 'FAILED', reason);
  }
}
