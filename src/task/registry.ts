// The process-wide table of defined tasks. It lives on globalThis so that every copy of the
// package loaded in one process (e.g. dist/ by the CLI and src/ by a workflow) sees the same tasks.
import { WorkflowError } from '../errors.ts';
import type { TaskOptions } from './options.ts';

/** Everything Baton knows about one task definition. */
export interface TaskDef {
  readonly name: string;
  readonly fn: (...args: never[]) => unknown;
  /** The options given to `task()`. */
  readonly options: TaskOptions;
  /** File URL of the module that defined the task, when it could be found. */
  readonly moduleUrl: string | undefined;
  /** `line:column` of the `task()` call in that module. */
  readonly definedAt?: string | undefined;
  /** Source text hashed into the task hash (the function's text, or `version`). */
  readonly source: string;
  /** Set by the hash module on first use. */
  hash?: string;
}

interface RegistryState {
  tasks: Map<string, TaskDef>;
  /** True while Baton itself imports a workflow module (CLI, worker, oneshot). */
  importing: number;
  /** Resolved when a module being imported by Baton calls `run()` at top level. */
  onTopLevelRun: Array<() => void>;
  /** In a remote job: module URL prefixes of the scheduler, and where those modules are here. */
  moduleRoots: Array<{ scheduler: string; here: string }>;
}

const KEY = Symbol.for('baton.registry');

function state(): RegistryState {
  const holder = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  let current = holder[KEY];
  if (!current) {
    current = { tasks: new Map(), importing: 0, onTopLevelRun: [], moduleRoots: [] };
    holder[KEY] = current;
  }
  return current;
}

/**
 * Adds a definition; a name already taken is an error unless the same definition is being evaluated
 * again. An ES module URL is evaluated once per thread, so a second definition from the same URL at
 * another `task()` call is a duplicate; the same call again (a function defining tasks, called twice)
 * or another URL of the same file (`wf.ts?v=2`, a fresh copy) replaces the earlier definition.
 */
export function registerTask(def: TaskDef): void {
  const tasks = state().tasks;
  const existing = tasks.get(def.name);
  if (existing) {
    const before = existing.moduleUrl;
    const now = def.moduleUrl;
    if (fileOf(before) !== fileOf(now)) {
      throw new WorkflowError(
        `task name '${def.name}' is defined twice: in ${before ?? '<unknown module>'} and in ${now ?? '<unknown module>'}`,
        { hint: 'give one of them another name' },
      );
    }
    if (now !== undefined && before === now && existing.definedAt !== def.definedAt) {
      throw new WorkflowError(
        `task name '${def.name}' is defined twice in module ${now} (at ${existing.definedAt ?? '?'} and at ${def.definedAt ?? '?'})`,
        { hint: 'give one of them another name' },
      );
    }
  }
  tasks.set(def.name, def);
}

/** The module's file, without the query or fragment that make another copy of it. */
function fileOf(moduleUrl: string | undefined): string | undefined {
  return moduleUrl?.replace(/[?#].*$/s, '');
}

export function getTask(name: string): TaskDef | undefined {
  return state().tasks.get(name);
}

export function listTasks(): TaskDef[] {
  return [...state().tasks.values()];
}

/** Whether Baton is importing a workflow module right now (top-level `run()` must stay inert). */
export function isImportingWorkflow(): boolean {
  return state().importing > 0;
}

/**
 * In a remote job, makes module URLs under a folder of the scheduler (`scheduler`, as values such as
 * tasks passed to map carry them) point to where that folder is here (`here`): the extracted code
 * package, or Baton's own modules (`.ts` and `.js` follow the form this process runs).
 */
export function addModuleRoot(scheduler: string, here: string): void {
  state().moduleRoots.push({ scheduler, here });
}

/** Baton's own modules in this process (its src/ or dist/ folder), and their extension. */
export const OWN_SOURCE = new URL('../', import.meta.url).href;
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Where a module URL that a value carried is found in this process. */
export function localModuleUrl(url: string): string {
  for (const root of state().moduleRoots) {
    if (!url.startsWith(root.scheduler)) continue;
    const moved = root.here + url.slice(root.scheduler.length);
    return root.here === OWN_SOURCE ? moved.replace(/\.(ts|js)$/, OWN_EXTENSION) : moved;
  }
  return url;
}

/**
 * Imports a workflow module the way Baton's CLI and workers do: a `run()` the module calls at top
 * level does not start a scheduler. Resolves with the module's namespace once it finished loading,
 * or with undefined as soon as it reaches a top-level `run()` (whose promise never settles, so
 * `await run()` cannot deadlock us).
 */
export async function importWorkflow(moduleUrl: string): Promise<Record<string, unknown> | undefined> {
  const registry = state();
  registry.importing++;
  let reachedRun!: () => void;
  const runReached = new Promise<void>((resolve) => (reachedRun = resolve));
  registry.onTopLevelRun.push(reachedRun);
  try {
    const imported = import(moduleUrl) as Promise<Record<string, unknown>>;
    imported.catch(() => undefined); // a failure after `run()` was reached has no one left to tell
    // the namespace when the module finished loading; undefined when it stopped at a top-level run()
    return await Promise.race([imported, runReached.then(() => undefined)]);
  } finally {
    registry.importing--;
    registry.onTopLevelRun = registry.onTopLevelRun.filter((fn) => fn !== reachedRun);
  }
}

/** Called by `run()` when it finds itself inside a module Baton is importing. */
export function notifyTopLevelRun(): void {
  for (const resolve of state().onTopLevelRun) resolve();
}
