// baton push and pull between a project's SQLite store and a team's PostgreSQL store, both ways,
// with large values in S3: after the copy, the other side serves every call from its cache.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { project, SMALL_CONFIG, type Project } from '../../cli/helpers.ts';
import { startS3, type S3Server } from '../../support/s3.ts';
import { freshSchema, needsPostgres } from './helpers.ts';

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';

export const block = task('block', (i: number) => {
  appendFileSync('computed.log', i + '\\n');
  return new Uint8Array(100_000 + i).fill(i);
});

export const sizes = task('sizes', (n: number) => Array.from({ length: n }, (_, i) => block(i)));
export const main = task('main', async (n: number) => {
  return { note: 'done', n };
});
`;

let s3: S3Server | undefined;
let endpoint = '';
before(async () => {
  s3 = await startS3('team');
  endpoint = s3.endpoint;
});
after(() => s3?.close());

const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

function s3Keys(): string {
  return `s3_endpoint = "${endpoint}"\ns3_path_style = true\n`;
}

function localProject(t: Parameters<typeof project>[0]): Project {
  const dir = project(t, { config: `[backend]\n${s3Keys()}\n${SMALL_CONFIG}` });
  dir.write('workflow.ts', WORKFLOW);
  return dir;
}

function teamProject(t: Parameters<typeof project>[0], url: string, values: string): Project {
  const dir = project(t, {
    config: `[backend]\ndb = "${url}"\nvalues = "${values}"\n${s3Keys()}\n${SMALL_CONFIG}`,
  });
  dir.write('workflow.ts', WORKFLOW);
  return dir;
}

async function ok(dir: Project, args: string[]): Promise<string> {
  const result = await dir.baton(args, { env: S3_ENV });
  assert.equal(result.code, 0, `baton ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

describe('baton push and pull', needsPostgres, () => {
  test('push copies a SQLite project to PostgreSQL (large values to S3); a run there is all cache hits', async (t) => {
    const { url, schema } = freshSchema(t);
    const values = `s3://team/${schema}`;
    const local = localProject(t);
    const computed = await ok(local, ['run', 'workflow.ts', 'sizes', '--n', '3']);
    assert.equal(local.lines('computed.log').length, 3);

    const pushed = await ok(local, ['push', url, '--values', values]);
    assert.match(
      pushed,
      /^pushed 1 executions \(4 jobs, 2 tasks, 4 cache entries, 4 values, 0\.6 MiB\) to postgres:\/\//,
    );
    assert.match(
      await ok(local, ['push', url, '--values', values]),
      /pushed 0 executions .* 1 already there/,
    );

    const team = teamProject(t, url, values);
    const result = await team.baton(['run', 'workflow.ts', 'sizes', '--n', '3'], { env: S3_ENV });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /0 ran, 1 cached/);
    assert.equal(result.stdout, computed);
    assert.deepEqual(team.lines('computed.log'), []);
    const info = await ok(team, ['db', 'info']);
    assert.match(info, /executions: +2/);
    assert.match(info, new RegExp(`values up to 64\\.0 KiB inside the database, larger ones in ${values}`));
  });

  test('pull copies a team run from PostgreSQL into a fresh SQLite project, which then reruns from its cache', async (t) => {
    const { url, schema } = freshSchema(t);
    const values = `s3://team/${schema}`;
    const team = teamProject(t, url, values);
    const computed = await ok(team, ['run', 'workflow.ts', 'sizes', '--n', '2']);
    await ok(team, ['run', 'workflow.ts', 'main', '--n', '1']);

    const local = localProject(t);
    const pulled = await ok(local, ['pull', url, '--values', values]);
    // Two blocks and sizes' list of them; main's small result is named by its bytes, so there is nothing to copy.
    assert.match(pulled, /^pulled 2 executions \(4 jobs, 3 tasks, 4 cache entries, 3 values/);
    const rerun = await local.baton(['run', 'workflow.ts', 'sizes', '--n', '2'], { env: S3_ENV });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /0 ran, 1 cached/);
    assert.equal(rerun.stdout, computed);
    assert.deepEqual(local.lines('computed.log'), []);
    const log = await ok(local, ['log', '--json']);
    assert.equal((JSON.parse(log) as unknown[]).length, 3);
  });
});
