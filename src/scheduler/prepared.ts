// What every call of a task needs before its arguments: the task's options resolved against its
// executor's defaults and the run's overrides, and its hash. Worked out once per task (and set of
// overrides) for as long as the scheduler lives, not once per run: a run of one call paid for it.
import { taskHash } from '../hash/index.ts';
import {
  argumentName,
  definitionHash,
  PLACEMENT_KEYS,
  resolveTaskOptions,
  type ResolvedTaskOptions,
  type TaskDef,
  type TaskOptions,
} from '../task/index.ts';

export interface Prepared {
  options: ResolvedTaskOptions;
  taskHash: string;
  /** The name of each argument in error paths, e.g. `rows` for the first of `train(rows, C)`. */
  argName: (index: number) => string;
}

export class PreparedTasks {
  private readonly executorDefaults: (name: string) => TaskOptions | undefined;
  private readonly cliOverrides: TaskOptions | undefined;
  private readonly plain = new Map<TaskDef, Prepared>();
  private readonly withOverrides = new WeakMap<TaskOptions, Map<TaskDef, Prepared>>();

  constructor(
    executorDefaults: (name: string) => TaskOptions | undefined,
    /** `-o key=value` from the command line: the highest precedence. */
    cliOverrides: TaskOptions | undefined,
  ) {
    this.executorDefaults = executorDefaults;
    this.cliOverrides = cliOverrides;
  }

  /** The task's options and hash, with `overrides` (from `task.options(...)`) on top of its own. */
  get(def: TaskDef, overrides: TaskOptions | undefined): Prepared {
    let table = this.plain;
    if (overrides) {
      table = this.withOverrides.get(overrides) ?? new Map();
      this.withOverrides.set(overrides, table);
    }
    let known = table.get(def);
    if (!known) table.set(def, (known = this.prepare(def, overrides)));
    return known;
  }

  private prepare(def: TaskDef, overrides: TaskOptions | undefined): Prepared {
    const chosen = { ...def.options, ...overrides, ...this.cliOverrides };
    const executorName = typeof chosen.executor === 'string' ? chosen.executor : 'default';
    const merged = { ...this.executorDefaults(executorName), ...chosen };
    const options = resolveTaskOptions(merged, `task ${def.name}`);
    const changesWhatRuns: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(chosen))
      if (!PLACEMENT_KEYS.has(k) && k !== 'version') changesWhatRuns[k] = v;
    const versioned = chosen.version !== undefined && chosen.version !== def.options.version;
    const source = versioned ? `version:${String(chosen.version)}` : def.source;
    const hash =
      Object.keys(changesWhatRuns).length === 0 && !versioned
        ? definitionHash(def)
        : taskHash(def.name, source, changesWhatRuns);
    const argName = (index: number) => argumentName(def.fn, index);
    return { options, taskHash: hash, argName };
  }
}
