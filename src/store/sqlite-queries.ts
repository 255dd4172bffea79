// Every SQL statement of the SQLite store, one small named method each, prepared once and reused.
import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';
import {
  CACHE_ENTRIES,
  COUNTED_STATUSES,
  decodeRow,
  executionCounts,
  EXECUTIONS,
  JOBS,
  TASKS,
  type TableSpec,
} from './records.ts';
import type {
  CacheEntry,
  ExecutionCounts,
  ExecutionRecord,
  JobRecord,
  StoreCounts,
  TaskRecord,
} from './types.ts';
import type { ValueRow } from './write-queue.ts';

type Row = Record<string, SQLOutputValue>;

/** Filters of `selectExecutions`, already defaulted. */
export interface ExecutionFilter {
  status: string | undefined;
  taskName: string | undefined;
  since: number | undefined;
  limit: number;
  offset: number;
}

// Sorts after any text that starts with the prefix, so `id >= p AND id < p || MAX` is a prefix range.
const MAX_CHAR = '\u{10FFFF}';

export class SqliteQueries {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private stmt(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  begin(): void {
    // IMMEDIATE takes the write lock up front: a deferred transaction that upgrades later can fail
    // with SQLITE_BUSY without waiting for the busy timeout.
    this.stmt('BEGIN IMMEDIATE').run();
  }

  commit(): void {
    this.stmt('COMMIT').run();
  }

  rollback(): void {
    if (this.db.isTransaction) this.stmt('ROLLBACK').run();
  }

  /** Inserts a full row, replacing every column of an existing row with the same key. */
  upsert<R>(spec: TableSpec<R>, values: SQLInputValue[]): void {
    let statement = this.statements.get(spec.table);
    if (!statement) {
      const names = spec.columns.map((c) => c.column);
      const key = spec.columns.find((c) => c.field === spec.key)?.column ?? spec.key;
      const updates = names.filter((n) => n !== key).map((n) => `${n} = excluded.${n}`);
      statement = this.db.prepare(
        `INSERT INTO ${spec.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
          `ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`,
      );
      this.statements.set(spec.table, statement);
    }
    statement.run(...values);
  }

  /** Sets some columns of an existing row; a missing row is left missing. */
  updateColumns<R>(spec: TableSpec<R>, id: string, columns: string[], values: SQLInputValue[]): void {
    if (columns.length === 0) return;
    const cacheKey = `${spec.table}:${columns.join(',')}`;
    let statement = this.statements.get(cacheKey);
    if (!statement) {
      const key = spec.columns.find((c) => c.field === spec.key)?.column ?? spec.key;
      const sets = columns.map((c) => `${c} = ?`).join(', ');
      statement = this.db.prepare(`UPDATE ${spec.table} SET ${sets} WHERE ${key} = ?`);
      this.statements.set(cacheKey, statement);
    }
    statement.run(...values, id);
  }

  insertTaskIfAbsent(values: SQLInputValue[]): void {
    this.stmt(
      'INSERT INTO tasks (hash, name, source, module_url) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
    ).run(...values);
  }

  selectTask(hash: string): TaskRecord | undefined {
    const row = this.stmt('SELECT * FROM tasks WHERE hash = ?').get(hash);
    return row ? decodeRow(TASKS, row) : undefined;
  }

  /** Changes when another connection commits (never for this connection's own commits). */
  dataVersion(): number {
    return Number(this.stmt('PRAGMA data_version').get()?.data_version ?? 0);
  }

  anyCacheEntry(): boolean {
    return this.stmt('SELECT 1 AS found FROM cache_entries LIMIT 1').get() !== undefined;
  }

  selectCache(evalHash: string): CacheEntry | undefined {
    const row = this.stmt('SELECT * FROM cache_entries WHERE eval_hash = ?').get(evalHash);
    return row ? decodeRow(CACHE_ENTRIES, row) : undefined;
  }

  /**
   * Many lookups in one read transaction: one snapshot and one lock instead of one each, and the
   * page cache stays warm from one lookup to the next.
   */
  selectCaches(evalHashes: readonly string[]): Array<CacheEntry | undefined> {
    const own = !this.db.isTransaction;
    if (own) this.stmt('BEGIN').run();
    try {
      return evalHashes.map((evalHash) => this.selectCache(evalHash));
    } finally {
      if (own) this.stmt('COMMIT').run();
    }
  }

  deleteCache(evalHash: string): void {
    this.stmt('DELETE FROM cache_entries WHERE eval_hash = ?').run(evalHash);
  }

  deleteCacheByValue(valueHash: string): void {
    this.stmt('DELETE FROM cache_entries WHERE value_hash = ?').run(valueHash);
  }

  upsertValue(hash: string, row: ValueRow): void {
    this.stmt(
      'INSERT INTO "values" (hash, size, data, created_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (hash) DO UPDATE SET size = excluded.size, data = excluded.data',
    ).run(hash, row.size, row.data, row.createdAt);
  }

  /** undefined when no row; `data` null when the value lives in a file. */
  selectValue(hash: string): { size: number; data: Uint8Array | null } | undefined {
    const row = this.stmt('SELECT size, data FROM "values" WHERE hash = ?').get(hash);
    if (!row) return undefined;
    return { size: Number(row.size), data: row.data instanceof Uint8Array ? row.data : null };
  }

  deleteValue(hash: string): void {
    this.stmt('DELETE FROM "values" WHERE hash = ?').run(hash);
  }

  selectExecutions(filter: ExecutionFilter): ExecutionRecord[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.taskName !== undefined) {
      where.push('task_name = ?');
      params.push(filter.taskName);
    }
    if (filter.since !== undefined) {
      where.push('started_at >= ?');
      params.push(filter.since);
    }
    const sql =
      `SELECT * FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?';
    return this.stmt(sql)
      .all(...params, filter.limit, filter.offset)
      .map((row) => this.withCounts(decodeRow(EXECUTIONS, row)));
  }

  executionCounts(executionId: string): ExecutionCounts {
    const status = (name: string) => `coalesce(sum(status = '${name}'), 0) AS ${name}`;
    const row = this.stmt(
      `SELECT count(*) AS jobs, ${COUNTED_STATUSES.map(status).join(', ')}, ` +
        'max(max(queued_at), coalesce(max(started_at), 0), coalesce(max(ended_at), 0)) AS changed_at ' +
        'FROM jobs WHERE execution_id = ?',
    ).get(executionId);
    return executionCounts(row);
  }

  private withCounts(rec: ExecutionRecord): ExecutionRecord {
    rec.counts = this.executionCounts(rec.id);
    return rec;
  }

  /** When `baton cancel` asked the execution to stop; undefined when it did not (or there is no such execution). */
  selectCancelRequest(executionId: string): number | undefined {
    const row = this.stmt('SELECT cancel_requested_at AS at FROM executions WHERE id = ?').get(executionId);
    return typeof row?.at === 'number' ? row.at : undefined;
  }

  selectJobs(executionId: string, limit: number, offset: number): JobRecord[] {
    return this.stmt('SELECT * FROM jobs WHERE execution_id = ? ORDER BY id LIMIT ? OFFSET ?')
      .all(executionId, limit, offset)
      .map((row) => decodeRow(JOBS, row));
  }

  /**
   * Rows whose key equals `idOrPrefix`, or else starts with it: at most two rows (enough to tell a
   * unique match from an ambiguous one) and the number of matches.
   */
  selectByIdOrPrefix(table: 'executions' | 'jobs', idOrPrefix: string): { rows: Row[]; matches: number } {
    const exact = this.stmt(`SELECT * FROM ${table} WHERE id = ?`).get(idOrPrefix);
    if (exact) return { rows: [exact], matches: 1 };
    const upper = idOrPrefix + MAX_CHAR;
    const rows = this.stmt(`SELECT * FROM ${table} WHERE id >= ? AND id < ? ORDER BY id LIMIT 2`).all(
      idOrPrefix,
      upper,
    );
    if (rows.length < 2) return { rows, matches: rows.length };
    const count = this.stmt(`SELECT count(*) AS n FROM ${table} WHERE id >= ? AND id < ?`).get(
      idOrPrefix,
      upper,
    );
    return { rows, matches: Number(count?.n ?? 0) };
  }

  schemaVersion(): number {
    return Number(this.stmt('SELECT max(version) AS version FROM schema_migrations').get()?.version ?? 0);
  }

  counts(): StoreCounts {
    const count = (sql: string) => Number(this.stmt(sql).get()?.n ?? 0);
    const inline = this.stmt(
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM "values" WHERE data IS NOT NULL',
    ).get();
    return {
      executions: count('SELECT count(*) AS n FROM executions'),
      jobs: count('SELECT count(*) AS n FROM jobs'),
      tasks: count('SELECT count(*) AS n FROM tasks'),
      cacheEntries: count('SELECT count(*) AS n FROM cache_entries'),
      values: count('SELECT count(*) AS n FROM "values"'),
      inlineValues: Number(inline?.n ?? 0),
      inlineBytes: Number(inline?.bytes ?? 0),
      leases: count('SELECT count(*) AS n FROM call_leases'),
    };
  }

  execution(row: Row): ExecutionRecord {
    return this.withCounts(decodeRow(EXECUTIONS, row));
  }

  job(row: Row): JobRecord {
    return decodeRow(JOBS, row);
  }
}
