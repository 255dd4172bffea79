import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { executionIdOf, project, waitFor } from './helpers.ts';

// Each task body appends a line to a file, so the tests count real executions, not cache hits.
const WORKFLOW = `import { appendFileSync } from 'node:fs';
import { task } from 'baton';

const ran = (line: string) => appendFileSync(new URL('./ran.txt', import.meta.url), line + '\\n');

export const square = task('square', (x: number) => {
  ran('square ' + x);
  return x * x;
});
export const total = task('total', (values: number[]) => {
  ran('total');
  return values.reduce((sum, v) => sum + v, 0);
});
export const main = task('main', (n: number) => total(Array.from({ length: n }, (_, i) => square(i))));

// Staggered: call i finishes after (i + 1) × 150 ms, so a Ctrl-C falls between finished and running calls.
export const slow = task('slow', async (i: number) => {
  await new Promise((resolve) => setTimeout(resolve, (i + 1) * 150));
  ran('slow ' + i);
  return i;
});
// Blocks its worker thread (no await), as CPU-bound code does.
export const busy = task('busy', (i: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  ran('busy ' + i);
  return i;
});
export const busyMain = task('busyMain', (n: number) => total(Array.from({ length: n }, (_, i) => busy(i))));
export const slowMain = task('slowMain', (n: number) => total(Array.from({ length: n }, (_, i) => slow(i))));
`;

interface LoggedJob {
  taskName: string;
  status: string;
  parentId?: string;
  cachedFromExecutionId?: string;
}

describe('caching from the command line', () => {
  test('a second run is served from the cache, and baton log shows its jobs as cached', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const first = await p.baton(['run', 'wf.ts', 'main', '--n', '4']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, '14\n');
    assert.equal(p.lines('ran.txt').length, 5, 'four squares and the total ran');
    const firstId = executionIdOf(first.stderr);

    const second = await p.baton(['run', 'wf.ts', 'main', '--n', '4']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, '14\n');
    assert.equal(p.lines('ran.txt').length, 5, 'nothing ran again');
    const secondId = executionIdOf(second.stderr);
    assert.notEqual(secondId, firstId);

    const log = await p.baton(['log', secondId.slice(0, 16), '--json']);
    assert.equal(log.code, 0, log.stderr);
    const { execution, jobs } = JSON.parse(log.stdout) as {
      execution: { id: string; status: string };
      jobs: LoggedJob[];
    };
    assert.equal(execution.id, secondId);
    assert.equal(execution.status, 'done');
    assert.ok(jobs.length >= 1);
    assert.ok(
      jobs.every((job) => job.status === 'cached' && job.cachedFromExecutionId === firstId),
      `every job is a cache hit from the first run: ${JSON.stringify(jobs)}`,
    );
  });

  test('--no-cache runs every call again', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    await p.baton(['run', 'wf.ts', 'main', '--n', '3']);
    assert.equal(p.lines('ran.txt').length, 4);
    const again = await p.baton(['run', 'wf.ts', 'main', '--n', '3', '--no-cache']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '5\n');
    assert.equal(p.lines('ran.txt').length, 8);
  });

  test('--no-provenance leaves no execution in baton log and caches nothing', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const quiet = await p.baton(['run', 'wf.ts', 'main', '--n', '3', '--no-provenance']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '5\n');
    const log = await p.baton(['log', '--json']);
    assert.equal(log.code, 0, log.stderr);
    assert.deepEqual(JSON.parse(log.stdout), []);
    await p.baton(['run', 'wf.ts', 'main', '--n', '3']);
    assert.equal(p.lines('ran.txt').length, 8, 'the recorded run found nothing cached');
  });

  test('--dry-run lists the calls that would run, runs nothing, then says everything is cached', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const dry = await p.baton(['run', 'wf.ts', 'main', '--n', '2', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(p.lines('ran.txt'), [], 'a dry run runs nothing');
    assert.match(dry.stdout, /^1 call would run \(0 calls cached\):\n/);
    assert.match(dry.stdout, /main {2,}[0-9a-f]{16}\n/);

    await p.baton(['run', 'wf.ts', 'main', '--n', '2']);
    const cached = await p.baton(['run', 'wf.ts', 'main', '--n', '2', '--dry-run']);
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stdout, /^nothing would run: every call is cached \(\d+ calls? cached\)\n$/);
  });

  test('Ctrl-C cancels the run (exit 130); running it again does not redo finished calls', async (t) => {
    await interruptAndResume(t, 'slowMain', 'slow');
  });

  test('calls of CPU-bound (synchronous) tasks that finished before Ctrl-C are not redone either', async (t) => {
    await interruptAndResume(t, 'busyMain', 'busy');
  });
});

/** Starts TASK, sends SIGINT once four calls have finished, checks the cancellation, then runs TASK again. */
async function interruptAndResume(t: TestContext, taskName: string, prefix: string): Promise<void> {
  const p = project(t);
  p.write('wf.ts', WORKFLOW);
  const n = 12;
  const { child, done } = p.start(['run', 'wf.ts', taskName, '--n', String(n)]);
  await waitFor(() => p.lines('ran.txt').length >= 4, 'four calls to finish');
  const finishedWell = p.lines('ran.txt').slice(0, 4);
  await new Promise((resolve) => setTimeout(resolve, 100)); // their results reach the scheduler
  child.kill('SIGINT');
  const cancelled = await done;
  assert.equal(cancelled.code, 130, cancelled.stderr);
  assert.equal(cancelled.stdout, '');
  assert.match(cancelled.stderr, /cancelling… \(Ctrl-C again to quit now\)/);
  assert.match(
    cancelled.stderr,
    /the run was cancelled \(execution [0-9a-z]{26}\) — run the same command again/,
  );
  const ranBefore = p.lines('ran.txt');
  assert.ok(ranBefore.length < n, `the run stopped early (${ranBefore.length} of ${n} ran)`);

  const log = await p.baton(['log', executionIdOf(cancelled.stderr), '--json']);
  const { execution, jobs } = JSON.parse(log.stdout) as { execution: { status: string }; jobs: LoggedJob[] };
  assert.equal(execution.status, 'cancelled');
  const statuses = jobs.map((job) => job.status);
  assert.ok(statuses.includes('cancelled'), `some jobs were cancelled: ${statuses.join(' ')}`);

  const again = await p.baton(['run', 'wf.ts', taskName, '--n', String(n)]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `${(n * (n - 1)) / 2}\n`);
  const ranAgain = p
    .lines('ran.txt')
    .slice(ranBefore.length)
    .filter((line) => line.startsWith(prefix));
  const redone = finishedWell.filter((line) => ranAgain.includes(line));
  assert.deepEqual(redone, [], 'calls that had finished before Ctrl-C come from the cache');
  assert.equal(new Set([...ranBefore, ...ranAgain].filter((line) => line.startsWith(prefix))).size, n);
}
