// The options of a `type = "local"` executor section, validated once with their defaults applied.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { checkFields, COMMON_EXECUTOR_KEYS, didYouMean, type OptionShape } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { PLACEMENT_KEYS } from '../../task/index.ts';
import type { ExecutorOptionsValidator } from '../types.ts';
import type { LocalMode } from './runtime.ts';

export interface LocalOptions {
  /** Worker threads, or child processes (stronger isolation, slower start). @default "threads" */
  mode: LocalMode;
  /** Most workers alive at once. @default os.availableParallelism() */
  max_workers: number;
  /**
   * Threads only: how long, in microseconds, the scheduler waits for a lone quick job's result, and
   * the worker for the next job, spinning rather than sleeping; 0 never spins.
   * @default 100, or 0 on a machine with one CPU
   */
  spin_us: number;
}

/** `spin_us` when the section does not set it. */
export const DEFAULT_SPIN_US = 100;

const SHAPE = {
  mode: z.enum(['threads', 'processes']).default('threads').describe('"threads" or "processes"'),
  max_workers: z.number().int().min(1).optional().describe('a whole number >= 1'),
  spin_us: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .describe('a whole number of microseconds from 0 to 10000'),
} satisfies OptionShape;

/** Keys a section may hold besides this executor's own (checked by the config loader): its type,
 * `max_jobs`, and task option defaults such as `time_limit`. */
const PASSED_THROUGH = new Set([
  'type',
  ...COMMON_EXECUTOR_KEYS,
  ...[...PLACEMENT_KEYS].filter((key) => key !== 'executor'),
]);

const KNOWN_KEYS = Object.keys(SHAPE);

/**
 * Spinning helps only when the two threads run at once: on one CPU it takes the time the other needs.
 * Worker processes never spin.
 */
function defaultSpin(mode: LocalMode): number {
  return mode === 'threads' && availableParallelism() > 1 ? DEFAULT_SPIN_US : 0;
}

/** Checks a section; unknown keys and bad values come back as issues that name the key. */
export const validateLocalOptions: ExecutorOptionsValidator = (options) => {
  const own: Record<string, unknown> = {};
  const passed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) (PASSED_THROUGH.has(key) ? passed : own)[key] = value;
  const { value: checked, rest, issues } = checkFields(SHAPE, own);
  for (const key of Object.keys(rest)) {
    issues.push({
      key,
      message: `unknown option '${key}' for a local executor${didYouMean(key, KNOWN_KEYS)} (known: ${KNOWN_KEYS.join(', ')})`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  const mode = checked.mode as LocalMode;
  const value: LocalOptions = {
    mode,
    max_workers: (checked.max_workers as number | undefined) ?? availableParallelism(),
    spin_us: (checked.spin_us as number | undefined) ?? defaultSpin(mode),
  };
  return { ok: true, value: { ...passed, ...value } };
};

/** The options of one section, or a ConfigError naming the first bad key. */
export function resolveLocalOptions(name: string, options: Record<string, unknown>): LocalOptions {
  const result = validateLocalOptions(options);
  if (!result.ok) {
    const first = result.issues[0]!;
    throw new ConfigError(`executor ${name}: ${first.message}`, {
      section: `executors.${name}`,
      key: first.key,
    });
  }
  return {
    mode: result.value.mode as LocalMode,
    max_workers: result.value.max_workers as number,
    spin_us: result.value.spin_us as number,
  };
}
