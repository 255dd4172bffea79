// Provenance on the command line: `baton log` filtered by status, task and start time, and
// `baton log --job` showing one job in detail. Real `baton` processes on a real SQLite store.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, test } from 'node:test';
import { executionIdOf, project, type Project } from './helpers.ts';

const WORKFLOW = `import { task } from 'baton';

export const square = task('square', (x: number) => x * x);
export const main = task('main', (n: number) => Array.from({ length: n }, (_, i) => square(i)));
export const other = task('other', (text: string) => text.toUpperCase());
export const fit = task('fit', (rows: number[], C: number) => {
  if (C < 0) throw new RangeError('C must be positive');
  return rows.length * C;
});
`;

interface Listed {
  id: string;
  taskName: string;
  status: string;
}

async function ids(p: Project, args: string[]): Promise<string[]> {
  const r = await p.baton(['log', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Listed[]).map((e) => e.id).sort();
}

async function run(p: Project, args: string[], code = 0): Promise<string> {
  const r = await p.baton(['run', 'wf.ts', ...args]);
  assert.equal(r.code, code, r.stderr);
  return executionIdOf(r.stderr);
}

describe('baton log filters and baton log --job', () => {
  test('--status, --task and --since return exactly the matching executions', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const mainRun = await run(p, ['main', '--n', '2']);
    const otherRun = await run(p, ['other', '--text', 'hi']);
    const failedRun = await run(p, ['fit', '--rows', '[1,2]', '--C', '-1'], 1);
    const oldRun = await run(p, ['main', '--n', '3']);
    // The last run is moved three hours back, as if it had started then.
    const db = new DatabaseSync(join(p.dir, '.baton', 'baton.db'));
    db.prepare('UPDATE executions SET started_at = started_at - 3 * 3600 * 1000 WHERE id = ?').run(oldRun);
    db.close();

    assert.deepEqual(await ids(p, ['--status', 'failed']), [failedRun]);
    assert.deepEqual(await ids(p, ['--task', 'main']), [mainRun, oldRun].sort());
    assert.deepEqual(await ids(p, ['--task', 'main', '--since', '2h']), [mainRun]);
    assert.deepEqual(await ids(p, ['--since', '1h30m']), [mainRun, otherRun, failedRun].sort());
    assert.deepEqual(await ids(p, ['--since', '2020-01-31']), [mainRun, otherRun, failedRun, oldRun].sort());
    assert.deepEqual(await ids(p, ['--status', 'done', '--since', '2h']), [mainRun, otherRun].sort());

    const none = await p.baton(['log', '--since', '2999-01-01 10:00']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'no executions match — baton log without filters lists the recent ones\n');
    const table = await p.baton(['log', '--status', 'failed']);
    assert.match(table.stdout, new RegExp(`^${failedRun}  fit .* failed `, 'm'));
    assert.equal(table.stdout.split('\n').filter(Boolean).length, 2, 'the header and one row');

    const badStatus = await p.baton(['log', '--status', 'broken']);
    assert.equal(badStatus.code, 1);
    assert.match(
      badStatus.stderr,
      /^baton: --status broken is not a status — use one of running, done, failed, cancelled, lost\n$/,
    );
    const badSince = await p.baton(['log', '--since', 'last tuesday']);
    assert.equal(badSince.code, 1);
    assert.match(
      badSince.stderr,
      /^baton: --since 'last tuesday' is neither a duration nor a date — write a duration/,
    );
  });

  test('--job shows one job: task, hashes, executor, attempts, timings, arguments, result or error, cache origin', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const failedRun = await run(p, ['fit', '--rows', '[1,2,3]', '--C', '-1'], 1);
    const first = await run(p, ['main', '--n', '2']);
    const second = await run(p, ['main', '--n', '2']);

    const failedLog = JSON.parse((await p.baton(['log', failedRun, '--json'])).stdout) as {
      jobs: Array<{ id: string; evalHash: string; taskHash: string }>;
    };
    const failedJob = failedLog.jobs[0]!;
    const failed = await p.baton(['log', '--job', failedJob.id.slice(0, 20)]);
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, new RegExp(`^job ${failedJob.id}: fit — failed\\n`));
    assert.match(failed.stdout, new RegExp(`^  execution +${failedRun} \\(fit, failed\\)$`, 'm'));
    assert.match(failed.stdout, /^ {2}task +fit from .*wf\.ts$/m);
    assert.match(failed.stdout, new RegExp(`^  task hash +${failedJob.taskHash}$`, 'm'));
    assert.match(failed.stdout, new RegExp(`^  eval hash +${failedJob.evalHash}$`, 'm'));
    assert.match(failed.stdout, /^ {2}executor +default, attempt 1$/m);
    assert.match(failed.stdout, /^ {2}timing +queued \d{4}-\d\d-\d\d [\d:]+, started after \d+ms, ran /m);
    assert.match(failed.stdout, /^ {2}arguments +\[\[1,2,3\],-1\]$/m);
    assert.match(failed.stdout, /^ {2}error +RangeError: C must be positive\n {4}at .*wf\.ts:\d+:\d+/m);

    const cachedLog = JSON.parse((await p.baton(['log', second, '--json'])).stdout) as {
      jobs: Array<{ id: string; taskName: string; cachedFromJobId: string }>;
    };
    const cachedJob = cachedLog.jobs[0]!;
    const cached = await p.baton(['log', '--job', cachedJob.id]);
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stdout, /^job .*: main — cached\n/);
    assert.match(cached.stdout, /^ {2}result +\[0,1\]$/m);
    assert.match(
      cached.stdout,
      new RegExp(`^  cached from +execution ${first}, job ${cachedJob.cachedFromJobId}$`, 'm'),
    );
    assert.match(
      cached.stdout,
      new RegExp(`baton log --job ${cachedJob.cachedFromJobId} shows the job that computed it`),
    );

    const json = JSON.parse((await p.baton(['log', '--job', cachedJob.id, '--json'])).stdout) as {
      job: { id: string };
      task: { name: string };
      execution: { id: string };
      result: { text: string };
    };
    assert.deepEqual(
      [json.job.id, json.task.name, json.execution.id, json.result.text],
      [cachedJob.id, 'main', second, '[0,1]'],
    );

    const ambiguous = await p.baton(['log', '--job', '0']);
    assert.equal(ambiguous.code, 1);
    assert.match(
      ambiguous.stderr,
      /^baton: id prefix '0' matches \d+ jobs in database .* — give more characters of the id\n$/,
    );
    const unknown = await p.baton(['log', '--job', 'zzzz']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^baton: no job has an id starting with 'zzzz' — baton log ID lists the jobs of an execution\n$/,
    );
  });
});
