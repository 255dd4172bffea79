// The job behind a chunk of map items: one call of the built-in task `baton.map.chunk` runs the
// mapped task's function over several items inside the worker, so a chunk costs one job, one cache
// entry and one record instead of one per item.
import { WorkflowError } from '../errors.ts';
import {
  builtInTask,
  getTask,
  importWorkflow,
  isUnresolved,
  localModuleUrl,
  type Task,
  type TaskDef,
} from '../task/index.ts';

async function loaded(mapped: Task<unknown[], unknown>): Promise<TaskDef> {
  let def = mapped.def;
  if (isUnresolved(def) && def.moduleUrl) {
    await importWorkflow(localModuleUrl(def.moduleUrl));
    def = getTask(def.name) ?? def;
  }
  if (isUnresolved(def)) {
    throw new WorkflowError(
      `map: task ${def.name} is not defined in ${def.moduleUrl ?? 'any loaded module'}`,
      {
        hint: 'map a task that a module defines at top level with task()',
      },
    );
  }
  return def;
}

/**
 * Runs `mapped` over `items` one after another, each call given the item then `extra`; the first item
 * that throws fails the chunk.
 */
export const mapChunk = builtInTask(
  'baton.map.chunk',
  async (mapped: Task<unknown[], unknown>, items: unknown[], extra: unknown[] = []): Promise<unknown[]> => {
    const def = await loaded(mapped);
    const results: unknown[] = [];
    for (const item of items) results.push(await def.fn(...([item, ...extra] as never[])));
    return results;
  },
  import.meta.url,
  { version: '2' },
);
