// How the reading commands (log, result, cancel, cache) reach the configured store: opened only if
// it exists (a read must not create a database), and executions found by id or unique prefix.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type BatonConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { backendStoreOptions, openStore, type ExecutionRecord, type Store } from '../store/index.ts';
import type { CliContext } from './args.ts';

/** The store, or undefined when its SQLite file does not exist yet. */
export async function openExistingStore(config: BatonConfig): Promise<Store | undefined> {
  const db = config.backend.db;
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length);
    if (path !== ':memory:' && !existsSync(resolve(config.root, path))) return undefined;
  }
  return openStore(db, backendStoreOptions(config));
}

/** The configuration of the command line, and its store if there is one yet. */
export async function openCliStore(
  ctx: CliContext,
): Promise<{ config: BatonConfig; store: Store | undefined }> {
  const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
  return { config, store: await openExistingStore(config) };
}

export function noSuchExecution(id: string): UsageError {
  return new UsageError(`no execution has an id starting with '${id}'`, {
    hint: 'baton log lists the recent executions',
  });
}

/** The store and the execution with this id or unique id prefix; the caller closes the store. */
export async function openExecution(
  ctx: CliContext,
  id: string,
): Promise<{ store: Store; execution: ExecutionRecord }> {
  const { store } = await openCliStore(ctx);
  if (!store) throw noSuchExecution(id);
  try {
    return { store, execution: await findExecution(store, id) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The execution with this id or unique id prefix; a clear error when there is none. */
export async function findExecution(store: Store | undefined, id: string): Promise<ExecutionRecord> {
  const execution = await store?.getExecution(id);
  if (!execution) throw noSuchExecution(id);
  return execution;
}
