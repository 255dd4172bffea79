// The Store on an embedded SQLite database (node:sqlite), with values inline or in files.
import { BufferedWrites } from './buffered-writes.ts';
import * as cacheAdmin from './cache-admin.ts';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import { MEMORY_PATH } from './connection.ts';
import { LATEST_SCHEMA_VERSION, type Migration } from './migrations.ts';
import { OwnCacheKeys } from './own-cache-keys.ts';
import { openDatabase } from './sqlite-open.ts';
import { SqliteQueries } from './sqlite-queries.ts';
import type {
  CacheEntry,
  CacheFilter,
  CacheListing,
  CacheQuery,
  CollectOptions,
  CollectReport,
  ExecutionQuery,
  ExecutionRecord,
  JobQuery,
  JobRecord,
  Store,
  StoreDescription,
  StoreInfo,
  TaskRecord,
} from './types.ts';
import type { ValueBlobListener, ValueBlobs } from './value-blobs.ts';
import { ValueFiles } from './value-files.ts';
import { identityBytes, isValueHash, valueHash } from './value-names.ts';
import { WriteBuffer } from './write-buffer.ts';

export interface SqliteStoreOptions {
  /** Absolute path of the database file, or `:memory:`. */
  path: string;
  /** Absolute path of the values folder. @default `values/` beside the database; for `:memory:` a temporary folder removed on close */
  valuesDir?: string | undefined;
  /** Values up to this many bytes are kept inside the database. @default 65536 */
  inlineLimit?: number | undefined;
  /** Another place for large values (an S3 bucket); `valuesDir` is then not used. @default files in `valuesDir` */
  valueStore?: ((listener: ValueBlobListener) => ValueBlobs) | undefined;
  /** @default SQLITE_MIGRATIONS */
  migrations?: readonly Migration[] | undefined;
  /** How long a write may wait in memory before it is flushed, in ms. @default 25 */
  flushInterval?: number | undefined;
  /** Queued rows that trigger a flush without waiting for the timer. @default 20000 */
  maxBatch?: number | undefined;
  /** Rows queued behind a batch being committed before `pressure()` asks writers to wait. @default 30000 */
  backlogLimit?: number | undefined;
  /** Commit on a worker thread (file databases only). @default true */
  writerThread?: boolean | undefined;
  /** How long the store's own thread waits for another process's lock, in ms. @default 5000 */
  busyTimeout?: number | undefined;
}

function checkPaging(method: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(`${method}: ${name} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

interface OpenState {
  db: DatabaseSync;
  queries: SqliteQueries;
  files: ValueBlobs;
  buffer: WriteBuffer;
  /**
   * Set while the database holds no cache entry but the ones this store wrote (it held none when
   * opened, and no other connection has committed since): then `ownCacheKeys` answers most misses.
   */
  ownCacheKeys: OwnCacheKeys | undefined;
}

interface CacheLookup {
  evalHash: string;
  resolve(entry: CacheEntry | undefined): void;
  reject(error: unknown): void;
}

export class SqliteStore extends BufferedWrites implements Store {
  readonly path: string;
  readonly inlineLimit: number;
  private readonly options: SqliteStoreOptions;
  private valuesDir: string | undefined;
  private state: OpenState | undefined;
  private opening: Promise<void> | undefined;
  private lookups: CacheLookup[] = [];

  constructor(options: SqliteStoreOptions) {
    super();
    this.options = options;
    this.path = options.path;
    this.valuesDir = options.valuesDir;
    this.inlineLimit = options.inlineLimit ?? 64 * 1024;
  }

  describe(): StoreDescription {
    return { kind: 'sqlite', path: this.path };
  }

  open(): Promise<void> {
    // Concurrent calls share one opening.
    this.opening ??= this.openOnce().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    if (this.state) return;
    const memory = this.path === MEMORY_PATH;
    let valuesDir = '';
    try {
      if (!memory) await mkdir(dirname(this.path), { recursive: true });
      if (!this.options.valueStore) {
        valuesDir = this.valuesDir ??= memory
          ? await mkdtemp(join(tmpdir(), 'baton-values-'))
          : join(dirname(this.path), 'values');
        await mkdir(valuesDir, { recursive: true });
      }
    } catch (cause) {
      throw new StoreError(`cannot create the folders of database ${this.path}: ${String(cause)}`, {
        cause,
        hint: 'check that the path is writable, or set backend.db in baton.toml to another place',
      });
    }
    const { db, queries, writer } = openDatabase(this.path, this.options, memory);
    // Writes end after open() returns, when `state` is set.
    const listener: ValueBlobListener = {
      written: (hash, size) => {
        const buffer = this.state?.buffer;
        buffer?.queue.values.set(hash, { size, data: null, createdAt: Date.now() });
        buffer?.changed();
      },
      failed: (hash, error) => {
        const buffer = this.state?.buffer;
        // The cache must never point at a value that was not written.
        buffer?.queue.dropCacheFor(hash);
        buffer?.defer(
          new StoreError(`cannot write value ${hash} to ${files.location}: ${String(error)}`, {
            cause: error,
            hint: 'check free space and permissions of the values folder; the call will be recomputed next time',
          }),
        );
      },
    };
    const files = this.options.valueStore?.(listener) ?? new ValueFiles(valuesDir, listener);
    const buffer = new WriteBuffer({
      path: this.path,
      writer,
      files,
      flushInterval: this.options.flushInterval,
      maxBatch: this.options.maxBatch,
      backlogLimit: this.options.backlogLimit,
      // Another process may have written cache entries: from now on only the database knows.
      onOthersCommitted: () => {
        if (this.state) this.state.ownCacheKeys = undefined;
      },
    });
    const ownCacheKeys = queries.anyCacheEntry() ? undefined : new OwnCacheKeys();
    this.state = { db, queries, files, buffer, ownCacheKeys };
  }

  async close(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      await state.buffer.close();
    } finally {
      this.state = undefined;
      state.db.close();
      await state.files.close?.();
      if (this.path === MEMORY_PATH && this.options.valuesDir === undefined && this.valuesDir) {
        await rm(this.valuesDir, { recursive: true, force: true });
        this.valuesDir = undefined;
      }
    }
    const error = state.buffer.takeError();
    if (error) throw error;
  }

  protected liveBuffer(): WriteBuffer {
    return this.live().buffer;
  }

  protected openBuffer(): WriteBuffer | undefined {
    return this.state?.buffer;
  }

  getCache(evalHash: string): Promise<CacheEntry | undefined> {
    let buffer: WriteBuffer;
    try {
      buffer = this.live().buffer;
    } catch (error) {
      return Promise.reject(error);
    }
    const queued = buffer.cacheEntry(evalHash);
    if (queued !== undefined) return Promise.resolve(queued === null ? undefined : { ...queued });
    const own = this.state?.ownCacheKeys;
    if (own && !own.mightHold(evalHash)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      // A fan-out asks for thousands in one turn: they are answered together.
      if (this.lookups.length === 0) queueMicrotask(() => this.answerLookups());
      this.lookups.push({ evalHash, resolve, reject });
    });
  }

  /**
   * True when the store knows without reading that it holds no entry for `evalHash`: nothing is
   * queued for it and the database holds only this store's own entries, none of them (surely) this one.
   */
  cacheMissKnown(evalHash: string): boolean {
    const state = this.state;
    if (!state?.ownCacheKeys || state.ownCacheKeys.mightHold(evalHash)) return false;
    return state.buffer.cacheEntry(evalHash) === undefined;
  }

  override putCache(entry: CacheEntry): void {
    super.putCache(entry);
    this.state?.ownCacheKeys?.add(entry.evalHash);
  }

  private answerLookups(): void {
    const lookups = this.lookups;
    this.lookups = [];
    try {
      const entries = this.live().queries.selectCaches(lookups.map((lookup) => lookup.evalHash));
      lookups.forEach((lookup, i) => lookup.resolve(entries[i]));
    } catch (error) {
      for (const lookup of lookups) lookup.reject(error);
    }
  }

  putValue(bytes: Uint8Array): string {
    return this.queueValue(bytes, this.live().files, this.inlineLimit);
  }

  async getValue(hash: string): Promise<Uint8Array | undefined> {
    const { buffer, queries, files } = this.live();
    if (!isValueHash(hash)) return identityBytes(hash);
    const queued = buffer.value(hash);
    if (queued) return new Uint8Array(queued);
    let bytes = queries.selectValue(hash)?.data ?? undefined;
    if (!bytes) {
      try {
        bytes = await files.read(hash);
      } catch (cause) {
        throw new StoreError(`cannot read value file ${files.pathOf(hash)}: ${String(cause)}`, {
          cause,
          hint: 'check the permissions of the values folder',
        });
      }
    }
    if (bytes && valueHash(bytes) === hash) return bytes;
    await this.forgetValue(hash);
    return undefined;
  }

  async hasValue(hash: string): Promise<boolean> {
    const { buffer, queries, files } = this.live();
    if (!isValueHash(hash)) return identityBytes(hash) !== undefined;
    if (buffer.value(hash) || queries.selectValue(hash)?.data) return true;
    return files.exists(hash);
  }

  // A lost or corrupt value is forgotten with the cache entries that point at it, so the
  // scheduler recomputes the call instead of finding the same broken entry again.
  private async forgetValue(hash: string): Promise<void> {
    const state = this.state;
    if (!state) return;
    state.buffer.queue.dropCacheFor(hash);
    state.queries.deleteCacheByValue(hash);
    state.queries.deleteValue(hash);
    await state.files.remove(hash).catch(() => undefined);
  }

  async listExecutions(q: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
    const limit = checkPaging('listExecutions', 'limit', q.limit, 100);
    const offset = checkPaging('listExecutions', 'offset', q.offset, 0);
    const queries = await this.readable();
    return queries.selectExecutions({
      status: q.status,
      taskName: q.taskName,
      since: q.since,
      limit,
      offset,
    });
  }

  async getExecution(idOrPrefix: string): Promise<ExecutionRecord | undefined> {
    const queries = await this.readable();
    const row = this.findOne(queries, 'executions', idOrPrefix);
    return row && queries.execution(row);
  }

  async listJobs(executionId: string, q: JobQuery = {}): Promise<JobRecord[]> {
    const limit = checkPaging('listJobs', 'limit', q.limit, -1);
    const offset = checkPaging('listJobs', 'offset', q.offset, 0);
    const queries = await this.readable();
    return queries.selectJobs(executionId, limit, offset);
  }

  async getJob(idOrPrefix: string): Promise<JobRecord | undefined> {
    const queries = await this.readable();
    const row = this.findOne(queries, 'jobs', idOrPrefix);
    return row && queries.job(row);
  }

  async getTask(hash: string): Promise<TaskRecord | undefined> {
    const { buffer, queries } = this.live();
    const queued = buffer.task(hash);
    return queued ? { ...queued } : queries.selectTask(hash);
  }

  private findOne(
    queries: SqliteQueries,
    table: 'executions' | 'jobs',
    idOrPrefix: string,
  ): Record<string, SQLOutputValue> | undefined {
    if (idOrPrefix === '') return undefined;
    const { rows, matches } = queries.selectByIdOrPrefix(table, idOrPrefix);
    if (matches > 1) {
      throw new StoreError(`id prefix '${idOrPrefix}' matches ${matches} ${table} in database ${this.path}`, {
        hint: 'give more characters of the id',
      });
    }
    return rows[0];
  }

  async info(): Promise<StoreInfo> {
    const queries = await this.readable();
    return {
      description: this.describe(),
      schemaVersion: queries.schemaVersion(),
      latestVersion: LATEST_SCHEMA_VERSION,
      counts: queries.counts(),
      inlineLimit: this.inlineLimit,
      valuesLocation: this.live().files.location,
    };
  }

  async cancelRequested(executionId: string): Promise<boolean> {
    return (await this.readable()).selectCancelRequest(executionId) !== undefined;
  }

  async listCache(q: CacheQuery = {}): Promise<CacheListing> {
    return cacheAdmin.listCache(await this.sqlRunner(), q);
  }

  async removeCache(filter: CacheFilter): Promise<number> {
    return cacheAdmin.removeCache(await this.sqlRunner(), filter);
  }

  async collectValues(options: CollectOptions): Promise<CollectReport> {
    const runner = await this.sqlRunner();
    return cacheAdmin.collectValues(runner, this.live().files, options);
  }

  private async sqlRunner(): Promise<cacheAdmin.SqlRunner> {
    await this.readable();
    const { db } = this.live();
    return {
      all: async (statement) => db.prepare(statement.text).all(...statement.params),
      run: async (statement) => Number(db.prepare(statement.text).run(...statement.params).changes),
    };
  }

  private live(): OpenState {
    if (!this.state) {
      throw new StoreError(`the store for database ${this.path} is not open`, {
        hint: 'call open() first (openStore() does), and do not use the store after close()',
      });
    }
    return this.state;
  }

  /** The queries, once queued rows are committed, so that CLI and dashboard reads see them. */
  private async readable(): Promise<SqliteQueries> {
    await this.live().buffer.commitForRead();
    return this.live().queries;
  }
}
