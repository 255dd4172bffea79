// The real PostgreSQL the service suites use (TESTBED.md: 127.0.0.1:5432, trust auth, database
// `test`), and one fresh schema per test, dropped when the test ends. Without a server the suites
// skip, except under CI=true, where a suite whose service is unreachable must fail.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

/** The server and database of the tests; override with BATON_TEST_POSTGRES. */
export const SERVER_URL = process.env.BATON_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await reachable();
if (problem !== undefined && process.env.CI === 'true') {
  throw new Error(
    `PostgreSQL at ${SERVER_URL} is unreachable (${problem}); scripts/ensure-services.sh starts it`,
  );
}

/** Options for `describe`: skipped (with the reason) when no server answers outside CI. */
export const needsPostgres = problem === undefined ? {} : { skip: `PostgreSQL unreachable: ${problem}` };

/** Runs SQL against the test database directly (not through Baton). */
export async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A store URL on a schema of its own (`?schema=baton_t_...`), dropped with everything in it after the test. */
export function freshSchema(t: TestContext, base = SERVER_URL): { url: string; schema: string } {
  const schema = `baton_t_${randomBytes(5).toString('hex')}`;
  t.after(async () => {
    await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  const separator = base.includes('?') ? '&' : '?';
  return { url: `${base}${separator}schema=${schema}`, schema };
}
