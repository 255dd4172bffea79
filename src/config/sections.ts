// Validation of the [backend] and [executors.NAME] sections.
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { resolveExecutorType, type ExecutorConfig, type ExecutorRegistration } from '../executors/index.ts';
import { COMMON_EXECUTOR_KEYS, COMMON_EXECUTOR_SHAPE } from './common-keys.ts';
import { checkFields, unknownKeyIssue, type OptionShape } from './fields.ts';
import { closest, executorSection, type Problem } from './problems.ts';
import type { BackendConfig } from './types.ts';

export const EXECUTOR_NAME = /^[A-Za-z_][\w-]*$/;

const SQLITE = /^sqlite:(.+)$/;
const MEMORY_DB = 'sqlite::memory:';
const POSTGRES = /^postgres(?:ql)?:\/\/\S+$/;

const BACKEND_SHAPE = {
  db: z
    .string()
    .regex(new RegExp(`${SQLITE.source}|${POSTGRES.source}`))
    .optional()
    .describe('"sqlite:PATH" or a "postgres://" URL'),
  values_dir: z
    .string()
    .min(1)
    .refine((path) => !path.includes('://'))
    .optional()
    .describe('a directory path'),
  values: z
    .string()
    .min(1)
    .refine((where) => !where.includes('://') || /^s3:\/\/[^/]+/.test(where))
    .optional()
    .describe('a folder path or "s3://bucket/prefix"'),
  s3_endpoint: z.url().optional().describe('an http(s):// URL of an S3-compatible server'),
  s3_path_style: z.boolean().optional().describe('true or false'),
} satisfies OptionShape;

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The backend when nothing says otherwise: SQLite and values under `<root>/.baton/`. */
export function defaultBackend(root: string): BackendConfig {
  return { db: `sqlite:${resolve(root, '.baton/baton.db')}`, valuesDir: resolve(root, '.baton/values') };
}

/** The `default` executor when nothing says otherwise: local worker threads, one per CPU. */
export function defaultExecutor(): ExecutorConfig {
  return { type: 'local', mode: 'threads', max_workers: availableParallelism() };
}

function sqlitePath(db: string, root: string): string {
  const path = SQLITE.exec(db)?.[1];
  // `:memory:` and absolute paths are kept; anything else is relative to the file.
  if (path === undefined || path === ':memory:' || isAbsolute(path)) return db;
  return `sqlite:${resolve(root, path)}`;
}

/** Checks `[backend]` and applies its defaults; relative paths resolve against `root`. */
export function checkBackend(section: unknown, root: string, problems: Problem[]): BackendConfig {
  const defaults = defaultBackend(root);
  if (section === undefined) return defaults;
  if (!isTable(section)) {
    problems.push({ section: 'backend', message: 'expected a table: [backend] with db and values_dir' });
    return defaults;
  }
  const { value, rest, issues } = checkFields(BACKEND_SHAPE, section);
  for (const key of Object.keys(rest)) issues.push(unknownKeyIssue(key, Object.keys(BACKEND_SHAPE)));
  for (const issue of issues) problems.push({ section: 'backend', ...issue });
  const db = typeof value.db === 'string' ? sqlitePath(value.db, root) : defaults.db;
  const backend: BackendConfig = { db, valuesDir: undefined };
  if (typeof value.values === 'string' && typeof value.values_dir === 'string') {
    problems.push({
      section: 'backend',
      key: 'values_dir',
      message: 'values and values_dir both name the value store',
      hint: 'keep values (a folder or s3://bucket/prefix) and remove values_dir',
    });
  }
  const values = value.values ?? value.values_dir;
  if (typeof values === 'string' && values.startsWith('s3://')) backend.values = values;
  else if (typeof values === 'string') backend.valuesDir = resolve(root, values);
  // A database that leaves nothing on disk keeps its large values off the project too, and a shared
  // one keeps them inside itself unless told where the team's value store is.
  else if (db !== MEMORY_DB && !POSTGRES.test(db)) backend.valuesDir = defaults.valuesDir;
  if (value.s3_endpoint !== undefined || value.s3_path_style !== undefined) {
    backend.s3 = {
      endpoint: typeof value.s3_endpoint === 'string' ? value.s3_endpoint : undefined,
      forcePathStyle: typeof value.s3_path_style === 'boolean' ? value.s3_path_style : undefined,
    };
  }
  return backend;
}

interface SectionContext {
  file: string | undefined;
  root: string;
  problems: Problem[];
}

async function registrationFor(
  type: string,
  section: string,
  ctx: SectionContext,
): Promise<ExecutorRegistration | undefined> {
  try {
    return await resolveExecutorType(type, { file: ctx.file, section, baseDir: ctx.root });
  } catch (error) {
    if (error instanceof ConfigError) {
      ctx.problems.push({ section, key: error.key ?? 'type', message: error.message, hint: error.hint });
    } else {
      ctx.problems.push({
        section,
        key: 'type',
        message: `cannot load executor type '${type}': ${String(error)}`,
      });
    }
    return undefined;
  }
}

/** Runs the type's own validation over the keys that are not common; undefined when it found problems. */
function validateTypeOptions(
  registration: ExecutorRegistration,
  type: string,
  options: Record<string, unknown>,
  section: string,
  problems: Problem[],
): Record<string, unknown> | undefined {
  if (!registration.validate) return options;
  let result: ReturnType<NonNullable<ExecutorRegistration['validate']>>;
  try {
    result = registration.validate(options);
  } catch (error) {
    const where = error instanceof ConfigError ? { key: error.key, hint: error.hint } : {};
    problems.push({ section, ...where, message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
  if (result.ok) return result.value;
  for (const issue of result.issues) {
    // The type only knows its own keys; a near miss of a common key (`max_job`) deserves a pointer too.
    const near = /unknown|unrecognized|not allowed/i.test(issue.message)
      ? closest(issue.key, COMMON_EXECUTOR_KEYS)
      : undefined;
    const suggestion =
      near !== undefined && !/did you mean/i.test(issue.message) ? `; did you mean ${near}?` : '';
    problems.push({ section, key: issue.key, message: `${issue.message}${suggestion}` });
  }
  if (result.issues.length === 0)
    problems.push({ section, message: `the ${type} executor rejected its options` });
  return undefined;
}

/** Checks one `[executors.NAME]` section; undefined when it has problems (they are added to `ctx.problems`). */
export async function checkExecutor(
  name: string,
  table: unknown,
  ctx: SectionContext,
): Promise<ExecutorConfig | undefined> {
  const section = executorSection(name);
  if (!EXECUTOR_NAME.test(name)) {
    ctx.problems.push({
      section,
      message: `'${name}' is not a valid executor name`,
      hint: 'an executor name starts with a letter or _ and holds letters, digits, _ and -',
    });
    return undefined;
  }
  if (!isTable(table)) {
    ctx.problems.push({
      section,
      message: `expected a table: [${section}] with type = "..." and its options`,
    });
    return undefined;
  }
  const { value: common, rest, issues } = checkFields(COMMON_EXECUTOR_SHAPE, table);
  for (const issue of issues) ctx.problems.push({ section, ...issue });
  const type = common.type;
  if (typeof type !== 'string') return undefined;
  const registration = await registrationFor(type, section, ctx);
  if (!registration) return undefined;
  const own = validateTypeOptions(registration, type, rest, section, ctx.problems);
  if (own === undefined || issues.length > 0) return undefined;
  const ownOnly = Object.fromEntries(
    Object.entries(own).filter(([key]) => !Object.hasOwn(COMMON_EXECUTOR_SHAPE, key)),
  );
  return { ...common, type, ...ownOnly };
}
