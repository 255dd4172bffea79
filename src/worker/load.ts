// Finding the task a job names: each workflow module is imported once per worker, and the definition
// found is checked against the hash the scheduler computed, so code edited mid-run is never run.
import { WorkflowError } from '../errors.ts';
import { definitionHash, getTask, importWorkflow, type TaskDef } from '../task/index.ts';
import type { WireTaskRef } from './protocol.ts';

const imports = new Map<string, Promise<unknown>>();
const verified = new Map<string, TaskDef>();
// One import at a time: a top-level run() reached in one module ends every import then in progress.
let lastImport: Promise<unknown> = Promise.resolve();

function refKey(ref: WireTaskRef): string {
  return `${ref.hash}\0${ref.name}\0${ref.module}`;
}

/** The same, by ref object: batches in a row share their refs (packed.ts), and the key is long to build. */
const verifiedRefs = new WeakMap<WireTaskRef, TaskDef>();

/** The task's definition if it was loaded and checked before: the cheap, synchronous path. */
export function loadedTask(ref: WireTaskRef): TaskDef | undefined {
  let def = verifiedRefs.get(ref);
  if (!def) {
    def = verified.get(refKey(ref));
    if (def) verifiedRefs.set(ref, def);
  }
  return def;
}

function importOnce(moduleUrl: string): Promise<unknown> {
  let imported = imports.get(moduleUrl);
  if (!imported) {
    imported = lastImport.then(() => importWorkflow(moduleUrl));
    lastImport = imported.catch(() => undefined);
    imports.set(moduleUrl, imported);
  }
  return imported;
}

/**
 * Imports workflow modules ahead of any job (a warm spare worker). A module that fails is left for
 * its first job to report, as a WorkflowError naming the task.
 */
export async function preloadModules(moduleUrls: readonly string[]): Promise<void> {
  for (const moduleUrl of moduleUrls) await importOnce(moduleUrl).catch(() => undefined);
}

/** Imports the task's module (once) and returns its checked definition; throws WorkflowError. */
export async function loadTask(ref: WireTaskRef): Promise<TaskDef> {
  const known = loadedTask(ref);
  if (known) return known;
  const where = ref.module || '<no module>';
  if (ref.module) {
    try {
      await importOnce(ref.module);
    } catch (cause) {
      const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw new WorkflowError(`cannot load module ${where} for task ${ref.name}: ${reason}`, {
        cause,
        hint: 'run the module with node to see the error where it happens',
      });
    }
  }
  const def = getTask(ref.name);
  if (!def) {
    throw new WorkflowError(`task ${ref.name} is not defined in module ${where}`, {
      hint: 'check that the module still defines it with task() under that name',
    });
  }
  if (definitionHash(def) !== ref.hash) {
    throw new WorkflowError(`task ${ref.name} in module ${where} has changed since the run started`, {
      hint: 'the module was edited while the run was going; start the run again',
    });
  }
  verified.set(refKey(ref), def);
  return def;
}
