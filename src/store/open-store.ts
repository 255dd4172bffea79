// Opens the store a database URL names (`backend.db` in baton.toml).
import { dirname, join, resolve } from 'node:path';
import { redact, type BatonConfig } from '../config/index.ts';
import { StoreError } from '../errors.ts';
import { openScratch } from '../scratch/index.ts';
import { ScratchValues } from './scratch-values.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { OpenStoreOptions, Store } from './types.ts';
import type { ValueBlobListener } from './value-blobs.ts';

/** The default database URL, relative to the working directory. */
export const DEFAULT_DB_URL = 'sqlite:.baton/baton.db';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Whether `url` names a PostgreSQL database (a store several schedulers may share). */
export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url);
}

/** The options `[backend]` of baton.toml gives `openStore(config.backend.db, ...)`. */
export function backendStoreOptions(config: Pick<BatonConfig, 'backend' | 'root'>): OpenStoreOptions {
  const { valuesDir, values, s3 } = config.backend;
  return { cwd: config.root, valuesDir, values, s3 };
}

/**
 * Opens (creating and migrating if needed) the store at `url`: `sqlite:PATH` with PATH relative to
 * `cwd`, `sqlite::memory:` for a throwaway database, or a `postgres://` URL for a team's store.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const inlineLimit = options.inlineLimit;
  if (inlineLimit !== undefined && !(Number.isSafeInteger(inlineLimit) && inlineLimit >= 0)) {
    throw new StoreError(
      `inlineLimit for database ${redact(url)} must be a whole number of bytes >= 0, got ${inlineLimit}`,
    );
  }
  const values = options.values ?? options.valuesDir;
  const remoteValues = values !== undefined && values.includes('://');
  if (isPostgresUrl(url)) {
    // Loaded only here, so a project on SQLite never loads the PostgreSQL client.
    const { PostgresStore } = await import('./postgres/index.ts');
    const store = new PostgresStore({
      url,
      values: values === undefined || remoteValues ? values : resolve(cwd, values),
      s3: options.s3,
      inlineLimit,
      upgrade: options.upgrade,
    });
    await store.open();
    return store;
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  if (!file) {
    throw new StoreError(`cannot open database ${redact(url)}: unsupported database URL`, {
      hint: `set backend.db in baton.toml to "sqlite:PATH" (e.g. "${DEFAULT_DB_URL}"), "sqlite::memory:" or "postgres://USER@HOST/DATABASE"`,
    });
  }
  const path = file === ':memory:' ? file : resolve(cwd, file);
  const valuesDir =
    values !== undefined && !remoteValues
      ? resolve(cwd, values)
      : path === ':memory:' || remoteValues
        ? undefined
        : join(dirname(path), 'values');
  const valueStore = remoteValues
    ? (listener: ValueBlobListener) =>
        new ScratchValues(openScratch(values, { cwd, s3: options.s3 }), listener)
    : undefined;
  const store = new SqliteStore({ path, valuesDir, inlineLimit, valueStore });
  await store.open();
  return store;
}
