// Commits the store's write batches to PostgreSQL: one transaction per batch, one statement per
// table (rows passed as arrays and unnested), rows in key order so that two schedulers writing the
// same rows lock them in the same order; a deadlock or a dropped connection runs the batch again.
import type pg from 'pg';
import type { SQLInputValue } from 'node:sqlite';
import type { FlatRows, RowBatch, WriteBatch } from '../batch.ts';
import type { BatchWriter } from '../batch-writer.ts';
import { CACHE_ENTRIES, EXECUTIONS, JOBS, TASKS, type ColumnKind, type TableSpec } from '../records.ts';
import { arrayLiteral } from './arrays.ts';
import { isConnectionLoss, isRetryable } from './errors.ts';

const ARRAY_TYPE: Record<ColumnKind, string> = { text: 'text[]', int: 'int8[]', json: 'text[]' };
const MAX_TRIES = 4;
/** Eval hashes per notification: a payload must stay under 8,000 bytes. */
const HASHES_PER_NOTICE = 100;
export const RELEASE_CHANNEL = 'baton_calls';

type Statement = { text: string; values: unknown[] };

function keyColumn<R>(spec: TableSpec<R>): string {
  return spec.columns.find((c) => c.field === spec.key)?.column ?? spec.key;
}

/** Rows of a flat batch as one array literal per column, sorted by the key column. */
function columnsOf<R>(spec: TableSpec<R>, rows: FlatRows): string[] {
  const width = rows.width;
  const count = rows.values.length / width;
  const keyIndex = spec.columns.findIndex((c) => c.field === spec.key);
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => compare(rows.values[a * width + keyIndex], rows.values[b * width + keyIndex]));
  return spec.columns.map((_, c) => arrayLiteral(order.map((i) => rows.values[i * width + c])));
}

function compare(a: SQLInputValue | undefined, b: SQLInputValue | undefined): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function casts<R>(spec: TableSpec<R>, names: readonly string[], from = 1): string {
  return names
    .map((name, i) => {
      const kind = spec.columns.find((c) => c.column === name)?.kind ?? 'text';
      return `$${i + from}::${ARRAY_TYPE[kind]}`;
    })
    .join(', ');
}

function upsert<R>(
  spec: TableSpec<R>,
  rows: FlatRows,
  onConflict: 'update' | 'nothing',
): Statement | undefined {
  if (rows.values.length === 0) return undefined;
  const names = spec.columns.map((c) => c.column);
  const key = keyColumn(spec);
  const action =
    onConflict === 'nothing'
      ? 'DO NOTHING'
      : `DO UPDATE SET ${names
          .filter((n) => n !== key)
          .map((n) => `${n} = excluded.${n}`)
          .join(', ')}`;
  return {
    text: `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT * FROM unnest(${casts(spec, names)}) ON CONFLICT (${key}) ${action}`,
    values: columnsOf(spec, rows),
  };
}

/** Column updates grouped by the set of columns they set: one UPDATE ... FROM unnest per group. */
function updates<R>(spec: TableSpec<R>, batch: RowBatch): Statement[] {
  const groups = new Map<
    string,
    { columns: string[]; rows: Array<{ id: string; values: SQLInputValue[] }> }
  >();
  for (const update of batch.updates) {
    if (update.columns.length === 0) continue;
    const signature = update.columns.join(',');
    let group = groups.get(signature);
    if (!group) groups.set(signature, (group = { columns: update.columns, rows: [] }));
    group.rows.push({ id: update.id, values: update.values });
  }
  const key = keyColumn(spec);
  return [...groups.values()].map(({ columns, rows }) => {
    rows.sort((a, b) => compare(a.id, b.id));
    const sets = columns.map((c) => `${c} = v.${c}`).join(', ');
    return {
      text:
        `UPDATE ${spec.table} AS t SET ${sets} FROM unnest($1::text[], ${casts(spec, columns, 2)}) ` +
        `AS v(${['id', ...columns].join(', ')}) WHERE t.${key} = v.id`,
      values: [
        arrayLiteral(rows.map((r) => r.id)),
        ...columns.map((_, c) => arrayLiteral(rows.map((r) => r.values[c]))),
      ],
    };
  });
}

function valueRows(batch: WriteBatch): Statement | undefined {
  const values = batch.values;
  if (values.hashes.length === 0) return undefined;
  const order = values.hashes.map((_, i) => i).sort((a, b) => compare(values.hashes[a], values.hashes[b]));
  const data = order.map((i) => {
    const offset = values.offsets[i]!;
    if (offset < 0) return null;
    return Buffer.from(values.data.buffer, values.data.byteOffset + offset, values.sizes[i]!);
  });
  return {
    // A value's bytes never change: the first row written for a hash stays.
    text:
      'INSERT INTO "values" (hash, size, data, created_at) ' +
      'SELECT * FROM unnest($1::text[], $2::int8[], $3::bytea[], $4::int8[]) ON CONFLICT (hash) DO NOTHING',
    values: [
      arrayLiteral(order.map((i) => values.hashes[i])),
      arrayLiteral(order.map((i) => values.sizes[i])),
      data,
      arrayLiteral(order.map((i) => values.createdAt[i])),
    ],
  };
}

/** The statements of one batch, in the order the SQLite store writes them: values first, cache entries last. */
export function batchStatements(batch: WriteBatch, owner: string): Statement[] {
  const statements: Array<Statement | undefined> = [
    valueRows(batch),
    upsert(TASKS, batch.tasks, 'nothing'),
    upsert(EXECUTIONS, batch.executions.upserts, 'update'),
    ...updates(EXECUTIONS, batch.executions),
    upsert(JOBS, batch.jobs.upserts, 'update'),
    ...updates(JOBS, batch.jobs),
  ];
  if (batch.cacheDeletes.length > 0) {
    statements.push({
      text: 'DELETE FROM cache_entries WHERE eval_hash = ANY($1::text[])',
      values: [arrayLiteral([...batch.cacheDeletes].sort())],
    });
  }
  statements.push(upsert(CACHE_ENTRIES, batch.cacheUpserts, 'update'));
  if (batch.releases.length > 0) {
    const released = [...batch.releases].sort();
    statements.push({
      text: 'DELETE FROM call_leases WHERE eval_hash = ANY($1::text[]) AND owner = $2',
      values: [arrayLiteral(released), owner],
    });
    // Delivered at commit, so a waiter that wakes finds the cache entry.
    const notices: string[] = [];
    for (let i = 0; i < released.length; i += HASHES_PER_NOTICE)
      notices.push(released.slice(i, i + HASHES_PER_NOTICE).join(','));
    statements.push({
      text: `SELECT pg_notify('${RELEASE_CHANNEL}', n) FROM unnest($1::text[]) AS n`,
      values: [arrayLiteral(notices)],
    });
  }
  return statements.filter((s): s is Statement => s !== undefined);
}

export class PostgresWriter implements BatchWriter {
  readonly blocksEventLoop = false;
  private readonly pool: pg.Pool;
  private readonly owner: string;

  constructor(pool: pg.Pool, owner: string) {
    this.pool = pool;
    this.owner = owner;
  }

  async write(batch: WriteBatch): Promise<void> {
    const statements = batchStatements(batch, this.owner);
    if (statements.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commit(statements);
        return;
      } catch (error) {
        // Every batch is idempotent (upserts, column updates, deletes), so running it again is safe.
        if (attempt >= MAX_TRIES || !(isRetryable(error) || isConnectionLoss(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt * attempt));
      }
    }
  }

  private async commit(statements: readonly Statement[]): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        for (const statement of statements) await client.query(statement.text, statement.values);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError as Error;
        });
        throw error;
      }
    } catch (error) {
      if (isConnectionLoss(error)) broken ??= error as Error;
      throw error;
    } finally {
      // A connection that failed is dropped rather than handed to the next batch.
      client.release(broken);
    }
  }

  async close(): Promise<void> {}
}
