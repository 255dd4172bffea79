// Options every remote executor section accepts: where its scratch is and what goes into the code package.
import { z } from 'zod';
import type { OptionShape } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import type { ExecutorOptionsValidator, JobRequest } from '../types.ts';

const globs = z.array(z.string().min(1)).describe('a list of glob patterns such as ["src/**/*.ts"]');

export const REMOTE_SHAPE = {
  scratch: z
    .string()
    .min(1)
    .optional()
    .describe('a folder path (shared with the jobs), a file:// URL or s3://bucket/prefix'),
  s3_endpoint: z
    .url()
    .optional()
    .describe('the URL of an S3-compatible server, e.g. "http://127.0.0.1:9000"'),
  s3_path_style: z.boolean().optional().describe('true or false'),
  large_value_bytes: z.int().min(0).optional().describe('a whole number of bytes >= 0'),
  include: globs.optional(),
  exclude: globs.optional(),
} satisfies OptionShape;

/** The remote keys of a section, as the plumbing uses them. */
export interface RemoteOptions {
  /**
   * Scratch shared by the scheduler and the jobs; a relative folder resolves against the config root.
   * @default ".baton/scratch" under the config root
   */
  scratch?: string | undefined;
  /** Endpoint of an S3-compatible server for an s3:// scratch. @default AWS */
  s3_endpoint?: string | undefined;
  /** Path-style bucket addressing (most S3-compatible servers need it). @default false */
  s3_path_style?: boolean | undefined;
  /** Arguments and results whose encoding is larger travel through scratch's value store by hash. @default 1048576 (1 MiB) */
  large_value_bytes?: number | undefined;
  /** Globs of the files packed into the code package. @default DEFAULT_INCLUDE */
  include?: string[] | undefined;
  /** Globs left out of the code package, besides node_modules, .baton and .git. @default [] */
  exclude?: string[] | undefined;
}

export function remoteOptions(section: Record<string, unknown>): RemoteOptions {
  const pick: Record<string, unknown> = {};
  for (const key of Object.keys(REMOTE_SHAPE)) if (section[key] !== undefined) pick[key] = section[key];
  return pick as RemoteOptions;
}

/**
 * The options of one remote executor section: the keys of `shape` (which holds REMOTE_SHAPE) checked
 * by `validate`, with their defaults, or a ConfigError naming the first bad key.
 */
export function resolveRemoteSection<T extends RemoteOptions>(
  name: string,
  section: Record<string, unknown>,
  shape: OptionShape,
  validate: ExecutorOptionsValidator,
): T {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) if (section[key] !== undefined) own[key] = section[key];
  const result = validate(own);
  if (!result.ok) {
    const first = result.issues[0]!;
    throw new ConfigError(`executor ${name}: ${first.key}: ${first.message}`, {
      section: `executors.${name}`,
      key: first.key,
    });
  }
  return { ...(result.value as unknown as T), ...remoteOptions(result.value) };
}

/** A section's options as `describe()` shows them, `env` values masked: they may hold secrets. */
export function describeOptions(
  type: string,
  options: RemoteOptions & { env: Record<string, string> },
): Record<string, unknown> {
  const { env, ...rest } = options;
  return { type, ...rest, env: Object.fromEntries(Object.keys(env).map((key) => [key, '***'])) };
}

/**
 * A task's own string value for an engine key (`partition`, `queue`, `image`, ...), else `fallback`
 * (the section's); a ConfigError names the task and the key when the value is not a non-empty string.
 */
export function taskString(job: JobRequest, key: string, fallback: string | undefined): string | undefined {
  const value = job.options.extra[key];
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value !== '') return value;
  throw new ConfigError(
    `task ${job.task.name}: option '${key}' must be a non-empty string, got ${JSON.stringify(value)}`,
    { key },
    { hint: `write e.g. { ${key}: "name" } in the task's options` },
  );
}
