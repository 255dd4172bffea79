// script(): a task whose body is a shell command. The command's `{name}` placeholders are read from its
// literal type, so a call must give exactly the values the command uses; the job itself runs in
// src/files (runScript), on any executor that has a POSIX shell.
import { ConfigError, WorkflowError } from '../errors.ts';
import {
  checkScriptArgs,
  parseTemplate,
  runScript,
  type Dir,
  type File,
  type ScriptSpec,
} from '../files/index.ts';
import { isExpr, type LazyArgs } from './expr.ts';
import type { TaskOptions } from './options.ts';
import { task, type Task } from './task.ts';

type Chars<S extends string, Found extends string = never> = S extends `${infer C}${infer Rest}`
  ? Chars<Rest, Found | C>
  : Found;
type Digit = Chars<'0123456789'>;
type IdentifierChar = Digit | Chars<'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'>;
type AllIdentifierChars<S extends string> = S extends `${infer C}${infer Rest}`
  ? C extends IdentifierChar
    ? AllIdentifierChars<Rest>
    : false
  : true;
type IsIdentifier<S extends string> = S extends `${infer C}${string}`
  ? C extends Digit
    ? false
    : AllIdentifierChars<S>
  : false;

/**
 * The placeholders of a command template: from each `{` to the next `}`, an identifier, unless the `{`
 * follows a `$` (the shell's `${name}`). The same scan as the runtime's (src/files/template.ts).
 */
export type Placeholders<
  S extends string,
  Found extends string = never,
> = S extends `${infer Before}{${infer Name}}${infer After}`
  ? Placeholders<
      After,
      Found | (Before extends `${string}$` ? never : IsIdentifier<Name> extends true ? Name : never)
    >
  : Found;

/** What a placeholder may be given: a File or Dir gives its local path; arrays give one word per item. */
export type ScriptScalar = string | number | bigint | boolean | File | Dir;
export type ScriptValue = ScriptScalar | readonly ScriptScalar[];

/** Output name → path in the script's working directory (or absolute); a path ending in `/` is a folder. */
export type ScriptOutputPaths = Readonly<Record<string, string>>;

type InputNames<C extends string, O> = Exclude<Placeholders<C>, keyof O>;

/** The one argument of a script call: a value for each placeholder that is not an output. */
export type ScriptArgs<C extends string, O = Record<never, never>> = string extends C
  ? Record<string, ScriptValue>
  : { [K in InputNames<C, O>]: ScriptValue };

type ScriptParams<C extends string, O> = string extends C
  ? [args?: ScriptArgs<C, O>]
  : [InputNames<C, O>] extends [never]
    ? [args?: ScriptArgs<C, O>]
    : [args: ScriptArgs<C, O>];

/** stdout alone, or with outputs declared: stdout and a File (or Dir, for a path ending in `/`) per output. */
export type ScriptResult<O> = [keyof O] extends [never]
  ? string
  : { stdout: string; files: { -readonly [K in keyof O]: O[K] extends `${string}/` ? Dir : File } };

/** Task options and the script's own. */
export type ScriptOptions<O extends ScriptOutputPaths = Record<never, never>> = TaskOptions & {
  /** Files (or folders) the command writes, returned as File (or Dir) values. @default none */
  outputs?: O;
  /** The shell that runs the command with `-c`. @default '/bin/sh' */
  shell?: string;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkOutputs(name: string, outputs: unknown): Record<string, string> {
  if (outputs === undefined) return {};
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
    throw new ConfigError(`script ${name}: option outputs must map names to paths, e.g. { out: 'out.txt' }`);
  }
  const checked: Record<string, string> = {};
  for (const [key, path] of Object.entries(outputs)) {
    if (!IDENTIFIER.test(key)) {
      throw new ConfigError(
        `script ${name}: output name '${key}' is not an identifier`,
        {},
        {
          hint: 'output names are also placeholders: use letters, digits and _',
        },
      );
    }
    const relative = typeof path === 'string' ? path.replace(/\/$/, '') : '';
    const escapes = relative.split('/').some((part) => part === '..');
    if (relative === '' || (!relative.startsWith('/') && escapes)) {
      throw new ConfigError(
        `script ${name}: output ${key} must be a path inside the working directory`,
        {},
        {
          hint: "give e.g. 'out.txt', 'plots/' (a folder) or an absolute path",
        },
      );
    }
    checked[key] = path as string;
  }
  return checked;
}

/** The same task, checking the argument of each call before building its expression. */
function checkedTask<A extends unknown[], R>(
  inner: Task<A, R>,
  check: (args: readonly unknown[]) => void,
): Task<A, R> {
  const call = (...args: LazyArgs<A>) => {
    check(args);
    return inner(...args);
  };
  const descriptors: Record<PropertyKey, PropertyDescriptor> = Object.getOwnPropertyDescriptors(inner);
  delete descriptors.options;
  Object.defineProperties(call, descriptors);
  Object.defineProperty(call, 'options', {
    value: (partial: TaskOptions) => checkedTask(inner.options(partial), check),
  });
  return call as unknown as Task<A, R>;
}

/**
 * Defines a task whose body is a shell command run with `/bin/sh -c` in a fresh temporary directory.
 * `{name}` placeholders are filled from the call's one object argument, shell-quoted (a File or Dir
 * gives its path); outputs are placeholders too, filled with their paths. The result is the command's
 * stdout, or with `outputs`, `{ stdout, files }` where each output is a File kept by content under
 * `.baton/files/`. The command, outputs and shell are part of the task hash.
 *
 * @example
 * const wc = script('wc', 'wc -l < {input} > {out}', { outputs: { out: 'count.txt' } });
 * const { files } = await run(wc({ input: new File('data.csv') }));
 */
export function script<const C extends string, const O extends ScriptOutputPaths = Record<never, never>>(
  name: string,
  command: C,
  options: ScriptOptions<O> = {},
): Task<ScriptParams<C, O>, ScriptResult<O>> {
  if (typeof command !== 'string' || command.trim() === '') {
    throw new ConfigError(`script ${String(name)}: the command must be a non-empty string`);
  }
  const { outputs, shell = '/bin/sh', ...taskOptions } = options;
  if (typeof shell !== 'string' || shell === '') {
    throw new ConfigError(`script ${name}: option shell must be the path of a shell`);
  }
  const checkedOutputs = checkOutputs(name, outputs);
  const template = parseTemplate(command);
  const outputNames = Object.keys(checkedOutputs).sort();
  const inputs = template.names.filter((placeholder) => !outputNames.includes(placeholder));
  const spec: ScriptSpec = { name, template, outputs: checkedOutputs, inputs, shell };
  // What the job does is the command, its outputs and shell: they stand in for the function's source.
  const outputList = outputNames.map((key) => [key, checkedOutputs[key]]);
  const version = JSON.stringify(['script/1', command, outputList, shell, taskOptions.version ?? null]);
  const defined = task(name, (args?: unknown) => runScript(spec, args), { ...taskOptions, version });
  return checkedTask(defined as unknown as Task<ScriptParams<C, O>, ScriptResult<O>>, (args) => {
    if (args.length > 1) {
      throw new WorkflowError(`script ${name} takes one argument, an object of placeholder values`);
    }
    checkScriptArgs(name, inputs, outputNames, args[0], isExpr);
  });
}
