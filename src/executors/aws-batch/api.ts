// The AWS Batch and CloudWatch Logs calls the executor makes, through the official SDK clients, which
// load only when an aws-batch executor starts. Every call is counted, and retried when AWS refuses it
// for its rate (with jittered backoff) or it fails on the way.
import type {
  JobDefinition,
  JobDetail,
  JobSummary,
  RegisterJobDefinitionRequest,
  SubmitJobRequest,
  SubmitJobResponse,
} from '@aws-sdk/client-batch';
import { ConfigError, ExecutorError } from '../../errors.ts';
import type { ExecutorLogger } from '../types.ts';
import { isMissingCredentials, missingCredentialsError } from './credentials.ts';
import { withRetries, type RetryPolicy } from '../remote/retry.ts';
import { classifyAwsError, isThrottling } from './retry.ts';

type BatchModule = typeof import('@aws-sdk/client-batch');
type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');

/** DescribeJobs takes at most this many job ids. */
export const DESCRIBE_BATCH = 100;

export interface BatchApiOptions {
  executor: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  logsEndpoint?: string | undefined;
  logger: ExecutorLogger;
  retry?: RetryPolicy | undefined;
}

interface Clients {
  batch: InstanceType<BatchModule['BatchClient']>;
  logs: InstanceType<LogsModule['CloudWatchLogsClient']>;
  sdk: BatchModule;
  logsSdk: LogsModule;
}

async function loadSdk(executor: string): Promise<{ sdk: BatchModule; logsSdk: LogsModule }> {
  try {
    const [sdk, logsSdk] = await Promise.all([
      import('@aws-sdk/client-batch'),
      import('@aws-sdk/client-cloudwatch-logs'),
    ]);
    return { sdk, logsSdk };
  } catch (error) {
    throw new ExecutorError(
      `executor ${executor} needs the packages @aws-sdk/client-batch and @aws-sdk/client-cloudwatch-logs`,
      { executor },
      {
        cause: error,
        hint: 'npm install @aws-sdk/client-batch @aws-sdk/client-cloudwatch-logs @aws-sdk/client-s3',
      },
    );
  }
}

/** The service's own words for a refused call: its error name and message. */
export function awsMessage(error: unknown): string {
  const named = error as { name?: unknown; message?: unknown };
  const name = typeof named?.name === 'string' ? named.name : 'Error';
  return `${name}: ${typeof named?.message === 'string' ? named.message : String(error)}`;
}

/** Every item of a paginated operation, following nextToken. */
async function allPages<T>(
  page: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; nextToken: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const reply = await page(nextToken);
    items.push(...(reply.items ?? []));
    nextToken = reply.nextToken;
  } while (nextToken);
  return items;
}

export class BatchApi {
  /** Requests sent, by operation (each retry counts). */
  readonly counts = new Map<string, number>();
  private readonly options: BatchApiOptions;
  private clients: Clients | undefined;
  private throttledWarned = false;

  constructor(options: BatchApiOptions) {
    this.options = options;
  }

  /** Loads the SDK and checks that a region and credentials are there, before anything is sent. */
  async start(): Promise<void> {
    const { executor, region, endpoint, logsEndpoint } = this.options;
    const { sdk, logsSdk } = await loadSdk(executor);
    // Retries are ours (withRetries): the SDK's own would multiply them.
    const common = { region, maxAttempts: 1 };
    const batch = new sdk.BatchClient({ ...common, endpoint });
    const logs = new logsSdk.CloudWatchLogsClient({ ...common, endpoint: logsEndpoint });
    try {
      await batch.config.region();
    } catch (error) {
      batch.destroy();
      logs.destroy();
      throw new ConfigError(
        `executor ${executor}: no AWS region (${(error as Error).message})`,
        { section: `executors.${executor}`, key: 'region' },
        { hint: 'set region = "us-east-1" (or your region) in the section, or AWS_REGION' },
      );
    }
    try {
      await batch.config.credentials();
    } catch (error) {
      batch.destroy();
      logs.destroy();
      throw isMissingCredentials(error) ? missingCredentialsError(executor, error, process.env) : error;
    }
    this.clients = { batch, logs, sdk, logsSdk };
  }

  close(): void {
    this.clients?.batch.destroy();
    this.clients?.logs.destroy();
    this.clients = undefined;
  }

  /** The requests sent so far, as `SubmitJob 1, DescribeJobs 12`. */
  summary(): string {
    return [...this.counts].map(([operation, count]) => `${operation} ${count}`).join(', ') || 'none';
  }

  private get c(): Clients {
    if (!this.clients) throw new ExecutorError(`executor ${this.options.executor} has not started`);
    return this.clients;
  }

  private send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return withRetries(
      () => {
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        return call();
      },
      {
        classify: classifyAwsError,
        policy: this.options.retry,
        onRetry: (error, attempt, delay) => {
          const line = `${operation} ${isThrottling(error) ? 'throttled' : 'failed'} (${awsMessage(error)}), try ${attempt + 1} in ${delay} ms`;
          // The first throttling is worth a warning; the rest would flood the terminal.
          if (isThrottling(error) && !this.throttledWarned) {
            this.throttledWarned = true;
            this.options.logger.warn(`AWS is throttling requests, backing off: ${line}`);
          } else this.options.logger.debug(line);
        },
      },
    );
  }

  async submitJob(input: SubmitJobRequest): Promise<SubmitJobResponse> {
    const { batch, sdk } = this.c;
    return this.send('SubmitJob', () => batch.send(new sdk.SubmitJobCommand(input)));
  }

  /** Details of up to DESCRIBE_BATCH jobs; jobs Batch no longer knows are left out. */
  async describeJobs(jobIds: string[]): Promise<JobDetail[]> {
    const { batch, sdk } = this.c;
    const reply = await this.send('DescribeJobs', () =>
      batch.send(new sdk.DescribeJobsCommand({ jobs: jobIds })),
    );
    return reply.jobs ?? [];
  }

  /** The queue's parent and single jobs named `name` (children are not listed), newest first. */
  listJobsByName(queue: string, name: string): Promise<JobSummary[]> {
    const { batch, sdk } = this.c;
    return allPages(async (nextToken) => {
      const reply = await this.send('ListJobs', () =>
        batch.send(
          new sdk.ListJobsCommand({
            jobQueue: queue,
            filters: [{ name: 'JOB_NAME', values: [name] }],
            maxResults: 100,
            nextToken,
          }),
        ),
      );
      return { items: reply.jobSummaryList, nextToken: reply.nextToken };
    });
  }

  async terminateJob(jobId: string, reason: string): Promise<void> {
    const { batch, sdk } = this.c;
    await this.send('TerminateJob', () => batch.send(new sdk.TerminateJobCommand({ jobId, reason })));
  }

  async registerJobDefinition(input: RegisterJobDefinitionRequest): Promise<string> {
    const { batch, sdk } = this.c;
    const reply = await this.send('RegisterJobDefinition', () =>
      batch.send(new sdk.RegisterJobDefinitionCommand(input)),
    );
    return reply.jobDefinitionArn ?? `${reply.jobDefinitionName}:${reply.revision}`;
  }

  /** The active revisions of the job definition `name`. */
  describeJobDefinitions(name: string): Promise<JobDefinition[]> {
    const { batch, sdk } = this.c;
    return allPages(async (nextToken) => {
      const reply = await this.send('DescribeJobDefinitions', () =>
        batch.send(
          new sdk.DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE', nextToken }),
        ),
      );
      return { items: reply.jobDefinitions, nextToken: reply.nextToken };
    });
  }

  /** The last `lines` lines a job wrote to its log stream; empty when there are none to read. */
  async logTail(group: string, stream: string, lines: number): Promise<string> {
    const { logs, logsSdk } = this.c;
    try {
      const reply = await this.send('GetLogEvents', () =>
        logs.send(
          new logsSdk.GetLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            startFromHead: false,
            limit: lines,
          }),
        ),
      );
      return (reply.events ?? []).map((event) => (event.message ?? '').replace(/\n$/, '')).join('\n');
    } catch (error) {
      this.options.logger.debug(`no log tail from ${group}/${stream}: ${awsMessage(error)}`);
      return '';
    }
  }
}
