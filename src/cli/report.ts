// How a failure is shown: one line `baton: <what> (<where>) — <what to do>`, then only what helps:
// the first frames of a task's own stack, or with --verbose every stack and the cause chain.
import { isAbsolute, relative } from 'node:path';
import { BatonError, ConfigError, TaskError } from '../errors.ts';
import { inBatonSource } from './baton-source.ts';

/** Frames of a task's stack shown without --verbose, so the user sees where it threw. */
const TASK_STACK_FRAMES = 5;
/** A frame of Baton's machinery or Node's internals, left out of a task's stack without --verbose. */
function isMachinery(frame: string): boolean {
  return inBatonSource(frame) || frame.includes('(node:internal/') || frame.startsWith('at node:internal/');
}

/** The text to print on stderr for `error`, ending in a newline. */
export function formatError(error: unknown, options: { verbose: boolean; cwd: string }): string {
  const lines = [headline(error, options.cwd)];
  if (error instanceof TaskError) {
    const frames = stackFrames(error.remoteStack);
    const shown = options.verbose
      ? frames
      : frames.filter((frame) => !isMachinery(frame)).slice(0, TASK_STACK_FRAMES);
    lines.push(...shown.map((frame) => `    ${frame}`));
    if (!options.verbose && frames.length > shown.length)
      lines.push('    … (--verbose shows the whole stack)');
  } else if (options.verbose) {
    lines.push(...indent(stackOf(error)));
  }
  if (options.verbose) {
    for (const cause of causeChain(error)) lines.push('  caused by:', ...indent(stackOf(cause), 4));
  }
  return `${lines.join('\n')}\n`;
}

function headline(error: unknown, cwd: string): string {
  if (!(error instanceof Error))
    return `baton: ${String(error)} — this is a bug in Baton or the workflow; rerun with --verbose`;
  const [first = '', ...more] = error.message.split('\n');
  let line = error instanceof BatonError ? `baton: ${first}` : `baton: ${error.name}: ${first}`;
  const where = error instanceof ConfigError ? configWhere(error, cwd) : undefined;
  if (where) line += ` (${where})`;
  if (error instanceof BatonError) {
    if (error.hint) line += ` — ${error.hint}`;
  } else {
    line += ' — rerun with --verbose to see where it came from';
  }
  return [line, ...more.map((text) => `  ${text}`)].join('\n');
}

/** `in baton.toml [executors.gpu] max_workers`, unless the message already says where. */
function configWhere(error: ConfigError, cwd: string): string | undefined {
  const parts: string[] = [];
  if (error.file) {
    const shown = displayPath(error.file, cwd);
    if (error.message.includes(shown) || error.message.includes(error.file)) return undefined;
    parts.push(`in ${shown}`);
  }
  if (error.section && !error.message.includes(error.section)) parts.push(`[${error.section}]`);
  if (error.key && !error.message.includes(error.key)) parts.push(error.key);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** A path as the user knows it: relative when it is below the working directory. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** The `at ...` lines of a stack. */
function stackFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
}

function stackOf(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function indent(text: string, spaces = 2): string[] {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => pad + line);
}

/** The causes of `error`, outermost first; an AggregateError contributes each of its errors. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const seen = new Set<unknown>([error]);
  let current: unknown = error;
  while (current instanceof Error) {
    const next: unknown = current.cause;
    if (current instanceof AggregateError) {
      for (const inner of current.errors as unknown[]) if (!seen.has(inner)) chain.push(inner);
    }
    if (next === undefined || seen.has(next)) break;
    seen.add(next);
    chain.push(next);
    current = next;
  }
  return chain;
}
