// Opening the PostgreSQL store: the pool, the schema (created or checked), the value store, the
// write buffer that batches into PostgresWriter, the leases, and the batched lookups.
import type pg from 'pg';
import { StoreError } from '../../errors.ts';
import { openScratch, type S3ScratchOptions } from '../../scratch/index.ts';
import { SQLITE_MIGRATIONS } from '../migrations.ts';
import { ScratchValues } from '../scratch-values.ts';
import type { CacheEntry } from '../types.ts';
import type { ValueBlobListener, ValueBlobs } from '../value-blobs.ts';
import { ValueFiles } from '../value-files.ts';
import { WriteBuffer } from '../write-buffer.ts';
import { createPool } from './connect.ts';
import { migratePostgres } from './ddl.ts';
import { storeFailure } from './errors.ts';
import { CallLeases } from './leases.ts';
import { LookupBatch } from './lookups.ts';
import * as reads from './reads.ts';
import type { PostgresTarget } from './url.ts';
import { PostgresWriter } from './writer.ts';

export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/database[?schema=NAME]`. */
  url: string;
  /** Where values above `inlineLimit` go: an absolute folder path or `s3://bucket/prefix`. @default none: every value in the database */
  values?: string | undefined;
  s3?: S3ScratchOptions | undefined;
  /** @default 65536 with a value store, else unlimited */
  inlineLimit?: number | undefined;
  /** Upgrade an older schema (`baton db upgrade`); an empty database is always set up. @default false */
  upgrade?: boolean | undefined;
  /** Connections in the pool. @default 4 */
  poolSize?: number | undefined;
  /** How often a waiting scheduler looks for calls whose owner died, in ms. @default 1000 */
  leasePollInterval?: number | undefined;
  /** @default 25 */
  flushInterval?: number | undefined;
  /** @default 20000 */
  maxBatch?: number | undefined;
  /** @default 30000 */
  backlogLimit?: number | undefined;
}

export interface OpenState {
  pool: pg.Pool;
  files: ValueBlobs | undefined;
  buffer: WriteBuffer;
  leases: CallLeases;
  caches: LookupBatch<CacheEntry>;
  values: LookupBatch<Uint8Array | null>;
}

/** Connects, sets up or checks the schema, and builds what an open store holds. */
export async function openPostgres(
  options: PostgresStoreOptions,
  target: PostgresTarget,
  owner: string,
): Promise<OpenState> {
  const pool = createPool(target, options.poolSize ?? 4);
  try {
    const client = await pool.connect().catch((error: unknown) => {
      throw storeFailure(target, 'connecting to', error);
    });
    try {
      await migratePostgres(client, target, SQLITE_MIGRATIONS, { upgrade: options.upgrade ?? false });
    } catch (error) {
      throw storeFailure(target, 'setting up the schema of', error);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  // Value writes end in the background, after `buffer` below exists.
  const listener: ValueBlobListener = {
    written: (hash, size) => {
      buffer.queue.values.set(hash, { size, data: null, createdAt: Date.now() });
      buffer.changed();
    },
    failed: (hash, error) => {
      // The cache must never point at a value that was not written.
      buffer.queue.dropCacheFor(hash);
      buffer.defer(
        new StoreError(`cannot write value ${hash} to ${files?.location}: ${String(error)}`, {
          cause: error,
          hint: 'check that the value store is reachable and writable; the call will be recomputed next time',
        }),
      );
    },
  };
  const values = options.values;
  const files: ValueBlobs | undefined =
    values === undefined
      ? undefined
      : values.includes('://')
        ? new ScratchValues(openScratch(values, { s3: options.s3 }), listener)
        : new ValueFiles(values, listener);
  const buffer = new WriteBuffer({
    path: target.display,
    writer: new PostgresWriter(pool, owner),
    files: files ?? NO_FILES,
    flushInterval: options.flushInterval,
    maxBatch: options.maxBatch,
    backlogLimit: options.backlogLimit,
  });
  const failure = (doing: string) => (error: unknown) => storeFailure(target, doing, error);
  return {
    pool,
    files,
    buffer,
    leases: new CallLeases({ target, pool, owner, pollInterval: options.leasePollInterval }),
    caches: new LookupBatch((keys) => reads.selectCaches(pool, keys), failure('reading the call cache of')),
    values: new LookupBatch((keys) => reads.selectValues(pool, keys), failure('reading values from')),
  };
}

/** Without a value store every value is inline: nothing is ever being written elsewhere. */
const NO_FILES: ValueBlobs = {
  location: '',
  pathOf: (hash) => hash,
  write: () => undefined,
  pending: () => undefined,
  isWriting: () => false,
  writing: 0,
  settled: async () => undefined,
  exists: async () => false,
  read: async () => undefined,
  remove: async () => undefined,
};
