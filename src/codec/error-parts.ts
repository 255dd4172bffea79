// Errors taken apart into plain fields and put back together, for errors inside values and for job outcomes.

export interface ErrorParts {
  name: string;
  message: string;
  stack: string | undefined;
  /** Whether the error has its own `cause` (which may be undefined). */
  hasCause: boolean;
  cause: unknown;
  /** Own enumerable fields besides name, message, stack and cause, e.g. `code`. */
  props: Record<string, unknown>;
  /** The `errors` of an AggregateError. */
  errors: unknown[] | undefined;
}

const STANDARD_FIELDS = new Set(['name', 'message', 'stack', 'cause']);

const BUILTIN_ERRORS = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** Sets an own data property; plain assignment of `__proto__` would set the prototype instead. */
export function defineOwn(target: object, key: string, value: unknown, enumerable = true): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

export function errorParts(error: Error): ErrorParts {
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (!STANDARD_FIELDS.has(key)) defineOwn(props, key, (error as unknown as Record<string, unknown>)[key]);
  }
  const errors = (error as { errors?: unknown }).errors;
  return {
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    hasCause: Object.hasOwn(error, 'cause'),
    cause: error.cause,
    props,
    errors: error instanceof AggregateError && Array.isArray(errors) ? [...(errors as unknown[])] : undefined,
  };
}

/** An Error with the given name, message, stack, cause and fields; built-in names get their built-in class. */
export function errorFromParts(parts: ErrorParts): Error {
  // The stack is replaced anyway: do not pay for capturing one here.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: Error;
  try {
    error =
      parts.name === 'AggregateError'
        ? new AggregateError(parts.errors ?? [], parts.message)
        : new (BUILTIN_ERRORS.get(parts.name) ?? Error)(parts.message);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (error.name !== parts.name) defineOwn(error, 'name', parts.name, false);
  if (parts.stack === undefined) delete (error as { stack?: string }).stack;
  else defineOwn(error, 'stack', parts.stack, false);
  if (parts.hasCause) defineOwn(error, 'cause', parts.cause, false);
  for (const key of Object.keys(parts.props)) defineOwn(error, key, parts.props[key]);
  return error;
}
