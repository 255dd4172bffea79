// awaitWorkers(): wait until enough fleet workers are alive, and their number has settled. Part of the
// public API, so it loads the Redis client only when called: a user who runs locally never loads it.
import { loadConfig } from '../../config/index.ts';
import { ExecutorError } from '../../errors.ts';
import type { WorkerInfo } from './workers.ts';

export interface AwaitWorkersOptions {
  /** The fleet executor section. @default the only section with type = "fleet" */
  executor?: string;
  /** The baton.toml to read. @default found from `cwd` as the CLI finds it */
  config?: string;
  /** @default process.cwd() */
  cwd?: string;
  /** Seconds to wait for `count` workers before failing. @default 60 */
  connectTimeout?: number;
  /** Seconds the set of workers must stay the same before it counts as settled. @default 1 */
  stableTimeout?: number;
}

const POLL_MS = 100;

/**
 * Resolves with the live workers once at least `count` of them have registered and none joined or
 * left for `stableTimeout` seconds; rejects with an ExecutorError after `connectTimeout` seconds.
 */
export async function awaitWorkers(count: number, options: AwaitWorkersOptions = {}): Promise<WorkerInfo[]> {
  const cwd = options.cwd ?? process.cwd();
  const config = await loadConfig({ configPath: options.config, cwd, env: process.env });
  const [{ fleetSection }, { connectRedis, redisOptions }, { listWorkers }, { FleetKeys }] =
    await Promise.all([
      import('./section.ts'),
      import('./connection.ts'),
      import('./workers.ts'),
      import('./keys.ts'),
    ]);
  const { name, options: fleet } = fleetSection(config, options.executor);
  const keys = new FleetKeys(fleet.prefix, fleet.queue);
  const redis = await connectRedis(
    redisOptions(fleet, config.root, `executor ${name}`),
    name,
    fleet.url,
    'baton-await-workers',
  );
  try {
    const deadline = Date.now() + (options.connectTimeout ?? 60) * 1000;
    const stableMs = (options.stableTimeout ?? 1) * 1000;
    let seen = '';
    let since = Date.now();
    for (;;) {
      const workers = (await listWorkers(redis, keys)).filter((worker) => !worker.draining);
      const ids = workers.map((worker) => worker.id).join(',');
      if (ids !== seen) {
        seen = ids;
        since = Date.now();
      }
      if (workers.length >= count && Date.now() - since >= stableMs) return workers;
      if (Date.now() > deadline) {
        throw new ExecutorError(
          `executor ${name}: ${workers.length} of ${count} workers after ${options.connectTimeout ?? 60}s`,
          { executor: name },
          { hint: `start more with: baton worker --executor ${name}` },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    redis.disconnect();
  }
}
