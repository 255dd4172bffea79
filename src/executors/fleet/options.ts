// The options of a `type = "fleet"` executor section; `baton worker --executor NAME` reads the same ones.
import { z } from 'zod';
import { optionsValidator, type OptionShape } from '../../config/index.ts';
import { parseDuration } from '../../task/options.ts';
import { REMOTE_SHAPE, resolveRemoteSection, type RemoteOptions } from '../remote/options.ts';

function isDuration(text: string): boolean {
  try {
    return parseDuration(text, 'duration') > 0;
  } catch {
    return false;
  }
}

const duration = z
  .union([z.number().positive(), z.string().refine(isDuration)])
  .describe('a number of seconds > 0 or a duration such as "500ms", "30s" or "7d"');

const NAME = /^[A-Za-z0-9_.-]+$/;

export const FLEET_SHAPE = {
  ...REMOTE_SHAPE,
  url: z
    .string()
    .regex(/^rediss?:\/\/\S+$/)
    .describe('a "redis://[user:password@]host[:port][/db]" or "rediss://..." (TLS) URL'),
  queue: z
    .string()
    .regex(NAME)
    .default('baton')
    .describe('a queue name of letters, digits, "_", "-" and "."'),
  prefix: z
    .string()
    .regex(NAME)
    .default('baton')
    .describe('a key prefix of letters, digits, "_", "-" and "."'),
  tls_ca: z.string().min(1).optional().describe('the path of a PEM file of the CA that signed the server'),
  tls_insecure: z.boolean().default(false).describe('true or false'),
  lock_duration: duration.default(30),
  max_stalls: z.int().min(0).default(2).describe('a whole number >= 0'),
  batch_size: z.int().min(1).max(10_000).default(512).describe('a whole number from 1 to 10000'),
  result_ttl: duration.default('7d'),
  locality_wait: duration.default(2),
  heartbeat: duration.default(2),
  code_cache: z.string().min(1).optional().describe('a folder path'),
} satisfies OptionShape;

export interface FleetOptions extends RemoteOptions {
  /** Where Redis is: `redis://` or `rediss://` (TLS); user and password may be in it, or `${VAR}`s. */
  url: string;
  /** The BullMQ queue; schedulers and workers that name the same queue work together. @default "baton" */
  queue: string;
  /** Prefix of every Redis key of the queue and of Baton's own records. @default "baton" */
  prefix: string;
  /** PEM file of the CA that signed a `rediss://` server's certificate. @default the system's CAs */
  tls_ca?: string | undefined;
  /** Accept any certificate from a `rediss://` server (tests, self-signed servers). @default false */
  tls_insecure: boolean;
  /** Seconds a worker holds a queue job without renewing its lock before another worker may take it. @default 30 */
  lock_duration: number;
  /** How often a queue job may be taken up again after its worker was lost before its tasks fail as lost. @default 2 */
  max_stalls: number;
  /** Most tasks in one queue job. @default 512 */
  batch_size: number;
  /** Seconds results and claims stay in Redis for a restarted scheduler to find. @default 604800 (7 days) */
  result_ttl: number;
  /** Seconds work with a preferred `locality` waits for a matching worker before any worker may take it. @default 2 */
  locality_wait: number;
  /** Seconds between a worker's heartbeats; it counts as gone after three missed. @default 2 */
  heartbeat: number;
  /** Folder where workers extract code packages. @default "$TMPDIR/baton-code" */
  code_cache?: string | undefined;
}

export const validateFleetOptions = optionsValidator(FLEET_SHAPE);

const DURATION_KEYS = ['lock_duration', 'result_ttl', 'locality_wait', 'heartbeat'] as const;

/** The options of one section, or a ConfigError naming the first bad key. */
export function resolveFleetOptions(name: string, section: Record<string, unknown>): FleetOptions {
  const value = resolveRemoteSection<FleetOptions>(name, section, FLEET_SHAPE, validateFleetOptions);
  for (const key of DURATION_KEYS) {
    value[key] = parseDuration(value[key] as number | string, `executors.${name}.${key}`);
  }
  return value;
}
