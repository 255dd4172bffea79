// Executor types by name. Built-in types register themselves lazily (their modules load only when
// a configured executor uses them); plugins register with `registerExecutor`.
import { ConfigError } from '../errors.ts';
import type { ExecutorFactory, ExecutorOptionsValidator, ExecutorRegistration } from './types.ts';

const KEY = Symbol.for('baton.executor-types');

function table(): Map<string, ExecutorRegistration> {
  const holder = globalThis as unknown as Record<symbol, Map<string, ExecutorRegistration> | undefined>;
  return (holder[KEY] ??= new Map());
}

/** Built-in types and the module that defines each; imported on first use. */
const BUILT_IN: Record<string, () => Promise<{ registration: ExecutorRegistration }>> = {
  local: () => import('./local/index.ts'),
  container: () => import('./container/index.ts'),
  slurm: () => import('./slurm/index.ts'),
  fleet: () => import('./fleet/index.ts'),
  kubernetes: () => import('./kubernetes/index.ts'),
  'aws-batch': () => import('./aws-batch/index.ts'),
};

/** Makes an executor type available to `type = "..."` in baton.toml. */
export function registerExecutor(
  type: string,
  factory: ExecutorFactory,
  options: { validate?: ExecutorOptionsValidator } = {},
): void {
  table().set(type, { type, create: factory, validate: options.validate });
}

/**
 * Finds the registration for a type: a registered or built-in name, or a module (`./path.ts` relative
 * to `baseDir`, or a package name) that exports `registration` or calls `registerExecutor(type)`.
 */
export async function resolveExecutorType(
  type: string,
  where: { file?: string; section?: string; baseDir: string },
): Promise<ExecutorRegistration> {
  const known = table().get(type);
  if (known) return known;
  const builtIn = BUILT_IN[type];
  if (builtIn) {
    const { registration } = await builtIn();
    table().set(type, registration);
    return registration;
  }
  const looksLikeModule =
    type.startsWith('.') || type.startsWith('/') || type.includes('/') || type.includes('-');
  if (!looksLikeModule) {
    throw new ConfigError(
      `unknown executor type '${type}'`,
      { file: where.file, section: where.section, key: 'type' },
      {
        hint: `use one of ${[...new Set([...Object.keys(BUILT_IN), ...table().keys()])].join(', ')}, or a module path such as ./my-executor.ts`,
      },
    );
  }
  const specifier =
    type.startsWith('.') || type.startsWith('/') ? new URL(type, `file://${where.baseDir}/`).href : type;
  // relative paths are keyed by where they point, so two projects' './x.ts' never collide
  const loadedBefore = table().get(specifier);
  if (loadedBefore) return loadedBefore;
  let loaded: {
    registration?: ExecutorRegistration;
    createExecutor?: ExecutorFactory;
    validateOptions?: ExecutorOptionsValidator;
  };
  try {
    loaded = await import(specifier);
  } catch (cause) {
    throw new ConfigError(
      `cannot load executor module '${type}': ${(cause as Error).message}`,
      { file: where.file, section: where.section, key: 'type' },
      { cause, hint: 'check the path (relative to baton.toml) or install the package' },
    );
  }
  const registration =
    loaded.registration ??
    (specifier === type ? table().get(type) : undefined) ??
    (loaded.createExecutor
      ? { type, create: loaded.createExecutor, validate: loaded.validateOptions }
      : undefined);
  if (!registration) {
    throw new ConfigError(
      `executor module '${type}' exports neither 'registration' nor 'createExecutor'`,
      { file: where.file, section: where.section, key: 'type' },
      { hint: 'see docs/executors/writing-an-executor.md' },
    );
  }
  table().set(specifier, registration);
  return registration;
}
