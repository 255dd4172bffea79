// Where a bad value sits inside an argument. Walks record nothing on the way down; a failure is a
// PathFault that each enclosing container stamps with its key on the way out, so the happy path pays nothing.
import { SerializationError } from '../errors.ts';

/** One step from a container to a value inside it. */
export type PathSegment =
  | string
  | number
  | { readonly mapKey: number }
  | { readonly mapValue: unknown }
  | { readonly setItem: number };

/** A value that cannot be hashed or encoded, with the path from the root filled in while unwinding. */
export class PathFault {
  /** What was found, e.g. `a function` or `an instance of class Model`. */
  readonly found: string;
  /** What the user can do about it. */
  readonly advice: string;
  readonly cause: unknown;
  /** Innermost segment first. */
  readonly segments: PathSegment[] = [];
  /** A complete error from a nested walk (a codec hashing what it holds), reported as it is. */
  readonly original: SerializationError | undefined;
  constructor(found: string, advice: string, cause?: unknown) {
    this.found = found;
    this.advice = advice;
    this.cause = cause;
    this.original = cause instanceof SerializationError ? cause : undefined;
  }
}

export const STACK_ADVICE = 'flatten the value, or pass it as a File';

/** Adds the segment of the enclosing container; turns any other error (a throwing getter, a stack overflow) into a fault. */
export function faultAt(error: unknown, segment: PathSegment): PathFault {
  const fault = asFault(error);
  fault.segments.push(segment);
  return fault;
}

export function asFault(error: unknown): PathFault {
  if (error instanceof PathFault) return error;
  // No message check here: near a stack overflow even a regular expression can overflow again.
  if (error instanceof RangeError)
    return new PathFault('a value nested too deeply for the call stack', STACK_ADVICE, error);
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new PathFault(
    `a value that threw while being read (${text})`,
    'make sure getters do not throw',
    error,
  );
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keyText(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'bigint':
      return `${key}n`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(key);
    default:
      return key === null ? 'null' : '<object key>';
  }
}

/** `prefix` followed by the segments (given innermost first), e.g. `rows[3].model`. */
export function formatPath(prefix: string, segments: readonly PathSegment[]): string {
  let path = prefix;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string') {
      if (!IDENTIFIER.test(segment)) path += `[${JSON.stringify(segment)}]`;
      else path += path === '' ? segment : `.${segment}`;
    } else if (segment === undefined) continue;
    else if ('mapKey' in segment) path += `.keys()[${segment.mapKey}]`;
    else if ('mapValue' in segment) path += `.get(${keyText(segment.mapValue)})`;
    else path += `.values()[${segment.setItem}]`;
  }
  return path;
}

/** The typed error for a failed walk; `verb` is what was attempted (`hash`, `encode`). */
export function faultToError(error: unknown, verb: string, prefix: string): SerializationError {
  const fault = asFault(error);
  if (fault.original) return fault.original;
  const path = formatPath(prefix, fault.segments);
  const where = path === '' ? 'the value' : path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return new SerializationError(`cannot ${verb} ${where}: found ${fault.found}; ${fault.advice}`, path, {
    cause: fault.cause,
  });
}

/** Names a call's arguments by position: the parameters' names, or a function giving the name of each. */
export type ArgumentNames = readonly string[] | ((index: number) => string);

/**
 * The typed error for a failed walk over an argument list: the outermost segment (the argument's
 * index) becomes its name, so the path reads `rows[3].model` rather than `[1][3].model`.
 */
export function argsFaultToError(error: unknown, verb: string, names?: ArgumentNames): SerializationError {
  const fault = asFault(error);
  const index = fault.original ? undefined : fault.segments.pop();
  if (typeof index !== 'number') {
    if (index !== undefined) fault.segments.push(index);
    return faultToError(fault, verb, 'args');
  }
  const name = typeof names === 'function' ? names(index) : names?.[index];
  return faultToError(fault, verb, name ?? `arg${index}`);
}
