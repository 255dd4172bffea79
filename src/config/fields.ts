// Checks a table key by key against zod schemas, so every message names its key and what it expected.
import { z } from 'zod';
import type { ExecutorOptionsValidator } from '../executors/index.ts';
import { didYouMean, showValue } from './problems.ts';
import { isSecretKey } from './redact.ts';

/**
 * Schemas by key. Give each one `.describe('a whole number >= 1')` so messages read
 * `expected a whole number >= 1, got "eight"`; a schema that rejects `undefined` makes its key required.
 */
export type OptionShape = Record<string, z.ZodType>;

export interface FieldIssue {
  key: string;
  message: string;
}

export interface FieldCheck {
  /** The keys of the shape that were given or have defaults, parsed. */
  value: Record<string, unknown>;
  /** Keys the shape does not name. */
  rest: Record<string, unknown>;
  issues: FieldIssue[];
}

/** The description of a schema, looking through `.optional()`, `.default()` and the like. */
function expectation(schema: z.ZodType): string | undefined {
  let current: unknown = schema;
  for (let depth = 0; depth < 8 && current instanceof z.ZodType; depth++) {
    if (current.description !== undefined) return current.description;
    const def: unknown = current.def;
    current = typeof def === 'object' && def !== null && 'innerType' in def ? def.innerType : undefined;
  }
  return undefined;
}

function fieldMessage(key: string, schema: z.ZodType, value: unknown, error: z.ZodError): string {
  const expected = expectation(schema);
  if (value === undefined) return expected ? `missing; expected ${expected}` : 'missing';
  const got = isSecretKey(key) ? '***' : showValue(value);
  if (expected) return `expected ${expected}, got ${got}`;
  const first = error.issues[0]?.message ?? 'invalid value';
  return `${first.charAt(0).toLowerCase()}${first.slice(1)}, got ${got}`;
}

/** Checks `table` against `shape`; unknown keys are returned in `rest` for the caller to judge. */
export function checkFields(shape: OptionShape, table: Record<string, unknown>): FieldCheck {
  const value: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const given = table[key];
    const parsed = schema.safeParse(given);
    if (!parsed.success) issues.push({ key, message: fieldMessage(key, schema, given, parsed.error) });
    else if (parsed.data !== undefined) value[key] = parsed.data;
  }
  for (const [key, given] of Object.entries(table)) if (!Object.hasOwn(shape, key)) rest[key] = given;
  return { value, rest, issues };
}

/** The issue for a key no schema names, with the nearest known key as a suggestion. */
export function unknownKeyIssue(key: string, known: Iterable<string>): FieldIssue {
  return { key, message: `unknown key${didYouMean(key, known)}` };
}

/**
 * Builds the `validate` of an executor registration from zod schemas by key. Unknown keys are errors
 * with a suggestion. Use it in a plugin: `registerExecutor('x', create, { validate: optionsValidator({...}) })`.
 */
export function optionsValidator(shape: OptionShape): ExecutorOptionsValidator {
  return (options) => {
    const { value, rest, issues } = checkFields(shape, options);
    for (const key of Object.keys(rest)) issues.push(unknownKeyIssue(key, Object.keys(shape)));
    return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
  };
}
