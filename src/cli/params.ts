// `baton run FILE TASK --name value ...`: separating Baton's own options from the task's parameters,
// and binding the parameters to the task function's signature.
import { UsageError } from '../errors.ts';
import type { ParamInfo } from '../task/index.ts';
import { parseValue } from './args.ts';

/** One `--name value` (or `--name=value`, or a bare `--name`: true) meant for the task. */
export interface TaskArgument {
  name: string;
  value: string | true;
}

export interface SplitRunArgs {
  /** Baton's own options, for parseArgs. */
  own: string[];
  /** FILE, TASK, and anything else not attached to an option. */
  positionals: string[];
  taskArgs: TaskArgument[];
}

/** Baton's own `run` options (besides the global `--config` and `--verbose`), as parseArgs takes them. */
export const RUN_OPTIONS = {
  'no-cache': { type: 'boolean' },
  cache: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-provenance': { type: 'boolean' },
  detach: { type: 'boolean' },
  override: { type: 'string', short: 'o', multiple: true },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function spellings(type: 'boolean' | 'string'): Set<string> {
  const names = new Set<string>();
  for (const [name, option] of Object.entries(RUN_OPTIONS)) {
    if (option.type !== type) continue;
    names.add(`--${name}`);
    if ('short' in option) names.add(`-${option.short}`);
  }
  return names;
}

/** Baton's `run` options that take no value. */
const RUN_FLAGS = spellings('boolean');
/** Baton's `run` options that take a value. */
const RUN_OPTIONS_WITH_VALUE = spellings('string');

/**
 * Baton's own options win over task parameters of the same name; after `--` every `--name value`
 * goes to the task (`baton run wf.ts main -- --help yes`).
 */
export function splitRunArgs(args: readonly string[]): SplitRunArgs {
  const split: SplitRunArgs = { own: [], positionals: [], taskArgs: [] };
  let ownOptions = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (ownOptions && arg === '--') {
      ownOptions = false;
    } else if (ownOptions && RUN_FLAGS.has(arg)) {
      split.own.push(arg);
    } else if (ownOptions && RUN_OPTIONS_WITH_VALUE.has(arg)) {
      split.own.push(arg);
      if (i + 1 < args.length) split.own.push(args[++i]!);
    } else if (
      ownOptions &&
      (arg.startsWith('--cache=') || arg.startsWith('--override=') || /^-o./.test(arg))
    ) {
      split.own.push(arg);
    } else if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      if (eq > 2) {
        split.taskArgs.push({ name: arg.slice(2, eq), value: arg.slice(eq + 1) });
      } else {
        const next = args[i + 1];
        const takesNext = next !== undefined && !isOptionName(next, ownOptions);
        split.taskArgs.push({ name: arg.slice(2), value: takesNext ? next : true });
        if (takesNext) i++;
      }
    } else if (ownOptions && /^-[A-Za-z]/.test(arg)) {
      throw new UsageError(`baton run: unknown option '${arg}'`, {
        hint: 'task parameters are written --NAME VALUE; see baton run --help',
      });
    } else {
      split.positionals.push(arg);
    }
  }
  return split;
}

/** Whether `text` starts another option rather than being a value (`-0.5` and `-` are values). */
function isOptionName(text: string, ownOptions: boolean): boolean {
  if (text.startsWith('--')) return true;
  return ownOptions && (RUN_FLAGS.has(text) || RUN_OPTIONS_WITH_VALUE.has(text) || /^-o./.test(text));
}

/** `max-depth` → `maxDepth`, so kebab-case works for camelCase parameters. */
function camelCase(name: string): string {
  return name.replace(/-([a-zA-Z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

/**
 * The argument list for the task: values JSON-parsed when they parse, rest parameters from repeated
 * options, omitted parameters with defaults passed as undefined (trailing ones dropped).
 */
export function bindArguments(
  taskName: string,
  params: readonly ParamInfo[],
  given: readonly TaskArgument[],
): unknown[] {
  const byName = new Map(params.map((param) => [param.name, param]));
  const values = new Map<string, unknown[]>();
  const unknown: string[] = [];
  for (const arg of given) {
    const param = byName.get(arg.name) ?? byName.get(camelCase(arg.name));
    if (!param) {
      unknown.push(`--${arg.name}`);
      continue;
    }
    const list = values.get(param.name) ?? [];
    if (list.length > 0 && !param.rest) {
      throw new UsageError(`parameter --${param.name} of task ${taskName} is given more than once`, {
        hint: 'give it once (a value such as [1,2] is parsed as JSON)',
      });
    }
    list.push(arg.value === true ? true : parseValue(arg.value));
    values.set(param.name, list);
  }
  if (unknown.length > 0) {
    throw new UsageError(`task ${taskName} has no parameter ${unknown.join(', ')}`, {
      hint: takesHint(taskName, params),
    });
  }
  const missing = params.filter(
    (param) => !param.rest && param.defaultSource === undefined && !values.has(param.name),
  );
  if (missing.length > 0) {
    const names = missing.map((param) => `--${param.name}`).join(', ');
    throw new UsageError(`task ${taskName} needs ${names}`, { hint: takesHint(taskName, params) });
  }
  const args: unknown[] = [];
  for (const param of params) {
    const list = values.get(param.name);
    if (param.rest) args.push(...(list ?? []));
    else args.push(list?.[0]);
  }
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

function takesHint(taskName: string, params: readonly ParamInfo[]): string {
  if (params.length === 0) return `task ${taskName} takes no parameters`;
  return `task ${taskName} takes ${params.map(shortUsage).join(' ')}`;
}

/** `--url VALUE`, `[--C VALUE]`, `[--paths VALUE ...]`. */
function shortUsage(param: ParamInfo): string {
  if (param.rest) return `[--${param.name} VALUE ...]`;
  return param.defaultSource === undefined ? `--${param.name} VALUE` : `[--${param.name} VALUE]`;
}

/** The usage line and parameter list `baton run FILE TASK --help` prints. */
export function describeParameters(file: string, taskName: string, params: readonly ParamInfo[]): string[] {
  const lines = [`Usage: baton run ${file} ${taskName} ${params.map(shortUsage).join(' ')}`.trimEnd(), ''];
  if (params.length === 0) {
    lines.push(`Task ${taskName} takes no parameters.`);
    return lines;
  }
  lines.push(`Parameters of task ${taskName}:`);
  const width = Math.max(...params.map((param) => param.name.length + 2));
  for (const param of params) {
    const what = param.rest
      ? 'repeatable (rest parameter)'
      : param.defaultSource === undefined
        ? 'required'
        : `default: ${oneLine(param.defaultSource)}`;
    lines.push(`  ${`--${param.name}`.padEnd(width)}  ${what}`);
  }
  lines.push('', 'Values are parsed as JSON when they parse (0.5, true, [1,2], "text"), else taken as text.');
  return lines;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
