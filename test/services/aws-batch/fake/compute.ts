// The fake's compute environment: a job's container is a local process running the job's command (the
// definition's, or the submission's override, with Ref:: parameters filled in), with the environment
// Batch gives a container, its stdout and stderr going line by line to its CloudWatch log stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { FakeLogs } from './logs.ts';
import type { FakeJob } from './jobs.ts';

export const LOG_GROUP = '/aws/batch/job';
export const COMPUTE_ENVIRONMENT = 'fake-ce';

/** The command with `Ref::name` arguments replaced by the job's parameters (unknown ones stay as they are). */
export function fillParameters(command: string[], parameters: Record<string, string>): string[] {
  return command.map((arg) => {
    const match = /^Ref::([A-Za-z0-9_-]+)$/.exec(arg);
    return match && parameters[match[1]!] !== undefined ? parameters[match[1]!]! : arg;
  });
}

export interface ContainerRun {
  process: ChildProcess;
  logStreamName: string;
  logGroup: string;
}

/** The log group the job's definition names (awslogs driver), else Batch's default. */
function logGroupOf(job: FakeJob): string {
  const config = job.definition.containerProperties.logConfiguration as
    { logDriver?: string; options?: Record<string, string> } | undefined;
  return config?.options?.['awslogs-group'] ?? LOG_GROUP;
}

/**
 * Starts the container of `job`'s next attempt: `hostEnv` is what every container on the host gets
 * (PATH, and the credentials a job role would give), under the definition's and the override's env.
 */
export function startContainer(
  job: FakeJob,
  parts: {
    hostEnv: NodeJS.ProcessEnv;
    cwd: string;
    logs: FakeLogs;
    onExit: (code: number | null, signal: string | null) => void;
  },
): ContainerRun {
  const logStreamName = `${job.definition.jobDefinitionName}/default/${randomBytes(16).toString('hex')}`;
  const logGroup = logGroupOf(job);
  const env: NodeJS.ProcessEnv = { ...parts.hostEnv };
  for (const { name, value } of job.environment) env[name] = value;
  env.AWS_BATCH_JOB_ID = job.jobId;
  env.AWS_BATCH_JOB_ATTEMPT = String(job.attempts.length + 1);
  env.AWS_BATCH_JQ_NAME = job.jobQueue;
  env.AWS_BATCH_CE_NAME = COMPUTE_ENVIRONMENT;
  if (job.parent) env.AWS_BATCH_JOB_ARRAY_INDEX = String(job.index);
  const [file, ...args] = job.command;
  const child = spawn(file!, args, { cwd: parts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => parts.logs.append(logGroup, logStreamName, line));
  }
  let exited = false;
  const exit = (code: number | null, signal: string | null) => {
    if (exited) return;
    exited = true;
    parts.onExit(code, signal);
  };
  child.on('error', (error) => {
    parts.logs.append(logGroup, logStreamName, `CannotStartContainerError: ${error.message}`);
    exit(127, null);
  });
  child.on('close', (code, signal) => exit(code, signal));
  return { process: child, logStreamName, logGroup };
}
