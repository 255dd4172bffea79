// Shared by the store tests: temporary folders, stores in each writer mode, and sample records.
import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  newId,
  openStore,
  SqliteStore,
  type CacheEntry,
  type ExecutionRecord,
  type JobRecord,
  type SqliteStoreOptions,
  type Store,
  type TaskRecord,
} from '../../src/store/index.ts';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh folder, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-store-test-'));
  made.push(dir);
  return dir;
}

/** The ways a store can write: in memory, to a file on a writer thread, to a file on its own thread. */
export const MODES = ['memory', 'file, writer thread', 'file, same thread'] as const;
export type Mode = (typeof MODES)[number];

export async function storeIn(mode: Mode, options: Partial<SqliteStoreOptions> = {}): Promise<Store> {
  if (mode === 'memory') return openStore('sqlite::memory:', { inlineLimit: options.inlineLimit });
  const dir = await tempDir();
  const store = new SqliteStore({
    path: join(dir, 'baton.db'),
    valuesDir: join(dir, 'values'),
    writerThread: mode === 'file, writer thread',
    ...options,
  });
  await store.open();
  return store;
}

export const sha = (char: string): string => char.repeat(64);

export function execution(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: newId(),
    taskName: 'main',
    argsPreview: "('https://example.com', 0.5)",
    status: 'running',
    startedAt: 1_700_000_000_000,
    cwd: '/work/project',
    argv: ['node', 'baton', 'run', 'workflow.ts', 'main'],
    host: 'laptop',
    pid: 4242,
    ...overrides,
  };
}

export function job(executionId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: newId(),
    executionId,
    taskName: 'train',
    taskHash: sha('t'),
    evalHash: sha('e'),
    executor: 'default',
    status: 'queued',
    attempt: 1,
    queuedAt: 1_700_000_000_100,
    ...overrides,
  };
}

export function task(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    hash: sha('a'),
    name: 'train',
    source: '(rows, C) => fit(rows, C)',
    moduleUrl: 'file:///work/project/workflow.ts',
    ...overrides,
  };
}

export function cacheEntry(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    evalHash: sha('e'),
    valueHash: sha('v'),
    callHash: sha('c'),
    jobId: newId(),
    executionId: newId(),
    createdAt: 1_700_000_000_200,
    ...overrides,
  };
}

/** The record without the counts a read adds. */
export function withoutCounts(rec: ExecutionRecord | undefined): Omit<ExecutionRecord, 'counts'> | undefined {
  if (!rec) return undefined;
  const { counts: _counts, ...rest } = rec;
  return rest;
}
