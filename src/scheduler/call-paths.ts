// Where a call sits in the graph, for the errors a user reads: `main → train(rows[3].model)`.
import { SerializationError, TaskError } from '../errors.ts';
import { argumentName, type CaughtError, type TaskDef } from '../task/index.ts';
import type { JobNode } from './execution.ts';
import { preview } from './preview.ts';

/** `main → train(rows, C)`: the names of the calls from the root down to `node`, then `leaf`. */
export function callPath(node: JobNode | undefined, leaf?: string): string {
  const names: string[] = [];
  for (let n = node; n; n = n.parent) names.unshift(n.def.name);
  if (leaf !== undefined) names.push(leaf);
  return names.join(' → ');
}

/** `main → train(rows=[…], C=0.5)`: the call path with this call's arguments. */
export function callPathWithArgs(node: JobNode): string {
  const args = (node.args ?? []).map((arg, i) => `${argumentName(node.def.fn, i)}=${preview(arg, 40)}`);
  return callPath(node.parent, `${node.def.name}(${args.join(', ')})`);
}

/** Prefixes a serialization error's path with where the call sits: `main → train(rows[3].model)`. */
export function withCallPath(error: unknown, parent: JobNode | undefined, def: TaskDef): unknown {
  if (!(error instanceof SerializationError)) return error;
  const path = callPath(parent, `${def.name}(${error.path})`);
  return new SerializationError(`${error.message.replace(/\.$/, '')} (at ${path})`, path, {
    cause: error,
    hint: error.hint,
  });
}

/** What a catchError handler receives: the task's own error, not Baton's wrapper around it. */
export function toCaughtError(error: unknown): CaughtError {
  if (error instanceof TaskError) {
    return {
      name: error.remoteName,
      message: error.remoteMessage,
      stack: error.remoteStack,
      taskName: error.taskName,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}
