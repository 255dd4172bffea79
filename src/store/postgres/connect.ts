// Connections to PostgreSQL: a small pool for the store's reads and writes, and single clients for
// sessions that must stay one session (the leases' presence lock and notifications).
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PostgresTarget } from './url.ts';

const INT8 = 20;
const NUMERIC = 1700;
const CONNECT_TIMEOUT_MS = 10_000;

// Milliseconds, sizes and counts are BIGINT; every one of them fits a double exactly.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function clientConfig(target: PostgresTarget): pg.ClientConfig {
  return {
    connectionString: target.connectionString,
    // Set at connection start, so every statement of every connection sees the store's schema.
    options: `-c search_path=${target.schema}`,
    application_name: 'baton',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types,
  };
}

export function createPool(target: PostgresTarget, size: number): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(target), max: size, idleTimeoutMillis: 30_000 });
  // An idle connection that drops is replaced on the next query; without a listener it would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

export function createClient(target: PostgresTarget): pg.Client {
  return new pg.Client(clientConfig(target));
}

/** A 64-bit advisory lock key (as PostgreSQL's bigint text) derived from a name. */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;
