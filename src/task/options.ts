import { ConfigError } from '../errors.ts';

/** How a failing task is tried again. */
export interface RetryPolicy {
  /** Attempts after the first one. @default 0 */
  attempts: number;
  /** Delay before retry n (1-based): `base * factor^(n-1)`, capped at `max`, in seconds. */
  backoff?: { base?: number; factor?: number; max?: number };
  /** Retry only errors whose name is listed (e.g. `['FetchError']`). @default every error */
  retryOn?: string[];
}

/** Where a task prefers to run (fleet workers); ignored by executors without workers. */
export interface Locality {
  prefer?: string[];
  require?: string[];
  forbid?: string[];
}

/** Options every executor understands. Executor-specific keys (image, queue, ...) pass through. */
export interface TaskOptions {
  /** Name of an executor in baton.toml. @default "default" */
  executor?: string;
  /** Whether calls of this task may be served from the cache. @default true */
  cache?: boolean;
  /** Replaces the function's source text in the task hash. */
  version?: string;
  /** Number of retries or a full policy. @default 0 */
  retries?: number | RetryPolicy;
  /** Seconds, or a string such as `'90s'`, `'15m'`, `'2h'`. */
  timeLimit?: number | string;
  /** GiB of memory. */
  memory?: number;
  vcpus?: number;
  gpus?: number;
  /** Higher runs first when jobs wait for a slot. @default 0 */
  priority?: number;
  locality?: Locality;
  /** `false`: running the task twice at once is unsafe, so map never starts a backup attempt of it. @default true */
  idempotent?: boolean;
  /** Executor-specific options. */
  [key: string]: unknown;
}

/** Options after defaults and validation, as executors receive them. */
export interface ResolvedTaskOptions {
  executor: string;
  cache: boolean;
  version: string | undefined;
  retries: Required<Pick<RetryPolicy, 'attempts'>> & {
    backoff: { base: number; factor: number; max: number };
    retryOn: string[] | undefined;
  };
  /** Seconds, or undefined for no limit. */
  timeLimit: number | undefined;
  memory: number | undefined;
  vcpus: number | undefined;
  gpus: number | undefined;
  priority: number;
  locality: Locality | undefined;
  /** Every other key, for the executor. */
  extra: Record<string, unknown>;
}

const COMMON_KEYS = new Set([
  'executor',
  'cache',
  'version',
  'retries',
  'timeLimit',
  'memory',
  'vcpus',
  'gpus',
  'priority',
  'locality',
]);

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90`, `'90s'`, `'15m'`, `'2h'` into seconds. */
export function parseDuration(value: number | string, where: string): number {
  if (typeof value === 'number') {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new ConfigError(`${where}: a time limit must be a positive number of seconds, got ${value}`);
    }
    return value;
  }
  const match = DURATION.exec(value.trim());
  if (!match) {
    throw new ConfigError(
      `${where}: cannot read duration '${value}'`,
      {},
      { hint: "write e.g. 90, '90s', '15m' or '2h'" },
    );
  }
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']!;
}

function positive(value: unknown, key: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new ConfigError(
      `${where}: option '${key}' must be a positive number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Applies defaults and validates once; `where` names the task for error messages. */
export function resolveTaskOptions(options: TaskOptions, where: string): ResolvedTaskOptions {
  const retries = options.retries ?? 0;
  const policy: RetryPolicy = typeof retries === 'number' ? { attempts: retries } : retries;
  if (!Number.isInteger(policy.attempts) || policy.attempts < 0) {
    throw new ConfigError(
      `${where}: option 'retries' must be a whole number >= 0, got ${JSON.stringify(policy.attempts)}`,
    );
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!COMMON_KEYS.has(key)) extra[key] = value;
  if (options.executor !== undefined && typeof options.executor !== 'string') {
    throw new ConfigError(`${where}: option 'executor' must be the name of an executor in baton.toml`);
  }
  return {
    executor: options.executor ?? 'default',
    cache: options.cache ?? true,
    version: options.version,
    retries: {
      attempts: policy.attempts,
      backoff: {
        base: policy.backoff?.base ?? 1,
        factor: policy.backoff?.factor ?? 2,
        max: policy.backoff?.max ?? 60,
      },
      retryOn: policy.retryOn,
    },
    timeLimit:
      options.timeLimit === undefined ? undefined : parseDuration(options.timeLimit, `${where} timeLimit`),
    memory: positive(options.memory, 'memory', where),
    vcpus: positive(options.vcpus, 'vcpus', where),
    gpus: options.gpus === undefined ? undefined : (positive(options.gpus, 'gpus', where) ?? 0),
    priority: typeof options.priority === 'number' ? options.priority : 0,
    locality: options.locality,
    extra,
  };
}

/** Option keys that only say where and how a job runs; every other key changes what runs. */
export const PLACEMENT_KEYS: ReadonlySet<string> = new Set(
  [...COMMON_KEYS].filter((key) => key !== 'version'),
);
