// The SQL of `baton cache`: listing, removing and collecting, written once with `?` placeholders for
// both databases (PostgreSQL numbers them, see `numbered`). Text columns compare bytewise in both,
// so an eval-hash prefix is a range on the eval-hash index.
import type { CacheFilter, CollectOptions } from './types.ts';
import { identitySizeSql, isIdentitySql } from './value-names.ts';

// Sorts after any text that starts with the prefix.
const MAX_CHAR = '\u{10FFFF}';

export interface Sql {
  text: string;
  params: Array<string | number>;
}

/** Entries joined with the job that computed them (for the task name). */
const ENTRIES = 'cache_entries c LEFT JOIN jobs j ON j.id = c.job_id';

function where(filter: CacheFilter): Sql {
  const clauses: string[] = [];
  const params: Array<string | number> = [];
  if (filter.evalHashPrefix !== undefined) {
    clauses.push('c.eval_hash >= ? AND c.eval_hash < ?');
    params.push(filter.evalHashPrefix, filter.evalHashPrefix + MAX_CHAR);
  }
  if (filter.taskName !== undefined) {
    clauses.push('j.task_name = ?');
    params.push(filter.taskName);
  }
  if (filter.createdBefore !== undefined) {
    clauses.push('c.created_at < ?');
    params.push(filter.createdBefore);
  }
  return { text: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function listEntries(filter: CacheFilter, limit: number, offset: number): Sql {
  const w = where(filter);
  return {
    text:
      `SELECT c.*, j.task_name AS task_name, ` +
      `CASE WHEN ${isIdentitySql('c.value_hash')} THEN ${identitySizeSql('c.value_hash')} ELSE v.size END AS size ` +
      `FROM ${ENTRIES} ` +
      `LEFT JOIN "values" v ON v.hash = c.value_hash ${w.text} ` +
      'ORDER BY c.created_at DESC, c.eval_hash LIMIT ? OFFSET ?',
    params: [...w.params, limit, offset],
  };
}

export function countEntries(filter: CacheFilter): Sql {
  const w = where(filter);
  return { text: `SELECT count(*) AS n FROM ${ENTRIES} ${w.text}`, params: w.params };
}

/** Bytes of the distinct values the matching entries point at, the stored ones and those named by their bytes. */
export function entryBytes(filter: CacheFilter): Sql {
  const w = where(filter);
  const chosen = `SELECT c.value_hash AS value_hash FROM ${ENTRIES} ${w.text}`;
  const named = `SELECT DISTINCT value_hash FROM (${chosen}) chosen WHERE ${isIdentitySql('value_hash')}`;
  return {
    text:
      `SELECT (SELECT coalesce(sum(size), 0) FROM "values" WHERE hash IN (${chosen})) + ` +
      `(SELECT coalesce(sum(${identitySizeSql('value_hash')}), 0) FROM (${named}) named) AS bytes`,
    params: [...w.params, ...w.params],
  };
}

export function removeEntries(filter: CacheFilter): Sql {
  const w = where(filter);
  return {
    text: `DELETE FROM cache_entries WHERE eval_hash IN (SELECT c.eval_hash FROM ${ENTRIES} ${w.text})`,
    params: w.params,
  };
}

/**
 * Values nothing keeps: no cache entry points at them, nor the result of a kept execution, and they
 * are older than `createdBefore`. One statement, so the check and the delete see the same snapshot.
 * Rows come back as `hash, size, in_blobs` (the bytes live in the value store, not in the row).
 */
export function unkeptValues(options: CollectOptions, remove: boolean): Sql {
  const params: Array<string | number> = [options.createdBefore];
  let results = 'SELECT result_hash FROM executions WHERE result_hash IS NOT NULL';
  if (options.resultsEndedSince !== undefined) {
    results += ' AND (ended_at IS NULL OR ended_at >= ?)';
    params.push(options.resultsEndedSince);
  }
  const condition =
    'WHERE created_at < ? AND hash NOT IN (SELECT value_hash FROM cache_entries) ' +
    `AND hash NOT IN (${results})`;
  const columns = 'hash, size, (data IS NULL) AS in_blobs';
  return {
    text: remove
      ? `DELETE FROM "values" ${condition} RETURNING ${columns}`
      : `SELECT ${columns} FROM "values" ${condition}`,
    params,
  };
}

/** The statement with PostgreSQL's `$1, $2, ...` in place of `?`. */
export function numbered(sql: Sql): Sql {
  let n = 0;
  return { text: sql.text.replace(/\?/g, () => `$${++n}`), params: sql.params };
}
