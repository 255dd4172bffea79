// `baton cache` on any store: list, remove and collect through a small SQL runner, so SQLite and
// PostgreSQL share the logic and differ only in how a statement is run.
import type { SQLOutputValue } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import * as sql from './cache-sql.ts';
import { CACHE_ENTRIES, decodeRow } from './records.ts';
import type {
  CacheFilter,
  CacheListing,
  CacheListingEntry,
  CacheQuery,
  CollectOptions,
  CollectReport,
} from './types.ts';
import type { ValueBlobs } from './value-blobs.ts';

type Row = Record<string, SQLOutputValue>;

/** How one database runs a statement of cache-sql.ts. */
export interface SqlRunner {
  all(statement: sql.Sql): Promise<Row[]>;
  /** Runs a statement that changes rows; resolves with how many it changed. */
  run(statement: sql.Sql): Promise<number>;
}

function paging(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(`listCache: ${name} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

export async function listCache(db: SqlRunner, q: CacheQuery): Promise<CacheListing> {
  const limit = paging('limit', q.limit, 100);
  const offset = paging('offset', q.offset, 0);
  const [rows, counted, summed] = await Promise.all([
    db.all(sql.listEntries(q, limit, offset)),
    db.all(sql.countEntries(q)),
    db.all(sql.entryBytes(q)),
  ]);
  const entries = rows.map((row): CacheListingEntry => {
    const entry: CacheListingEntry = decodeRow(CACHE_ENTRIES, row);
    if (row.task_name !== null && row.task_name !== undefined) entry.taskName = String(row.task_name);
    if (row.size !== null && row.size !== undefined) entry.size = Number(row.size);
    return entry;
  });
  return { entries, count: Number(counted[0]?.n ?? 0), bytes: Number(summed[0]?.bytes ?? 0) };
}

export function removeCache(db: SqlRunner, filter: CacheFilter): Promise<number> {
  return db.run(sql.removeEntries(filter));
}

/** Removes the rows of unkept values, then their bytes in the value store. */
export async function collectValues(
  db: SqlRunner,
  blobs: ValueBlobs | undefined,
  options: CollectOptions,
): Promise<CollectReport> {
  const rows = await db.all(sql.unkeptValues(options, options.dryRun !== true));
  let bytes = 0;
  for (const row of rows) bytes += Number(row.size ?? 0);
  if (options.dryRun !== true && blobs) {
    // The row goes first: a value whose file remains is only an orphan; one whose row remains without a file is recomputed.
    for (const row of rows) {
      // SQLite answers 1, PostgreSQL true.
      if ((row.in_blobs as unknown) === true || row.in_blobs === 1) await blobs.remove(String(row.hash));
    }
  }
  return { values: rows.length, bytes };
}
