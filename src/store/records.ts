// How records map onto table rows: one column list per table drives inserts, updates and reads.
import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import type { CacheEntry, ExecutionCounts, ExecutionRecord, JobRecord, TaskRecord } from './types.ts';

/** `json` columns hold structured fields (argv, SerializedError) as JSON text. */
export type ColumnKind = 'text' | 'int' | 'json';

export interface Column {
  field: string;
  column: string;
  kind: ColumnKind;
  required: boolean;
}

export interface TableSpec<R> {
  table: string;
  /** The record field that is the primary key. */
  key: keyof R & string;
  columns: readonly Column[];
  /** What one row is called in messages. */
  noun: string;
  /** Columns by record field, for patches that name a few fields. */
  byField: ReadonlyMap<string, Column>;
  required: readonly string[];
}

function col(field: string, column: string, kind: ColumnKind, required = false): Column {
  return { field, column, kind, required };
}

function table<R>(table: string, key: keyof R & string, noun: string, columns: Column[]): TableSpec<R> {
  return {
    table,
    key,
    noun,
    columns,
    byField: new Map(columns.map((c) => [c.field, c])),
    required: columns.filter((c) => c.required).map((c) => c.field),
  };
}

export const EXECUTIONS = table<ExecutionRecord>('executions', 'id', 'execution', [
  col('id', 'id', 'text', true),
  col('taskName', 'task_name', 'text', true),
  col('argsPreview', 'args_preview', 'text', true),
  col('status', 'status', 'text', true),
  col('startedAt', 'started_at', 'int', true),
  col('endedAt', 'ended_at', 'int'),
  col('cwd', 'cwd', 'text', true),
  col('argv', 'argv', 'json', true),
  col('host', 'host', 'text', true),
  col('pid', 'pid', 'int', true),
  col('resultHash', 'result_hash', 'text'),
  col('error', 'error', 'json'),
  col('heartbeatAt', 'heartbeat_at', 'int'),
  col('cancelRequestedAt', 'cancel_requested_at', 'int'),
]);

export const JOBS = table<JobRecord>('jobs', 'id', 'job', [
  col('id', 'id', 'text', true),
  col('executionId', 'execution_id', 'text', true),
  col('parentId', 'parent_id', 'text'),
  col('taskName', 'task_name', 'text', true),
  col('taskHash', 'task_hash', 'text', true),
  col('evalHash', 'eval_hash', 'text', true),
  col('callHash', 'call_hash', 'text'),
  col('executor', 'executor', 'text', true),
  col('status', 'status', 'text', true),
  col('attempt', 'attempt', 'int', true),
  col('queuedAt', 'queued_at', 'int', true),
  col('startedAt', 'started_at', 'int'),
  col('endedAt', 'ended_at', 'int'),
  col('cachedFromJobId', 'cached_from_job_id', 'text'),
  col('cachedFromExecutionId', 'cached_from_execution_id', 'text'),
  col('argsHash', 'args_hash', 'text'),
  col('resultHash', 'result_hash', 'text'),
  col('error', 'error', 'json'),
  col('argsPreview', 'args_preview', 'text'),
]);

export const TASKS = table<TaskRecord>('tasks', 'hash', 'task', [
  col('hash', 'hash', 'text', true),
  col('name', 'name', 'text', true),
  col('source', 'source', 'text', true),
  col('moduleUrl', 'module_url', 'text', true),
]);

export const CACHE_ENTRIES = table<CacheEntry>('cache_entries', 'evalHash', 'cache entry', [
  col('evalHash', 'eval_hash', 'text', true),
  col('valueHash', 'value_hash', 'text', true),
  col('callHash', 'call_hash', 'text', true),
  col('jobId', 'job_id', 'text', true),
  col('executionId', 'execution_id', 'text', true),
  col('createdAt', 'created_at', 'int', true),
]);

// An error's `props` may hold what JSON cannot (bigint, cycles); one odd field must not lose the record.
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return inner.toString();
      if (typeof inner === 'object' && inner !== null) {
        if (seen.has(inner)) return '[Circular]';
        seen.add(inner);
      }
      return inner;
    });
  }
}

function encodeField(value: unknown, column: Column): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (column.kind === 'json') return toJson(value);
  return value as SQLInputValue;
}

function fieldsOf(rec: object): Record<string, unknown> {
  return rec as Record<string, unknown>;
}

/**
 * Throws if a required field is missing, so one bad record fails its own call instead of the
 * whole batch it would later be flushed with.
 */
export function checkRecord<R extends object>(spec: TableSpec<R>, rec: R): void {
  const fields = fieldsOf(rec);
  for (const field of spec.required) {
    const value = fields[field];
    if (value === undefined || value === null) {
      throw new StoreError(`${spec.noun} record ${String(fields[spec.key])} has no ${field}`, {
        hint: `pass every required field of the ${spec.noun} record`,
      });
    }
  }
}

/** Appends the value of every column, in column order, to `out`. */
export function encodeRecordInto<R extends object>(spec: TableSpec<R>, rec: R, out: SQLInputValue[]): void {
  const fields = fieldsOf(rec);
  for (const column of spec.columns) out.push(encodeField(fields[column.field], column));
}

/**
 * The columns a patch sets. A field present with `undefined` clears an optional column; required
 * columns and the key are never cleared or changed by a patch.
 */
export function encodePatch<R extends object>(
  spec: TableSpec<R>,
  patch: Partial<R>,
): { columns: string[]; values: SQLInputValue[] } {
  const fields = fieldsOf(patch);
  const columns: string[] = [];
  const values: SQLInputValue[] = [];
  for (const field of Object.keys(fields)) {
    const column = spec.byField.get(field);
    if (!column || field === spec.key) continue;
    const value = fields[field];
    if (column.required && (value === undefined || value === null)) continue;
    columns.push(column.column);
    values.push(encodeField(value, column));
  }
  return { columns, values };
}

/** Applies a patch to a record with the same rules as `encodePatch`. */
export function applyPatch<R extends object>(spec: TableSpec<R>, rec: R, patch: Partial<R>): void {
  const target = fieldsOf(rec);
  const fields = fieldsOf(patch);
  for (const field of Object.keys(fields)) {
    const column = spec.byField.get(field);
    if (!column || field === spec.key) continue;
    const value = fields[field];
    if (value === undefined || value === null) {
      if (!column.required) target[field] = undefined;
    } else {
      target[field] = value;
    }
  }
}

/** A row read back as a record; NULL columns are left out rather than set to undefined. */
export function decodeRow<R extends object>(spec: TableSpec<R>, row: Record<string, SQLOutputValue>): R {
  const rec: Record<string, unknown> = {};
  for (const column of spec.columns) {
    const value = row[column.column];
    if (value === null || value === undefined) continue;
    rec[column.field] = column.kind === 'json' && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return rec as R;
}

/** The job statuses an execution's counts sum up, each a column of the counts query. */
export const COUNTED_STATUSES = ['queued', 'running', 'done', 'cached', 'failed', 'cancelled'] as const;

/** The counts from a row of `count(*) AS jobs`, one column per COUNTED_STATUSES and `changed_at`. */
export function executionCounts(row: Record<string, unknown> | undefined): ExecutionCounts {
  const n = (key: string) => Number(row?.[key] ?? 0);
  const changedAt = n('changed_at');
  return {
    jobs: n('jobs'),
    queued: n('queued'),
    running: n('running'),
    done: n('done'),
    cached: n('cached'),
    failed: n('failed'),
    cancelled: n('cancelled'),
    changedAt: changedAt > 0 ? changedAt : undefined,
  };
}
