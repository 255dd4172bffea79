// The PostgreSQL store's reads, one small function each; rows decode through the same column lists
// as SQLite's (records.ts), so a record reads back the same from either database.
import type { SQLOutputValue } from 'node:sqlite';
import {
  CACHE_ENTRIES,
  COUNTED_STATUSES,
  decodeRow,
  executionCounts,
  EXECUTIONS,
  JOBS,
  TASKS,
} from '../records.ts';
import type { ExecutionFilter } from '../sqlite-queries.ts';
import type { CacheEntry, ExecutionRecord, JobRecord, StoreCounts, TaskRecord } from '../types.ts';
import { arrayLiteral } from './arrays.ts';
import type { Queryable } from './connect.ts';

type Row = Record<string, SQLOutputValue>;

// Sorts after any text that starts with the prefix (the id columns compare bytewise, COLLATE "C").
const MAX_CHAR = '\u{10FFFF}';

async function rows(db: Queryable, text: string, values: unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(text, values)).rows;
}

export async function selectCaches(
  db: Queryable,
  evalHashes: readonly string[],
): Promise<Map<string, CacheEntry>> {
  const found = await rows(db, 'SELECT * FROM cache_entries WHERE eval_hash = ANY($1::text[])', [
    arrayLiteral(evalHashes),
  ]);
  return new Map(found.map((row) => [String(row.eval_hash), decodeRow(CACHE_ENTRIES, row)]));
}

/** The rows of these values: `data` null when the bytes live in the value store. */
export async function selectValues(
  db: Queryable,
  hashes: readonly string[],
): Promise<Map<string, Uint8Array | null>> {
  const found = await db.query<{ hash: string; data: Buffer | null }>(
    'SELECT hash, data FROM "values" WHERE hash = ANY($1::text[])',
    [arrayLiteral(hashes)],
  );
  // Plain views, so a value reads back as the same type from either database.
  return new Map(
    found.rows.map((row) => [
      row.hash,
      row.data && new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
    ]),
  );
}

export async function forgetValue(db: Queryable, hash: string): Promise<void> {
  await db.query('DELETE FROM cache_entries WHERE value_hash = $1', [hash]);
  await db.query('DELETE FROM "values" WHERE hash = $1', [hash]);
}

export async function selectTask(db: Queryable, hash: string): Promise<TaskRecord | undefined> {
  const [row] = await rows(db, 'SELECT * FROM tasks WHERE hash = $1', [hash]);
  return row ? decodeRow(TASKS, row) : undefined;
}

const COUNTS =
  'count(*)::int8 AS jobs, ' +
  COUNTED_STATUSES.map((name) => `count(*) FILTER (WHERE status = '${name}')::int8 AS ${name}`).join(', ') +
  ', greatest(max(queued_at), max(started_at), max(ended_at))::int8 AS changed_at';

async function withCounts(db: Queryable, found: Row[]): Promise<ExecutionRecord[]> {
  const records = found.map((row) => decodeRow(EXECUTIONS, row));
  if (records.length === 0) return records;
  const counts = await rows(
    db,
    `SELECT execution_id, ${COUNTS} FROM jobs WHERE execution_id = ANY($1::text[]) GROUP BY execution_id`,
    [arrayLiteral(records.map((r) => r.id))],
  );
  const byId = new Map(counts.map((row) => [String(row.execution_id), row]));
  for (const rec of records) rec.counts = executionCounts(byId.get(rec.id));
  return records;
}

export async function selectExecutions(db: Queryable, filter: ExecutionFilter): Promise<ExecutionRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.taskName !== undefined) add('task_name = ?', filter.taskName);
  if (filter.since !== undefined) add('started_at >= ?', filter.since);
  params.push(filter.limit, filter.offset);
  const text =
    `SELECT * FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY started_at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
  return withCounts(db, await rows(db, text, params));
}

/** Whether `baton cancel` asked the execution to stop. */
export async function selectCancelRequest(db: Queryable, executionId: string): Promise<boolean> {
  const [row] = await rows(db, 'SELECT cancel_requested_at AS at FROM executions WHERE id = $1', [
    executionId,
  ]);
  return row?.at !== null && row?.at !== undefined;
}

export async function selectJobs(
  db: Queryable,
  executionId: string,
  limit: number,
  offset: number,
): Promise<JobRecord[]> {
  const found = await rows(db, 'SELECT * FROM jobs WHERE execution_id = $1 ORDER BY id LIMIT $2 OFFSET $3', [
    executionId,
    limit < 0 ? null : limit,
    offset,
  ]);
  return found.map((row) => decodeRow(JOBS, row));
}

/** The row whose id is `idOrPrefix`, or else starts with it, and how many match (at most 2 counted exactly when ambiguous). */
async function byIdOrPrefix(
  db: Queryable,
  table: 'executions' | 'jobs',
  idOrPrefix: string,
): Promise<{ row: Row | undefined; matches: number }> {
  const [exact] = await rows(db, `SELECT * FROM ${table} WHERE id = $1`, [idOrPrefix]);
  if (exact) return { row: exact, matches: 1 };
  const range = [idOrPrefix, idOrPrefix + MAX_CHAR];
  const found = await rows(
    db,
    `SELECT * FROM ${table} WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 2`,
    range,
  );
  if (found.length < 2) return { row: found[0], matches: found.length };
  const [count] = await rows(
    db,
    `SELECT count(*)::int8 AS n FROM ${table} WHERE id >= $1 AND id < $2`,
    range,
  );
  return { row: found[0], matches: Number(count?.n ?? 0) };
}

export async function selectExecution(
  db: Queryable,
  idOrPrefix: string,
): Promise<{ record: ExecutionRecord | undefined; matches: number }> {
  const { row, matches } = await byIdOrPrefix(db, 'executions', idOrPrefix);
  return { record: row && (await withCounts(db, [row]))[0], matches };
}

export async function selectJob(
  db: Queryable,
  idOrPrefix: string,
): Promise<{ record: JobRecord | undefined; matches: number }> {
  const { row, matches } = await byIdOrPrefix(db, 'jobs', idOrPrefix);
  return { record: row && decodeRow(JOBS, row), matches };
}

export async function selectCounts(db: Queryable): Promise<StoreCounts> {
  const [row] = await rows(
    db,
    'SELECT (SELECT count(*) FROM executions)::int8 AS executions, (SELECT count(*) FROM jobs)::int8 AS jobs, ' +
      '(SELECT count(*) FROM tasks)::int8 AS tasks, (SELECT count(*) FROM cache_entries)::int8 AS cache_entries, ' +
      '(SELECT count(*) FROM "values")::int8 AS "values", ' +
      '(SELECT count(*) FROM "values" WHERE data IS NOT NULL)::int8 AS inline_values, ' +
      '(SELECT coalesce(sum(size), 0) FROM "values" WHERE data IS NOT NULL)::int8 AS inline_bytes, ' +
      '(SELECT count(*) FROM call_leases)::int8 AS leases',
  );
  const n = (key: string) => Number(row?.[key] ?? 0);
  return {
    executions: n('executions'),
    jobs: n('jobs'),
    tasks: n('tasks'),
    cacheEntries: n('cache_entries'),
    values: n('values'),
    inlineValues: n('inline_values'),
    inlineBytes: n('inline_bytes'),
    leases: n('leases'),
  };
}
