// The options of a `type = "aws-batch"` executor section, and the Batch keys a task may override.
import { z } from 'zod';
import { isSecretKey, optionsValidator, type OptionShape } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { REMOTE_SHAPE, resolveRemoteSection, taskString, type RemoteOptions } from '../remote/options.ts';
import type { ExecutorOptionsValidator, JobRequest } from '../types.ts';

const list = z.array(z.string().min(1));
const table = z.record(z.string().min(1), z.string());
/** Batch's own bounds: an array job has 2 to 10,000 children. */
export const MAX_ARRAY_SIZE = 10_000;
/** Job names are at most 128 characters; the prefix leaves room for `-array-<batch>` and `-<eval hash>`. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
/** Environment names that carry AWS credentials: the job gets its credentials from `role` instead. */
const CREDENTIAL_ENV = /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN)$/;

export const AWS_BATCH_SHAPE = {
  ...REMOTE_SHAPE,
  queue: z.string().min(1).describe('the name or ARN of a job queue, e.g. "baton-queue"'),
  image: z
    .string()
    .min(1)
    .optional()
    .describe('an image with Node and Baton, e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"'),
  job_definition: z
    .string()
    .min(1)
    .optional()
    .describe('a job definition name, name:revision or ARN (Baton registers its own when not set)'),
  role: z.string().startsWith('arn:').optional().describe('the ARN of an IAM role the jobs run as'),
  execution_role: z
    .string()
    .startsWith('arn:')
    .optional()
    .describe('the ARN of the IAM role ECS pulls images and writes logs with'),
  platform: z.enum(['EC2', 'FARGATE']).default('EC2').describe('"EC2" or "FARGATE"'),
  region: z.string().min(1).optional().describe('an AWS region such as "us-east-1"'),
  endpoint: z.url().optional().describe('the URL of the Batch API, e.g. "http://127.0.0.1:4566"'),
  logs_endpoint: z.url().optional().describe('the URL of the CloudWatch Logs API'),
  job_name_prefix: z
    .string()
    .regex(PREFIX)
    .default('baton')
    .describe('1 to 40 letters, digits, - and _, starting with a letter or digit'),
  tags: table.default({}).describe('a table of tag names and values'),
  env: table.default({}).describe('a table of environment variables for the jobs'),
  secrets: table
    .default({})
    .describe('a table of environment variable names and the ARNs of the secrets or parameters they hold'),
  baton_command: list
    .min(1)
    .default(['baton'])
    .describe('the command that runs Baton in the image, as a list, e.g. ["npx", "--no-install", "baton"]'),
  code_cache: z.string().min(1).default('/tmp/baton-code').describe('a folder path inside the container'),
  log_group: z.string().min(1).default('/aws/batch/job').describe('a CloudWatch Logs group name'),
  max_array_size: z
    .int()
    .min(1)
    .max(MAX_ARRAY_SIZE)
    .default(MAX_ARRAY_SIZE)
    .describe('a whole number from 1 to 10000 (1 submits every job on its own)'),
  calls_per_element: z
    .int()
    .min(1)
    .max(100_000)
    .default(1)
    .describe('a whole number >= 1 (1 runs every call in a Batch job of its own)'),
  poll_interval: z
    .number()
    .min(0.05)
    .max(600)
    .default(5)
    .describe('seconds between two status reads while one job runs, a number from 0.05 to 600'),
  max_poll_interval: z
    .number()
    .min(0.05)
    .max(3600)
    .default(120)
    .describe('the longest wait between two status reads in seconds, a number from 0.05 to 3600'),
} satisfies OptionShape;

export interface AwsBatchOptions extends RemoteOptions {
  /** The job queue every job goes to. */
  queue: string;
  /** The image of the job definition Baton registers; it must have Node and Baton. Required without `job_definition`. */
  image?: string | undefined;
  /** A job definition of your own: its image runs Baton's command (sent as a container override). @default one Baton registers */
  job_definition?: string | undefined;
  /** IAM role the jobs run as (`jobRoleArn`): it needs the scratch bucket. @default none */
  role?: string | undefined;
  /** IAM role ECS uses to pull the image and write logs (`executionRoleArn`); Fargate needs one. @default none */
  execution_role?: string | undefined;
  /** What the compute environments of the queue run on. @default "EC2" */
  platform: 'EC2' | 'FARGATE';
  /** @default AWS_REGION, AWS_DEFAULT_REGION or the shared config file */
  region?: string | undefined;
  /** Batch API endpoint. @default AWS's for the region */
  endpoint?: string | undefined;
  /** CloudWatch Logs API endpoint. @default AWS's for the region */
  logs_endpoint?: string | undefined;
  /** Names of jobs and registered job definitions start with it. @default "baton" */
  job_name_prefix: string;
  /** Tags of every job and of the job definition Baton registers (propagated to the ECS tasks). @default {} */
  tags: Record<string, string>;
  /** Environment of the jobs, written into the job definition: no secrets. @default {} */
  env: Record<string, string>;
  /** Environment variables filled from Secrets Manager or SSM Parameter Store, by ARN. @default {} */
  secrets: Record<string, string>;
  /** How the image starts Baton; `oneshot ...` is appended. @default ["baton"] */
  baton_command: string[];
  /** Folder inside the container where code packages are extracted. @default "/tmp/baton-code" */
  code_cache: string;
  /** The log group the jobs write to, read for the output tail of a failed job. @default "/aws/batch/job" */
  log_group: string;
  /** Most children of one array job. @default 10000 */
  max_array_size: number;
  /** Calls one Batch job runs one after another in one process (calls with a time limit run alone). @default 1 */
  calls_per_element: number;
  /**
   * Seconds between two status reads while one job runs; it grows with the square root of the jobs in
   * flight, and doubles after each read in which nothing started or ended. @default 5
   */
  poll_interval: number;
  /** The longest wait between two status reads, in seconds. @default 120 */
  max_poll_interval: number;
}

const checkShape = optionsValidator(AWS_BATCH_SHAPE);

/** The shape's checks, then the ones across keys: an image or a job definition, no secrets in `env`. */
export const validateAwsBatchOptions: ExecutorOptionsValidator = (options) => {
  const result = checkShape(options);
  if (!result.ok) return result;
  const value = result.value as unknown as AwsBatchOptions;
  const issues: Array<{ key: string; message: string }> = [];
  if (value.image === undefined && value.job_definition === undefined) {
    issues.push({
      key: 'image',
      message: 'missing; set image (Baton registers a job definition) or job_definition',
    });
  }
  if (value.scratch === undefined || !value.scratch.startsWith('s3://')) {
    issues.push({
      key: 'scratch',
      message: `missing; AWS Batch jobs reach their scratch through S3, so set e.g. scratch = "s3://bucket/baton"${value.scratch === undefined ? '' : `, not ${JSON.stringify(value.scratch)}`}`,
    });
  }
  for (const name of Object.keys(value.env)) {
    if (CREDENTIAL_ENV.test(name) || isSecretKey(name)) {
      issues.push({
        key: 'env',
        message: `${name} looks like a secret, and env is written into the job definition for anyone to read; put it in secrets (an ARN) or give the jobs a role`,
      });
    }
  }
  if (
    value.platform === 'FARGATE' &&
    value.execution_role === undefined &&
    value.job_definition === undefined
  ) {
    issues.push({ key: 'execution_role', message: 'missing; Fargate jobs need an execution role ARN' });
  }
  return issues.length > 0 ? { ok: false, issues } : result;
};

/** The options of one section, or a ConfigError naming the first bad key. */
export function resolveAwsBatchOptions(name: string, section: Record<string, unknown>): AwsBatchOptions {
  return resolveRemoteSection<AwsBatchOptions>(name, section, AWS_BATCH_SHAPE, validateAwsBatchOptions);
}

/** The Batch settings of one job: the section's, with the task's own `queue`, `image`, ... on top. */
export interface BatchJobSettings {
  queue: string;
  image: string | undefined;
  jobDefinition: string | undefined;
  tags: Record<string, string>;
  vcpus: number | undefined;
  /** GiB. */
  memory: number | undefined;
  gpus: number | undefined;
  /** Seconds. */
  timeLimit: number | undefined;
  /** Retries the task allows; Batch retries a lost host as often. */
  retries: number;
}

function taskTags(job: JobRequest, fallback: Record<string, string>): Record<string, string> {
  const value = job.options.extra.tags;
  if (value === undefined) return fallback;
  if (typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string'))
    return { ...fallback, ...(value as Record<string, string>) };
  throw new ConfigError(
    `task ${job.task.name}: option 'tags' must be a table of strings, got ${JSON.stringify(value)}`,
    { key: 'tags' },
    { hint: 'write e.g. { tags: { project: "atlas" } } in the task\'s options' },
  );
}

/** Merges a job's task options over the section; a ConfigError names a task option of the wrong type. */
export function jobSettings(options: AwsBatchOptions, job: JobRequest): BatchJobSettings {
  const jobDefinition = taskString(job, 'job_definition', options.job_definition);
  const image = taskString(job, 'image', options.image);
  if (options.platform === 'FARGATE' && job.options.gpus) {
    throw new ConfigError(
      `task ${job.task.name}: Fargate jobs cannot have GPUs (gpus = ${job.options.gpus})`,
      {
        key: 'gpus',
      },
    );
  }
  return {
    queue: taskString(job, 'queue', options.queue)!,
    // A task's own image wins over the section's job definition: Baton registers one for it.
    image,
    jobDefinition: job.options.extra.image !== undefined ? undefined : jobDefinition,
    tags: taskTags(job, options.tags),
    vcpus: job.options.vcpus,
    memory: job.options.memory,
    gpus: job.options.gpus,
    timeLimit: job.options.timeLimit,
    retries: job.options.retries.attempts,
  };
}
