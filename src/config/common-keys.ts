// Keys every [executors.NAME] section accepts, whatever its type, and how they become task defaults.
import { z } from 'zod';
import type { ExecutorConfig } from '../executors/index.ts';
import type { TaskOptions } from '../task/index.ts';
// options.ts directly, so loading the config does not pull in the task runtime (hash, codecs).
import { parseDuration } from '../task/options.ts';
import type { OptionShape } from './fields.ts';

function isDuration(text: string): boolean {
  try {
    return parseDuration(text, 'time_limit') > 0;
  } catch {
    return false;
  }
}

/** Schemas of the keys every executor section accepts; the rest go to the type's own `validate`. */
export const COMMON_EXECUTOR_SHAPE = {
  type: z
    .string()
    .min(1)
    .describe(
      'an executor type: local, container, slurm, fleet, kubernetes, aws-batch, a package or a module such as "./my-executor.ts"',
    ),
  max_jobs: z.int().min(1).optional().describe('a whole number >= 1'),
  retries: z.int().min(0).optional().describe('a whole number >= 0'),
  time_limit: z
    .union([z.number().positive(), z.string().refine(isDuration)])
    .optional()
    .describe('a number of seconds > 0 or a duration such as "90s", "15m" or "2h"'),
  memory: z.number().positive().optional().describe('a number of GiB > 0'),
  vcpus: z.number().positive().optional().describe('a number > 0'),
  gpus: z.int().min(0).optional().describe('a whole number >= 0'),
  priority: z.number().optional().describe('a number (higher runs first)'),
  cache: z.boolean().optional().describe('true or false'),
} satisfies OptionShape;

/** Keys every `[executors.NAME]` section accepts: `type`, `max_jobs`, and defaults for task options. */
export const COMMON_EXECUTOR_KEYS: readonly string[] = Object.freeze(Object.keys(COMMON_EXECUTOR_SHAPE));

/** Section key → TaskOptions key, for the keys that are defaults of task options. */
const TASK_OPTION_KEYS = {
  retries: 'retries',
  time_limit: 'timeLimit',
  memory: 'memory',
  vcpus: 'vcpus',
  gpus: 'gpus',
  priority: 'priority',
  cache: 'cache',
} as const satisfies Partial<Record<keyof typeof COMMON_EXECUTOR_SHAPE, keyof TaskOptions>>;

/**
 * The task-option defaults an executor section sets (`time_limit` → `timeLimit`, ...). They rank lowest:
 * `task()` options, `.options()` and `-o key=value` override them.
 */
export function taskDefaultsFromExecutor(config: ExecutorConfig): TaskOptions {
  const defaults: Record<string, unknown> = {};
  for (const [sectionKey, optionKey] of Object.entries(TASK_OPTION_KEYS)) {
    if (config[sectionKey] !== undefined) defaults[optionKey] = config[sectionKey];
  }
  // The loader checked each key against COMMON_EXECUTOR_SHAPE, whose types match TaskOptions.
  return defaults as TaskOptions;
}
