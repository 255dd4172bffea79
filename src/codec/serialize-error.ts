// Job failures as plain SerializedError data and back, whatever was thrown.
import type { SerializedError } from '../executors/types.ts';
import { describeValue, isErrorValue } from '../hash/index.ts';
import { encodeValue } from './codec.ts';
import { defineOwn, errorFromParts, errorParts } from './error-parts.ts';

type ErrorKind = SerializedError['kind'];

/** Causes nested deeper than this are dropped; a cause chain may loop. */
const MAX_CAUSE_DEPTH = 8;
const STANDARD_FIELDS = new Set(['name', 'message', 'stack']);

/** The fields that survive encoding; the others are dropped so that the outcome itself always travels. */
function portableProps(source: Record<string, unknown>, skip: ReadonlySet<string>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (skip.has(key)) continue;
    const value = source[key];
    if (isPortable(value)) defineOwn(props, key, value);
  }
  return props;
}

function isPortable(value: unknown): boolean {
  try {
    encodeValue(value);
    return true;
  } catch {
    return false;
  }
}

function preview(value: object): string {
  try {
    const json = JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? `${item}n` : item,
    );
    if (typeof json === 'string') return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    // Cycles and throwing getters: fall back to the kind of value.
  }
  return describeValue(value);
}

function nonEmpty(props: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(props).length > 0 ? props : undefined;
}

/**
 * A thrown value as plain data for a JobOutcome. Errors keep name, message, stack and the own fields that
 * can be encoded (`code`, ...); the cause goes to `props.cause` (itself serialized when it is an Error) and
 * an AggregateError's errors to `props.errors`. A thrown string becomes the message; other non-Error
 * values give an Error whose message shows them.
 */
export function serializeError(error: unknown, kind: ErrorKind = 'application'): SerializedError {
  return serialize(error, kind, 0);
}

function serialize(error: unknown, kind: ErrorKind, depth: number): SerializedError {
  if (typeof error === 'object' && error !== null && isErrorValue(error)) {
    const parts = errorParts(error);
    const props = portableProps(parts.props, STANDARD_FIELDS);
    if (parts.hasCause && depth < MAX_CAUSE_DEPTH) {
      const cause = parts.cause;
      if (typeof cause === 'object' && cause !== null && isErrorValue(cause))
        props.cause = serialize(cause, kind, depth + 1);
      else if (isPortable(cause)) props.cause = cause;
    }
    if (parts.errors !== undefined && depth < MAX_CAUSE_DEPTH) {
      props.errors = parts.errors.map((item) => serialize(item, kind, depth + 1));
    }
    return { name: parts.name, message: parts.message, stack: parts.stack, kind, props: nonEmpty(props) };
  }
  if (typeof error === 'object' && error !== null) {
    const fields = error as Record<string, unknown>;
    return {
      name: typeof fields.name === 'string' ? fields.name : 'Error',
      message:
        typeof fields.message === 'string'
          ? fields.message
          : `a non-Error value was thrown: ${preview(error)}`,
      stack: typeof fields.stack === 'string' ? fields.stack : undefined,
      kind,
      props: nonEmpty(portableProps(fields, STANDARD_FIELDS)),
    };
  }
  const message = typeof error === 'string' ? error : `a non-Error value was thrown: ${String(error)}`;
  return { name: 'Error', message, kind };
}

function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields.name === 'string' && typeof fields.message === 'string' && typeof fields.kind === 'string'
  );
}

/** An Error with the name, message, stack and fields of `data` (built-in names get their built-in class). */
export function deserializeError(data: SerializedError): Error {
  const props: Record<string, unknown> = {};
  const source = typeof data.props === 'object' && data.props !== null ? data.props : {};
  for (const key of Object.keys(source)) defineOwn(props, key, source[key]);
  const hasCause = Object.hasOwn(props, 'cause');
  const cause = isSerializedError(props.cause) ? deserializeError(props.cause) : props.cause;
  delete props.cause;
  let errors: unknown[] | undefined;
  if (data.name === 'AggregateError' && Array.isArray(props.errors)) {
    errors = (props.errors as unknown[]).map((item) =>
      isSerializedError(item) ? deserializeError(item) : item,
    );
    delete props.errors;
  }
  return errorFromParts({
    name: typeof data.name === 'string' ? data.name : 'Error',
    message: typeof data.message === 'string' ? data.message : String(data.message),
    stack: typeof data.stack === 'string' ? data.stack : undefined,
    hasCause,
    cause,
    props,
    errors,
  });
}
