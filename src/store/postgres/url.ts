// A postgres:// URL taken apart: what to connect to, which schema holds Baton's tables, and how to
// name it in messages (never with its password).
import { redact } from '../../config/index.ts';
import { StoreError } from '../../errors.ts';

/** Unquoted PostgreSQL identifiers only, so a schema name never needs quoting or escaping. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTarget {
  /** What the pg client connects with (password included, `schema` removed). */
  connectionString: string;
  /** The schema of Baton's tables. @default public */
  schema: string;
  /** `postgres://user@host:port/database`: the URL without password or parameters, for messages. */
  display: string;
  /** `user@host:port/database`. */
  target: string;
  host: string;
  port: string;
  database: string;
  user: string;
}

/** Parses `postgres://[user[:password]@]host[:port]/database[?schema=NAME&...]`. */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError(`database URL ${redact(url)} is not a valid URL`, {
      hint: 'write it as postgres://USER@HOST:PORT/DATABASE (percent-encode special characters)',
    });
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreError(`database URL ${redact(url)}: schema '${schema}' is not a plain lowercase name`, {
      hint: 'use letters a-z, digits and _ (starting with a letter or _), at most 63 characters',
    });
  }
  parsed.searchParams.delete('schema');
  const env = process.env;
  const host = parsed.hostname || parsed.searchParams.get('host') || env.PGHOST || 'localhost';
  const port = parsed.port || env.PGPORT || '5432';
  const user = decodeURIComponent(parsed.username) || env.PGUSER || env.USER || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || env.PGDATABASE || user;
  const target = `${user}@${host}:${port}/${database}`;
  return {
    connectionString: parsed.toString(),
    schema,
    display: `postgres://${target}`,
    target,
    host,
    port,
    database,
    user,
  };
}
