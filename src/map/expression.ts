// `baton map --expression`: the function travels as its source text, an argument of the built-in task
// `baton.map.expression`, and is compiled where the job runs, so it runs on every executor (a closure
// could not leave the process). Its text is part of each call's hash: editing it re-runs the items.
import { Script } from 'node:vm';
import { UsageError } from '../errors.ts';
import { builtInTask } from '../task/index.ts';

export type ItemFunction = (item: unknown) => unknown;

/** The file name stack traces give for code of an expression. */
const FILENAME = 'baton-map-expression.js';
/** Compiled functions kept per process; a worker sees few distinct sources. */
const MAX_CACHED = 64;
const compiled = new Map<string, ItemFunction>();

/** `Unexpected token '*'` with the line and the caret V8 points at, when it is a line of the source. */
function syntaxMessage(error: SyntaxError, source: string): string {
  const lines = (error.stack ?? '').split('\n');
  const at = lines.findIndex((line) => line.startsWith(`${FILENAME}:`));
  const lineNumber = at >= 0 ? Number(lines[at]!.slice(FILENAME.length + 1)) : NaN;
  const sourceLines = source.split('\n');
  if (!(lineNumber >= 1 && lineNumber <= sourceLines.length)) {
    return `SyntaxError: ${error.message}${lineNumber > sourceLines.length ? ' (at the end of the expression)' : ''}`;
  }
  // The source was wrapped in `(`: on the first line, shift the caret back under what the user wrote.
  const caret = (lines[at + 2] ?? '').slice(lineNumber === 1 ? 1 : 0);
  return [`SyntaxError: ${error.message}`, sourceLines[lineNumber - 1]!, caret].join('\n');
}

/**
 * The value of the JavaScript expression `source`, evaluated in this process's global scope (no
 * module scope; `import()` works). `what` names the source in errors (the CLI says `--over`).
 */
export function evaluateSource(source: string, what: string): unknown {
  const wrapped = `(${source}\n)`;
  try {
    // vm parses first, for its error's line and caret; `new Function` evaluates, because `import()`
    // works there, where a vm script needs an experimental loader option.
    new Script(wrapped, { filename: FILENAME });
    return (new Function(`return ${wrapped}`) as () => unknown)();
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UsageError(`${what} does not parse: ${syntaxMessage(error, source)}`, {
        hint: 'write one JavaScript expression, quoted for the shell',
      });
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UsageError(`${what} threw while it was being evaluated: ${reason}`, { cause: error });
  }
}

/**
 * Compiles `source`, which must evaluate to a function of one item (`x => x ** 2`, `async (row) => …`),
 * once per process. `what` names the source in errors (the CLI says `--expression`).
 */
export function compileExpression(source: string, what = 'the map expression'): ItemFunction {
  const known = compiled.get(source);
  if (known) return known;
  const value = evaluateSource(source, what);
  if (typeof value !== 'function') {
    throw new UsageError(`${what} is not a function (it evaluates to ${describeValue(value)})`, {
      hint: "write a function of one item, e.g. 'x => x ** 2'",
    });
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(source, value as ItemFunction);
  return value as ItemFunction;
}

/** `a number`, `null`, `an array`: what a value is, for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `a ${typeof value}`;
}

/** Calls the function `source` evaluates to on `item`; map gives the source after each item. */
export const mapExpression = builtInTask(
  'baton.map.expression',
  (item: unknown, source: string): unknown => compileExpression(source)(item),
  import.meta.url,
  { version: '1' },
);
