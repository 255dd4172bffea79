// Loading the workflow file `baton run FILE TASK` names, and finding TASK in it.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BatonError, WorkflowError } from '../errors.ts';
import {
  CallExpr,
  importWorkflow,
  isTask,
  listTasks,
  type Expr,
  type Task,
  type TaskDef,
} from '../task/index.ts';
import { inBatonSource } from './baton-source.ts';
import { displayPath } from './report.ts';

export interface LoadedWorkflow {
  /** Absolute path of the file. */
  path: string;
  /** The file as the user knows it (relative to the working directory when below it). */
  display: string;
  url: string;
  /** The module's exports; undefined when the module stopped at a top-level `run()`. */
  namespace: Record<string, unknown> | undefined;
}

/** A task the command line chose, and how to call it (an export may carry `.options()` overrides). */
export interface ChosenTask {
  def: TaskDef;
  call(args: unknown[]): Expr<unknown>;
}

/** Imports the workflow file (a top-level `run()` in it stays inert); errors name the file and what to fix. */
export async function loadWorkflow(file: string, cwd: string): Promise<LoadedWorkflow> {
  const path = resolve(cwd, file);
  const display = displayPath(path, cwd);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) {
    throw new WorkflowError(`workflow file ${display} does not exist`, {
      hint: `FILE is resolved against the working directory (${cwd}); check the path`,
    });
  }
  if (!stat.isFile())
    throw new WorkflowError(`workflow file ${display} is not a file`, { hint: 'name a .ts or .js module' });
  const url = pathToFileURL(path).href;
  try {
    return { path, display, url, namespace: await importWorkflow(url) };
  } catch (error) {
    throw explainImportError(error, path, display, cwd);
  }
}

function explainImportError(error: unknown, path: string, display: string, cwd: string): unknown {
  if (error instanceof BatonError) return error;
  if (error instanceof SyntaxError) return syntaxError(error, path, display, cwd);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT') {
    return new WorkflowError(`${display} imports a module that cannot be found: ${message}`, {
      cause: error,
      hint: 'install the package or fix the import path',
    });
  }
  const name = error instanceof Error ? error.name : 'Error';
  return new WorkflowError(`loading ${display} failed: ${name}: ${message}`, {
    cause: error,
    hint: 'the module threw while it ran at top level; --verbose shows the stack',
  });
}

interface Location {
  path: string;
  line: number;
  column: number | undefined;
}

/** `wf.ts:3:12: SyntaxError: Unexpected token ';'` — naming the module that holds the error. */
function syntaxError(error: SyntaxError, path: string, display: string, cwd: string): WorkflowError {
  const location = locationInStack(error.stack) ?? (isJavaScript(path) ? locationFromCheck(path) : undefined);
  const reason = error.message.split('\n')[0]!;
  if (!location) {
    return new WorkflowError(`${display} (or a module it imports) has a syntax error: ${reason}`, {
      cause: error,
      hint: 'fix the syntax error; --verbose shows the stack',
    });
  }
  const where = `${displayPath(location.path, cwd)}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
  const importedBy = location.path === path ? '' : ` (imported by ${display})`;
  return new WorkflowError(`${where}: SyntaxError: ${reason}${importedBy}`, {
    cause: error,
    hint: `fix the code at line ${location.line}`,
  });
}

/** Node puts `path:line`, the source and a caret line before the message of a module's syntax error. */
export function locationInStack(stack: string | undefined): Location | undefined {
  if (!stack) return undefined;
  const lines = stack.split('\n');
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  if (!head) return undefined;
  const file = head[1]!;
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  let column: number | undefined;
  // The source excerpt may hold blank lines; it ends where the error's own text begins.
  for (const line of lines.slice(1)) {
    if (/^[A-Za-z]*Error\b/.test(line)) break;
    if (column === undefined && /^\s*\^+\s*$/.test(line)) column = line.indexOf('^') + 1;
  }
  return { path, line: Number(head[2]), column };
}

function isJavaScript(path: string): boolean {
  return /\.[cm]?js$/.test(path);
}

/** For JavaScript, the syntax error's position is not in the error Node hands back: ask `node --check`. */
function locationFromCheck(path: string): Location | undefined {
  const checked = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  if (checked.status === 0) return undefined;
  return locationInStack(checked.stderr.trimStart());
}

function sameFile(moduleUrl: string | undefined, path: string): boolean {
  if (!moduleUrl) return false;
  try {
    return (moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : moduleUrl) === path;
  } catch {
    return false;
  }
}

/** What TASK can be: task names defined in the file, and exports that hold a task under another name. */
export function availableTasks(workflow: LoadedWorkflow): string[] {
  const names = new Set<string>();
  for (const def of listTasks()) if (sameFile(def.moduleUrl, workflow.path)) names.add(def.name);
  for (const [exportName, value] of Object.entries(workflow.namespace ?? {})) {
    if (isTask(value) && !names.has(exportName)) {
      names.add(exportName === value.taskName ? exportName : `${exportName} (task ${value.taskName})`);
    }
  }
  return [...names].sort();
}

/**
 * TASK is a task's name or the name of an export holding a task. An export of that very name wins
 * over the bare definition, so its `.options()` overrides apply.
 */
export function findTask(name: string, workflow: LoadedWorkflow): ChosenTask {
  const exported = workflow.namespace?.[name];
  const fromExport = isTask(exported) ? exported : undefined;
  if (fromExport && fromExport.taskName === name) return fromTask(fromExport);
  const registered = listTasks().find((def) => def.name === name);
  if (registered) return { def: registered, call: (args) => new CallExpr(registered, args, undefined) };
  if (fromExport) return fromTask(fromExport);
  const available = availableTasks(workflow);
  const others = listTasks()
    .filter((def) => !sameFile(def.moduleUrl, workflow.path) && !inBatonSource(def.moduleUrl))
    .map((def) => def.name);
  const stopped =
    workflow.namespace === undefined ? ' (it calls run() at top level, so only task names can be used)' : '';
  throw new WorkflowError(`${workflow.display} has no task or export named '${name}'${stopped}`, {
    hint:
      available.length > 0
        ? `tasks in ${workflow.display}: ${available.join(', ')}${others.length > 0 ? `; also loaded: ${others.join(', ')}` : ''}`
        : `${workflow.display} defines no tasks: define one with task('name', fn) and export it`,
  });
}

function fromTask(task: Task<unknown[], unknown>): ChosenTask {
  return { def: task.def, call: (args) => task(...args) };
}
