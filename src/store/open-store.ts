// Opens the store a database URL names (`backend.db` in baton.toml).
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { OpenStoreOptions, Store } from './types.ts';

/** The default database URL, relative to the working directory. */
export const DEFAULT_DB_URL = 'sqlite:.baton/baton.db';

// Never print a password that sits in a URL.
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * Opens (creating and migrating if needed) the store at `url`: `sqlite:PATH` with PATH relative to
 * `cwd`, or `sqlite::memory:` for a throwaway database.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new StoreError(
      `cannot open database ${redact(url)}: PostgreSQL support arrives with the team-store issue`,
      {
        hint: `use backend.db = "${DEFAULT_DB_URL}" in baton.toml for now`,
      },
    );
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  if (!file) {
    throw new StoreError(`cannot open database ${redact(url)}: unsupported database URL`, {
      hint: `set backend.db in baton.toml to "sqlite:PATH" (e.g. "${DEFAULT_DB_URL}") or "sqlite::memory:"`,
    });
  }
  const inlineLimit = options.inlineLimit;
  if (inlineLimit !== undefined && !(Number.isSafeInteger(inlineLimit) && inlineLimit >= 0)) {
    throw new StoreError(
      `inlineLimit for database ${url} must be a whole number of bytes >= 0, got ${inlineLimit}`,
    );
  }
  const path = file === ':memory:' ? file : resolve(cwd, file);
  const valuesDir =
    options.valuesDir !== undefined
      ? resolve(cwd, options.valuesDir)
      : path === ':memory:'
        ? undefined
        : join(dirname(path), 'values');
  const store = new SqliteStore({ path, valuesDir, inlineLimit });
  await store.open();
  return store;
}
