// A flush as plain data that crosses to the writer thread cheaply (flat arrays, one transferable
// buffer for the inline values), and the transaction that writes it.
import type { SQLInputValue } from 'node:sqlite';
import {
  CACHE_ENTRIES,
  encodePatch,
  encodeRecordInto,
  EXECUTIONS,
  JOBS,
  TASKS,
  type TableSpec,
} from './records.ts';
import type { SqliteQueries } from './sqlite-queries.ts';
import type { RowWrites, WriteQueue } from './write-queue.ts';

/** Full rows, one after another: row i is `values[i * width ... (i + 1) * width]`, in column order. */
export interface FlatRows {
  width: number;
  values: SQLInputValue[];
}

export interface RowBatch {
  upserts: FlatRows;
  updates: Array<{ id: string; columns: string[]; values: SQLInputValue[] }>;
}

export interface ValueBatch {
  hashes: string[];
  sizes: number[];
  createdAt: number[];
  /** Where each value starts in `data`, or -1 for a value kept in a file. */
  offsets: number[];
  data: Uint8Array;
}

export interface WriteBatch {
  values: ValueBatch;
  tasks: FlatRows;
  executions: RowBatch;
  jobs: RowBatch;
  cacheUpserts: FlatRows;
  cacheDeletes: string[];
  /** Eval hashes whose call leases end in this batch (shared stores only). */
  releases: string[];
  /** How many records the batch holds, for messages. */
  records: number;
}

function flatRows<R>(spec: TableSpec<R>): FlatRows {
  return { width: spec.columns.length, values: [] };
}

function rowBatch<R extends object>(rows: RowWrites<R>): RowBatch {
  const batch: RowBatch = { upserts: flatRows(rows.spec), updates: [] };
  for (const [id, write] of rows.pending) {
    if (write.record) encodeRecordInto(rows.spec, write.record, batch.upserts.values);
    else if (write.patch) batch.updates.push({ id, ...encodePatch(rows.spec, write.patch) });
  }
  return batch;
}

function valueBatch(queue: WriteQueue): ValueBatch {
  const batch: ValueBatch = { hashes: [], sizes: [], createdAt: [], offsets: [], data: new Uint8Array(0) };
  let total = 0;
  for (const row of queue.values.values()) total += row.data?.byteLength ?? 0;
  batch.data = new Uint8Array(total);
  let offset = 0;
  for (const [hash, row] of queue.values) {
    batch.hashes.push(hash);
    batch.sizes.push(row.size);
    batch.createdAt.push(row.createdAt);
    if (row.data) {
      batch.offsets.push(offset);
      batch.data.set(row.data, offset);
      offset += row.data.byteLength;
    } else {
      batch.offsets.push(-1);
    }
  }
  return batch;
}

/** Encodes every write of the queue. */
export function buildBatch(queue: WriteQueue): WriteBatch {
  const batch: WriteBatch = {
    values: valueBatch(queue),
    tasks: flatRows(TASKS),
    executions: rowBatch(queue.executions),
    jobs: rowBatch(queue.jobs),
    cacheUpserts: flatRows(CACHE_ENTRIES),
    cacheDeletes: [],
    releases: [...queue.releases],
    records: queue.size,
  };
  for (const rec of queue.tasks.values()) encodeRecordInto(TASKS, rec, batch.tasks.values);
  for (const [evalHash, entry] of queue.cache) {
    if (entry) encodeRecordInto(CACHE_ENTRIES, entry, batch.cacheUpserts.values);
    else batch.cacheDeletes.push(evalHash);
  }
  return batch;
}

function eachRow(rows: FlatRows, write: (values: SQLInputValue[]) => void): void {
  for (let start = 0; start < rows.values.length; start += rows.width) {
    write(rows.values.slice(start, start + rows.width));
  }
}

function writeRows<R>(queries: SqliteQueries, spec: TableSpec<R>, rows: RowBatch): void {
  eachRow(rows.upserts, (values) => queries.upsert(spec, values));
  for (const update of rows.updates) queries.updateColumns(spec, update.id, update.columns, update.values);
}

function writeValues(queries: SqliteQueries, values: ValueBatch): void {
  values.hashes.forEach((hash, i) => {
    const offset = values.offsets[i]!;
    const size = values.sizes[i]!;
    const data = offset < 0 ? null : values.data.subarray(offset, offset + size);
    queries.upsertValue(hash, { size, data, createdAt: values.createdAt[i]! });
  });
}

/**
 * What one connection saw of the others: SQLite's `data_version` as of its last commit. Unset before
 * its first commit.
 */
export interface CommitWatch {
  dataVersion?: number;
}

/** What a commit saw: whether another connection had committed since this one's previous commit. */
export interface CommitReport {
  othersCommitted: boolean;
}

/**
 * Writes the batch in one transaction, values first and cache entries last, so that no cache entry
 * is ever committed without its value. Rolls back and rethrows on failure.
 */
export function commitBatch(queries: SqliteQueries, batch: WriteBatch, watch: CommitWatch): CommitReport {
  queries.begin();
  try {
    // Inside the write lock no one else commits: a changed data_version means someone did before it.
    // Before this connection's first commit, any cache entry at all is someone else's.
    const dataVersion = queries.dataVersion();
    const othersCommitted =
      watch.dataVersion === undefined ? queries.anyCacheEntry() : dataVersion !== watch.dataVersion;
    writeValues(queries, batch.values);
    eachRow(batch.tasks, (values) => queries.insertTaskIfAbsent(values));
    writeRows(queries, EXECUTIONS, batch.executions);
    writeRows(queries, JOBS, batch.jobs);
    for (const evalHash of batch.cacheDeletes) queries.deleteCache(evalHash);
    eachRow(batch.cacheUpserts, (values) => queries.upsert(CACHE_ENTRIES, values));
    queries.commit();
    // A connection's own commits leave its data_version as it was.
    watch.dataVersion = dataVersion;
    return { othersCommitted };
  } catch (error) {
    queries.rollback();
    throw error;
  }
}
