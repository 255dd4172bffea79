import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatonConfig } from '../../src/config/index.ts';
import { registerExecutor } from '../../src/executors/index.ts';
import { Scheduler, type SchedulerEvent } from '../../src/scheduler/index.ts';
import { task, type TaskOptions } from '../../src/task/index.ts';
import { createExecutor } from './fixtures/inline-executor.ts';

registerExecutor('inline', createExecutor);

/** A scheduler on a fresh temporary store whose default executor runs jobs in this process. */
export function testScheduler(executors: BatonConfig['executors'] = {}): {
  scheduler: Scheduler;
  config: BatonConfig;
  dir: string;
  events: SchedulerEvent[];
  cleanup: () => Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'baton-sched-'));
  const config: BatonConfig = {
    file: undefined,
    root: dir,
    backend: { db: `sqlite:${join(dir, 'baton.db')}`, valuesDir: join(dir, 'values') },
    executors: { default: { type: 'inline' }, ...executors },
  };
  const scheduler = new Scheduler({ config, cwd: dir });
  return {
    scheduler,
    config,
    dir,
    events: [],
    cleanup: async () => {
      await scheduler.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many events of each type, e.g. `{ finished: 3, cached: 1 }`. */
export function countEvents(events: SchedulerEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

/**
 * Defines a task, always from this one `task()` call, as a module evaluated again after an edit does:
 * the same name may be defined again with a new body (two `task()` calls in one module may not).
 */
export function redefine<F extends (...args: never[]) => unknown>(
  name: string,
  fn: F,
  options?: TaskOptions,
) {
  return task(name, fn, options);
}
