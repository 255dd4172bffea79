// A job as the fake AWS Batch keeps it, and how it looks in DescribeJobs and ListJobs answers; the retry
// strategy's evaluateOnExit rules as Batch applies them after a failed attempt.
import type { ChildProcess } from 'node:child_process';

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED']);
export const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];

export interface KeyValue {
  name: string;
  value: string;
}

export interface FakeDefinition {
  jobDefinitionName: string;
  jobDefinitionArn: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  type: string;
  parameters: Record<string, string>;
  containerProperties: Record<string, unknown> & {
    image: string;
    command?: string[];
    environment?: KeyValue[];
    resourceRequirements?: Array<{ type: string; value: string }>;
  };
  retryStrategy?: RetryStrategy | undefined;
  timeout?: { attemptDurationSeconds?: number } | undefined;
  tags?: Record<string, string> | undefined;
  propagateTags?: boolean | undefined;
  platformCapabilities?: string[] | undefined;
}

export interface RetryStrategy {
  attempts?: number;
  evaluateOnExit?: Array<{ onStatusReason?: string; onReason?: string; onExitCode?: string; action: string }>;
}

export interface Attempt {
  container: { exitCode?: number | undefined; reason?: string | undefined; logStreamName: string };
  startedAt: number;
  stoppedAt?: number | undefined;
  statusReason?: string | undefined;
}

export interface FakeJob {
  jobId: string;
  jobArn: string;
  jobName: string;
  jobQueue: string;
  status: string;
  statusReason?: string | undefined;
  createdAt: number;
  startedAt?: number | undefined;
  stoppedAt?: number | undefined;
  definition: FakeDefinition;
  parameters: Record<string, string>;
  command: string[];
  environment: KeyValue[];
  resourceRequirements: Array<{ type: string; value: string }>;
  retryStrategy?: RetryStrategy | undefined;
  attemptDurationSeconds?: number | undefined;
  tags: Record<string, string>;
  attempts: Attempt[];
  /** For a parent: its children; for a child: its parent and index. */
  children?: FakeJob[] | undefined;
  parent?: FakeJob | undefined;
  index?: number | undefined;
  process?: ChildProcess | undefined;
  /** Set by TerminateJob while the container still runs. */
  terminating?: string | undefined;
  isTerminated?: boolean | undefined;
  /** Set when the fake kills the host of a running job. */
  hostLost?: boolean | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/** Batch's glob: exact, or a prefix when the pattern ends with `*`; case-insensitive. */
export function globMatches(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  return p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : p === v;
}

/** RETRY or EXIT after a failed attempt: the first rule whose conditions all hold; none matching retries. */
export function retryAction(strategy: RetryStrategy | undefined, attempt: Attempt): 'RETRY' | 'EXIT' {
  for (const rule of strategy?.evaluateOnExit ?? []) {
    const holds =
      (rule.onStatusReason === undefined || globMatches(rule.onStatusReason, attempt.statusReason ?? '')) &&
      (rule.onReason === undefined || globMatches(rule.onReason, attempt.container.reason ?? '')) &&
      (rule.onExitCode === undefined ||
        (attempt.container.exitCode !== undefined &&
          globMatches(rule.onExitCode, String(attempt.container.exitCode))));
    if (holds) return rule.action.toUpperCase() === 'EXIT' ? 'EXIT' : 'RETRY';
  }
  return 'RETRY';
}

export function statusSummary(parent: FakeJob): Record<string, number> {
  const summary: Record<string, number> = Object.fromEntries(STATUSES.map((status) => [status, 0]));
  for (const child of parent.children ?? []) summary[child.status] = (summary[child.status] ?? 0) + 1;
  return summary;
}

function lastAttempt(job: FakeJob): Attempt | undefined {
  return job.attempts.at(-1);
}

/** The fields DescribeJobs and ListJobs both give. */
function identity(job: FakeJob): Record<string, unknown> {
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobId: job.jobId,
    status: job.status,
    statusReason: job.statusReason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    jobDefinition: job.definition.jobDefinitionArn,
    isTerminated: job.isTerminated,
  };
}

export function jobDetail(job: FakeJob): Record<string, unknown> {
  const attempt = lastAttempt(job);
  return {
    ...identity(job),
    jobQueue: job.jobQueue,
    parameters: job.parameters,
    retryStrategy: job.retryStrategy,
    timeout:
      job.attemptDurationSeconds === undefined
        ? undefined
        : { attemptDurationSeconds: job.attemptDurationSeconds },
    tags: job.tags,
    platformCapabilities: job.definition.platformCapabilities,
    attempts: job.attempts.map((a) => ({
      container: a.container,
      startedAt: a.startedAt,
      stoppedAt: a.stoppedAt,
      statusReason: a.statusReason,
    })),
    container: job.children
      ? undefined
      : {
          image: job.definition.containerProperties.image,
          command: job.command,
          environment: job.environment,
          resourceRequirements: job.resourceRequirements,
          exitCode: attempt?.container.exitCode,
          reason: attempt?.container.reason,
          logStreamName: attempt?.container.logStreamName,
        },
    arrayProperties: job.children
      ? {
          statusSummary: statusSummary(job),
          size: job.children.length,
          statusSummaryLastUpdatedAt: Date.now(),
        }
      : job.parent
        ? { index: job.index }
        : undefined,
  };
}

export function jobSummary(job: FakeJob): Record<string, unknown> {
  const attempt = lastAttempt(job);
  return {
    ...identity(job),
    container: attempt
      ? { exitCode: attempt.container.exitCode, reason: attempt.container.reason }
      : undefined,
    arrayProperties: job.children
      ? { size: job.children.length }
      : job.parent
        ? { index: job.index }
        : undefined,
  };
}
