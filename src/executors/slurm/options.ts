// The options of a `type = "slurm"` executor section, and the Slurm keys a task may override.
import { z } from 'zod';
import { optionsValidator, type OptionShape } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { REMOTE_SHAPE, resolveRemoteSection, taskString, type RemoteOptions } from '../remote/options.ts';
import type { JobRequest } from '../types.ts';

const list = z.array(z.string().min(1));

export const SLURM_SHAPE = {
  ...REMOTE_SHAPE,
  partition: z.string().min(1).optional().describe('a partition name such as "debug"'),
  account: z.string().min(1).optional().describe('an account name'),
  qos: z.string().min(1).optional().describe('a quality of service name'),
  sbatch_args: list.default([]).describe('a list of extra sbatch arguments, e.g. ["--constraint=avx2"]'),
  setup: z
    .array(z.string())
    .default([])
    .describe('a list of shell lines run before each job, e.g. ["module load nodejs/24"]'),
  max_array_size: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe('a whole number >= 1 (1 submits every job on its own)'),
  calls_per_element: z
    .union([z.literal('auto'), z.int().min(1).max(100_000)])
    .default('auto')
    .describe('"auto" or a whole number >= 1 (1 runs every call in an array element of its own)'),
  baton_command: list
    .min(1)
    .default(['baton'])
    .describe(
      'the command that runs Baton on the nodes, as a list, e.g. ["node", "/opt/baton/bin/baton.js"]',
    ),
  code_cache: z.string().min(1).optional().describe('a folder path the nodes can write'),
  poll_interval: z
    .number()
    .min(0.05)
    .max(600)
    .default(1)
    .describe('seconds between two squeue calls, a number from 0.05 to 600'),
} satisfies OptionShape;

export interface SlurmOptions extends RemoteOptions {
  /** `--partition` of every job. @default the cluster's default partition */
  partition?: string | undefined;
  /** `--account` of every job. @default the user's default account */
  account?: string | undefined;
  /** `--qos` of every job. @default the account's default QOS */
  qos?: string | undefined;
  /** Extra arguments for `sbatch`, after the ones Baton writes (so they win). @default [] */
  sbatch_args: string[];
  /** Shell lines the job script runs before Baton (`module load ...`, `source venv/bin/activate`). @default [] */
  setup: string[];
  /** Most jobs in one array job; calls of one task with the same options that arrive together share one. @default 1000 */
  max_array_size: number;
  /**
   * Calls one array element runs one after another in one process, so that short calls do not each
   * pay for a job and a Node start. `"auto"` packs only a burst larger than twice the CPUs of the
   * partition, into that many elements, and never packs calls with a time limit.
   * @default "auto"
   */
  calls_per_element: 'auto' | number;
  /** How the nodes start Baton; `oneshot ...` is appended. @default ["baton"] */
  baton_command: string[];
  /** Folder where jobs extract code packages, on a filesystem the nodes share. @default ".baton/code-cache" */
  code_cache?: string | undefined;
  /** Seconds between two `squeue` calls (one call covers every job of the executor). @default 1 */
  poll_interval: number;
}

export const validateSlurmOptions = optionsValidator(SLURM_SHAPE);

/** The options of one section, or a ConfigError naming the first bad key. */
export function resolveSlurmOptions(name: string, section: Record<string, unknown>): SlurmOptions {
  const options = resolveRemoteSection<SlurmOptions>(name, section, SLURM_SHAPE, validateSlurmOptions);
  if (options.scratch?.startsWith('s3://')) {
    throw new ConfigError(
      `executor ${name}: scratch: a Slurm executor needs a folder that the nodes share, not ${options.scratch}`,
      { section: `executors.${name}`, key: 'scratch' },
      { hint: 'set scratch to a path on a shared filesystem, e.g. scratch = "/shared/baton-scratch"' },
    );
  }
  return options;
}

/** The Slurm settings of one job: the section's, with the task's own `partition`, `account`, ... on top. */
export interface SlurmJobSettings {
  partition: string | undefined;
  account: string | undefined;
  qos: string | undefined;
  sbatch_args: string[];
  setup: string[];
  vcpus: number | undefined;
  memory: number | undefined;
  gpus: number | undefined;
  /** Seconds. */
  timeLimit: number | undefined;
}

function taskList(job: JobRequest, key: string, fallback: string[]): string[] {
  const value = job.options.extra[key];
  if (value === undefined) return fallback;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new ConfigError(
    `task ${job.task.name}: option '${key}' must be a list of strings, got ${JSON.stringify(value)}`,
    { key },
    { hint: `write e.g. { ${key}: ["..."] } in the task's options` },
  );
}

/** Merges a job's task options over the section; a ConfigError names a task option of the wrong type. */
export function jobSettings(options: SlurmOptions, job: JobRequest): SlurmJobSettings {
  return {
    partition: taskString(job, 'partition', options.partition),
    account: taskString(job, 'account', options.account),
    qos: taskString(job, 'qos', options.qos),
    sbatch_args: taskList(job, 'sbatch_args', options.sbatch_args),
    setup: taskList(job, 'setup', options.setup),
    vcpus: job.options.vcpus,
    memory: job.options.memory,
    gpus: job.options.gpus,
    timeLimit: job.options.timeLimit,
  };
}
