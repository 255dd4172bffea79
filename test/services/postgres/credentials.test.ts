// Connection failures are clear StoreErrors naming the server and database, and the password in
// backend.db never shows: not in errors (even --verbose), logs, baton executors, baton db info, or
// anything the store writes into the database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { project, SMALL_CONFIG, type Project } from '../../cli/helpers.ts';
import { freshSchema, needsPostgres, sql } from './helpers.ts';

const PASSWORD = 'Top-Secret-42';
const WORKFLOW = `import { task } from 'baton';
export const add = task('add', (a: number, b: number) => a + b);
export const main = task('main', () => [add(1, 2), add(3, 4)]);
`;

function projectWith(t: Parameters<typeof project>[0], url: string): Project {
  const dir = project(t, { config: `[backend]\ndb = "${url}"\n\n${SMALL_CONFIG}` });
  dir.write('workflow.ts', WORKFLOW);
  return dir;
}

async function failing(dir: Project, args: string[]): Promise<string> {
  const result = await dir.baton(args);
  assert.equal(result.code, 1, result.stdout);
  assert.ok(!result.stdout.includes(PASSWORD) && !result.stderr.includes(PASSWORD), result.stderr);
  return result.stderr;
}

describe('PostgreSQL credentials and connection failures', needsPostgres, () => {
  test('the password of backend.db never appears in output, logs or the database', async (t) => {
    const { url, schema } = freshSchema(t, `postgres://postgres:${PASSWORD}@127.0.0.1:5432/test`);
    const dir = projectWith(t, url);
    const outputs: string[] = [];
    for (const args of [
      ['run', 'workflow.ts', 'main'],
      ['run', 'workflow.ts', 'main', '--verbose'],
      ['log'],
      ['log', '--json'],
      ['db', 'info'],
      ['db', 'info', '--json'],
      ['db', 'upgrade'],
      ['executors'],
      ['executors', '--json'],
    ]) {
      const result = await dir.baton(args);
      assert.equal(result.code, 0, `baton ${args.join(' ')}: ${result.stderr}`);
      outputs.push(result.stdout, result.stderr);
    }
    const all = outputs.join('\n');
    assert.match(all, /postgres:\/\/postgres@127\.0\.0\.1:5432\/test \(schema baton_t_/);
    assert.ok(!all.includes(PASSWORD), all);
    const tables = await sql<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${schema}."${table_name}" t`,
      );
      for (const { row } of rows) assert.ok(!row.includes(PASSWORD), `${table_name}: ${row}`);
    }
  });

  test('a user the server refuses is a StoreConnectionError naming user, host and database, with what to do', async (t) => {
    const dir = projectWith(t, `postgres://nobody_here:${PASSWORD}@127.0.0.1:5432/test`);
    for (const args of [
      ['run', 'workflow.ts', 'main'],
      ['db', 'info'],
      ['run', 'workflow.ts', 'main', '--verbose'],
    ]) {
      const stderr = await failing(dir, args);
      assert.match(
        stderr,
        /PostgreSQL refused user nobody_here for connecting to postgres:\/\/nobody_here@127\.0\.0\.1:5432\/test/,
      );
      assert.match(stderr, /PGPASSWORD or ~\/\.pgpass/);
    }
  });

  test('a server that does not answer is a StoreConnectionError naming host and port', async (t) => {
    const dir = projectWith(t, `postgres://postgres:${PASSWORD}@127.0.0.1:1/test`);
    const stderr = await failing(dir, ['run', 'workflow.ts', 'main']);
    assert.match(
      stderr,
      /cannot reach PostgreSQL for connecting to postgres:\/\/postgres@127\.0\.0\.1:1\/test/,
    );
    assert.match(stderr, /check that PostgreSQL runs on 127\.0\.0\.1:1/);
  });

  test('a database that does not exist is named, with the command that creates it', async (t) => {
    const dir = projectWith(t, `postgres://postgres:${PASSWORD}@127.0.0.1:5432/no_such_database_here`);
    const stderr = await failing(dir, ['db', 'upgrade']);
    assert.match(stderr, /PostgreSQL has no database no_such_database_here/);
    assert.match(stderr, /createdb -h 127\.0\.0\.1 -p 5432 no_such_database_here/);
  });

  test('push to a store whose password is refused names it without the password', async (t) => {
    const dir = project(t);
    dir.write('workflow.ts', WORKFLOW);
    assert.equal((await dir.baton(['run', 'workflow.ts', 'main'])).code, 0);
    const stderr = await failing(dir, ['push', `postgres://nobody_here:${PASSWORD}@127.0.0.1:5432/test`]);
    assert.match(stderr, /PostgreSQL refused user nobody_here/);
  });
});
