// The Store on PostgreSQL, for a team: the same schema and write path as the SQLite store (queued,
// coalesced, batched), committed by PostgresWriter; large values in a shared value store (S3 or a
// folder); leases so that schedulers sharing the store compute each call once.
import { BufferedWrites } from '../buffered-writes.ts';
import * as cacheAdmin from '../cache-admin.ts';
import { numbered } from '../cache-sql.ts';
import type { SQLOutputValue } from 'node:sqlite';
import type pg from 'pg';
import { StoreError } from '../../errors.ts';
import { newId } from '../ids.ts';
import { LATEST_SCHEMA_VERSION } from '../migrations.ts';
import type {
  CacheEntry,
  CacheFilter,
  CacheListing,
  CacheQuery,
  CallClaim,
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
} from '../types.ts';
import { identityBytes, isValueHash, valueHash } from '../value-names.ts';
import { schemaVersion } from './ddl.ts';
import { storeFailure } from './errors.ts';
import { checkPaging } from './lookups.ts';
import { openPostgres, type OpenState, type PostgresStoreOptions } from './open.ts';
import * as reads from './reads.ts';
import { parsePostgresUrl, type PostgresTarget } from './url.ts';
import type { WriteBuffer } from '../write-buffer.ts';

export type { PostgresStoreOptions } from './open.ts';

export class PostgresStore extends BufferedWrites implements Store {
  readonly target: PostgresTarget;
  readonly inlineLimit: number;
  /** This store's id: the owner of its leases. */
  readonly owner = newId();
  private readonly options: PostgresStoreOptions;
  private state: OpenState | undefined;
  private opening: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    super();
    this.options = options;
    this.target = parsePostgresUrl(options.url);
    this.inlineLimit = options.inlineLimit ?? (options.values ? 64 * 1024 : Number.POSITIVE_INFINITY);
  }

  describe(): StoreDescription {
    return { kind: 'postgres', url: this.target.display, schema: this.target.schema };
  }

  open(): Promise<void> {
    this.opening ??= this.openOnce().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    this.state ??= await openPostgres(this.options, this.target, this.owner);
  }

  async close(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      await state.buffer.close();
    } finally {
      this.state = undefined;
      await state.leases.close();
      await state.pool.end().catch(() => undefined);
      await state.files?.close?.();
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

  async getCache(evalHash: string): Promise<CacheEntry | undefined> {
    const { buffer, caches } = this.live();
    const queued = buffer.cacheEntry(evalHash);
    if (queued !== undefined) return queued === null ? undefined : { ...queued };
    return caches.get(evalHash);
  }

  putValue(bytes: Uint8Array): string {
    return this.queueValue(bytes, this.live().files, this.inlineLimit);
  }

  async getValue(hash: string): Promise<Uint8Array | undefined> {
    const { buffer, files, values } = this.live();
    if (!isValueHash(hash)) return identityBytes(hash);
    const queued = buffer.value(hash);
    if (queued) return new Uint8Array(queued);
    let bytes: Uint8Array | undefined = (await values.get(hash)) ?? undefined;
    if (!bytes && files) {
      try {
        bytes = await files.read(hash);
      } catch (cause) {
        throw new StoreError(`cannot read value ${files.pathOf(hash)}: ${String(cause)}`, {
          cause,
          hint: 'check that the value store is reachable and that its credentials may read it',
        });
      }
    }
    if (bytes && valueHash(bytes) === hash) return bytes;
    // Lost or corrupt: forgotten with the cache entries that point at it, so the call is recomputed.
    const state = this.live();
    state.buffer.queue.dropCacheFor(hash);
    await reads.forgetValue(state.pool, hash).catch(() => undefined);
    await files?.remove(hash).catch(() => undefined);
    return undefined;
  }

  async hasValue(hash: string): Promise<boolean> {
    const { buffer, files, values } = this.live();
    if (!isValueHash(hash)) return identityBytes(hash) !== undefined;
    if (buffer.value(hash) || (await values.get(hash))) return true;
    return (await files?.exists(hash)) ?? false;
  }

  async listExecutions(q: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
    const limit = checkPaging('listExecutions', 'limit', q.limit, 100);
    const offset = checkPaging('listExecutions', 'offset', q.offset, 0);
    const pool = await this.readable();
    return this.reading('listing executions in', () =>
      reads.selectExecutions(pool, { status: q.status, taskName: q.taskName, since: q.since, limit, offset }),
    );
  }

  async getExecution(idOrPrefix: string): Promise<ExecutionRecord | undefined> {
    if (idOrPrefix === '') return undefined;
    const pool = await this.readable();
    const found = await this.reading('reading an execution from', () =>
      reads.selectExecution(pool, idOrPrefix),
    );
    return this.unique(found, 'executions', idOrPrefix);
  }

  async listJobs(executionId: string, q: JobQuery = {}): Promise<JobRecord[]> {
    const limit = checkPaging('listJobs', 'limit', q.limit, -1);
    const offset = checkPaging('listJobs', 'offset', q.offset, 0);
    const pool = await this.readable();
    return this.reading('listing jobs in', () => reads.selectJobs(pool, executionId, limit, offset));
  }

  async getJob(idOrPrefix: string): Promise<JobRecord | undefined> {
    if (idOrPrefix === '') return undefined;
    const pool = await this.readable();
    const found = await this.reading('reading a job from', () => reads.selectJob(pool, idOrPrefix));
    return this.unique(found, 'jobs', idOrPrefix);
  }

  async getTask(hash: string): Promise<TaskRecord | undefined> {
    const { buffer, pool } = this.live();
    const queued = buffer.task(hash);
    return queued ? { ...queued } : this.reading('reading a task from', () => reads.selectTask(pool, hash));
  }

  async info(): Promise<StoreInfo> {
    const pool = await this.readable();
    const [version, counts] = await this.reading('counting the rows of', () =>
      Promise.all([schemaVersion(pool, this.target), reads.selectCounts(pool)]),
    );
    return {
      description: this.describe(),
      schemaVersion: version,
      latestVersion: LATEST_SCHEMA_VERSION,
      counts,
      inlineLimit: this.inlineLimit,
      valuesLocation: this.live().files?.location,
    };
  }

  claimCall(evalHash: string, signal: AbortSignal): Promise<CallClaim> {
    return this.live().leases.claim(evalHash, signal);
  }

  releaseCall(evalHash: string): void {
    const { buffer } = this.live();
    buffer.queue.releases.add(evalHash);
    buffer.changed();
  }

  async cancelRequested(executionId: string): Promise<boolean> {
    const pool = await this.readable();
    return this.reading('reading an execution from', () => reads.selectCancelRequest(pool, executionId));
  }

  async listCache(q: CacheQuery = {}): Promise<CacheListing> {
    const runner = await this.sqlRunner();
    return this.reading('listing the cache of', () => cacheAdmin.listCache(runner, q));
  }

  async removeCache(filter: CacheFilter): Promise<number> {
    const runner = await this.sqlRunner();
    return this.reading('removing cache entries from', () => cacheAdmin.removeCache(runner, filter));
  }

  async collectValues(options: CollectOptions): Promise<CollectReport> {
    const runner = await this.sqlRunner();
    const files = this.live().files;
    return this.reading('collecting values of', () => cacheAdmin.collectValues(runner, files, options));
  }

  private async sqlRunner(): Promise<cacheAdmin.SqlRunner> {
    const pool = await this.readable();
    return {
      all: async (statement) => {
        const { text, params } = numbered(statement);
        return (await pool.query<Record<string, SQLOutputValue>>(text, params)).rows;
      },
      run: async (statement) => {
        const { text, params } = numbered(statement);
        return (await pool.query(text, params)).rowCount ?? 0;
      },
    };
  }

  private unique<R>(
    found: { record: R | undefined; matches: number },
    table: string,
    prefix: string,
  ): R | undefined {
    if (found.matches > 1) {
      throw new StoreError(
        `id prefix '${prefix}' matches ${found.matches} ${table} in database ${this.target.display}`,
        {
          hint: 'give more characters of the id',
        },
      );
    }
    return found.record;
  }

  private async reading<T>(doing: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw storeFailure(this.target, doing, error);
    }
  }

  private live(): OpenState {
    if (!this.state) {
      throw new StoreError(`the store for database ${this.target.display} is not open`, {
        hint: 'call open() first (openStore() does), and do not use the store after close()',
      });
    }
    return this.state;
  }

  /** The pool, once queued rows are committed, so that CLI and dashboard reads see them. */
  private async readable(): Promise<pg.Pool> {
    await this.live().buffer.commitForRead();
    return this.live().pool;
  }
}
