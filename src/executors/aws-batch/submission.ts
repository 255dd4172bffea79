// The SubmitJob request of one batch of calls: a single job, or an array job whose child i runs line i
// of a list in scratch. Task options become resource requirements, a timeout and a retry strategy.
import type { ResourceRequirement, RetryStrategy, SubmitJobRequest } from '@aws-sdk/client-batch';
import { oneshotCommand, scratchEnv } from './definitions.ts';
import type { AwsBatchOptions, BatchJobSettings } from './options.ts';

/** Batch refuses a shorter attemptDurationSeconds. */
export const MIN_ATTEMPT_SECONDS = 60;
/** Batch's most attempts in a retry strategy. */
const MAX_ATTEMPTS = 10;

/** The job name of a call submitted on its own, by which a restarted scheduler finds it. */
export function singleJobName(prefix: string, evalHash: string): string {
  return `${prefix}-${evalHash}`;
}

export function arrayJobName(prefix: string, batch: string): string {
  return `${prefix}-array-${batch}`;
}

/** The resources a job asks for; unset ones come from the job definition. */
export function resourceRequirements(
  settings: BatchJobSettings,
  platform: AwsBatchOptions['platform'],
): ResourceRequirement[] {
  const requirements: ResourceRequirement[] = [];
  if (settings.vcpus !== undefined) {
    // EC2 counts whole vCPUs; Fargate takes 0.25, 0.5, 1, 2, ...
    const vcpus = platform === 'EC2' ? Math.ceil(settings.vcpus) : settings.vcpus;
    requirements.push({ type: 'VCPU', value: String(vcpus) });
  }
  if (settings.memory !== undefined)
    requirements.push({ type: 'MEMORY', value: String(Math.ceil(settings.memory * 1024)) });
  if (settings.gpus !== undefined && settings.gpus > 0)
    requirements.push({ type: 'GPU', value: String(Math.ceil(settings.gpus)) });
  return requirements;
}

/**
 * Batch tries a job again on its own only when its host went away (a Spot reclaim, a failed instance):
 * a task's own failure ends the job, and the scheduler applies the task's retry policy to it.
 */
export function retryStrategy(retries: number): RetryStrategy {
  return {
    attempts: Math.min(MAX_ATTEMPTS, retries + 1),
    evaluateOnExit: [
      { onStatusReason: 'Host EC2*', action: 'RETRY' },
      { onStatusReason: '*', action: 'EXIT' },
    ],
  };
}

/** Batch's timeout for a job with a time limit: whole seconds, never below Batch's minimum of 60. */
export function attemptSeconds(timeLimit: number): number {
  return Math.max(MIN_ATTEMPT_SECONDS, Math.ceil(timeLimit));
}

/** Tag values allow letters, digits, spaces and `+ - = . _ : / @`, up to 256 characters. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, 256);
}

export interface SubmissionParts {
  name: string;
  /** The job definition's ARN, name or name:revision. */
  definition: string;
  /** True for a definition of the user's own: Baton's command goes in as an override. */
  ownDefinition: boolean;
  /** Children of the array job; 1 for a single job. */
  size: number;
  listKey: string;
  scratch: string;
  task: string;
  settings: BatchJobSettings;
}

export function submitRequest(
  executor: string,
  options: AwsBatchOptions,
  parts: SubmissionParts,
): SubmitJobRequest {
  const { settings } = parts;
  const overrides: NonNullable<SubmitJobRequest['containerOverrides']> = {
    resourceRequirements: resourceRequirements(settings, options.platform),
  };
  if (parts.ownDefinition) {
    overrides.command = oneshotCommand(options, parts.scratch, parts.listKey);
    const env = scratchEnv(options);
    overrides.environment = Object.keys(env).map((name) => ({ name, value: env[name]! }));
  }
  return {
    jobName: parts.name,
    jobQueue: settings.queue,
    jobDefinition: parts.definition,
    arrayProperties: parts.size >= 2 ? { size: parts.size } : undefined,
    parameters: parts.ownDefinition ? undefined : { list: parts.listKey },
    containerOverrides: overrides,
    retryStrategy: retryStrategy(settings.retries),
    timeout:
      settings.timeLimit === undefined
        ? undefined
        : { attemptDurationSeconds: attemptSeconds(settings.timeLimit) },
    tags: { ...settings.tags, 'baton:executor': tagValue(executor), 'baton:task': tagValue(parts.task) },
    propagateTags: true,
  };
}
