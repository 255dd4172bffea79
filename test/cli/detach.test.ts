// Runs that outlive the terminal: `baton run --detach`, `baton result`, `baton cancel`, and a run
// whose process died without recording its end. Real `baton` processes on a real SQLite store.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { project, waitFor, type Project } from './helpers.ts';

// Each call notes that it started, then waits while the file 'hold' exists: the test decides when
// the run may finish.
const WORKFLOW = `import { appendFileSync, existsSync } from 'node:fs';
import { task } from 'baton';

const here = (name: string) => new URL('./' + name, import.meta.url);

export const step = task('step', async (i: number) => {
  appendFileSync(here('started.txt'), i + '\\n');
  while (existsSync(here('hold'))) await new Promise((resolve) => setTimeout(resolve, 50));
  return i * 10;
});
export const main = task('main', (n: number) => Array.from({ length: n }, (_, i) => step(i)));
export const broken = task('broken', (why: string) => {
  throw new RangeError(why);
});
`;

interface LoggedRun {
  execution: { id: string; status: string; pid: number; lost?: string };
  jobs: Array<{ id: string; taskName: string; status: string }>;
}

/** Whether a process runs (a zombie left for init to reap does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A project whose detached runs are stopped when the test ends, whatever happened. */
function detachProject(t: TestContext): Project & { log(id: string): Promise<LoggedRun> } {
  const p = project(t);
  p.write('wf.ts', WORKFLOW);
  const pids: number[] = [];
  t.after(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  return Object.assign(p, {
    async log(id: string): Promise<LoggedRun> {
      const r = await p.baton(['log', id, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const logged = JSON.parse(r.stdout) as LoggedRun;
      pids.push(logged.execution.pid);
      return logged;
    },
  });
}

/** Starts `baton run --detach ...`; gives the id it printed. */
async function detach(p: Project, args: string[]): Promise<string> {
  const r = await p.baton(['run', '--detach', ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-z]{26}\n$/, 'stdout holds the execution id alone');
  assert.match(r.stderr, /running in the background as execution/);
  return r.stdout.trim();
}

describe('baton run --detach, baton result and baton cancel', () => {
  test('a detached run returns at once with its id; baton result waits for its result', async (t) => {
    const p = detachProject(t);
    p.write('hold', '');
    const id = await detach(p, ['wf.ts', 'main', '--n', '3']);
    const running = await p.log(id);
    assert.equal(running.execution.status, 'running', 'the id is recorded before the command returns');

    const early = await p.baton(['result', id]);
    assert.equal(early.code, 1);
    assert.match(
      early.stderr,
      new RegExp(`^baton: execution ${id} \\(main\\) is still running — baton result ${id} --wait`),
    );

    const waiting = p.start(['result', id.slice(0, 10), '--wait']);
    await waitFor(() => p.lines('started.txt').length === 3, 'the three calls to start');
    rmSync(join(p.dir, 'hold'));
    const result = await waiting.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [0, 10, 20]);
    assert.match(p.read(`.baton/runs/${id}.log`), /done in .* \(execution /);
    assert.equal((await p.log(id)).execution.status, 'done');
  });

  test('baton cancel stops a detached run: its jobs are recorded as cancelled and its process is gone', async (t) => {
    const p = detachProject(t);
    p.write('hold', '');
    const id = await detach(p, ['wf.ts', 'main', '--n', '4']);
    await waitFor(() => p.lines('started.txt').length >= 2, 'calls to start');
    const { execution } = await p.log(id);

    const cancel = await p.baton(['cancel', id.slice(0, 12)]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, new RegExp(`^cancelled execution ${id} \\(main\\): \\d+ jobs cancelled`));
    assert.equal(alive(execution.pid), false, 'the run has exited');
    const after = await p.log(id);
    assert.equal(after.execution.status, 'cancelled');
    const steps = after.jobs.filter((job) => job.taskName === 'step');
    assert.ok(steps.length >= 2);
    assert.deepEqual(
      new Set(after.jobs.map((job) => job.status)),
      new Set(['cancelled']),
      'nothing is left queued or running',
    );

    const result = await p.baton(['result', id]);
    assert.equal(result.code, 130);
    assert.match(result.stderr, /was cancelled .* run it again to continue: baton run wf\.ts main --n 4/);
    const again = await p.baton(['cancel', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not running: it was cancelled — nothing to cancel/);
  });

  test('a run whose process was killed is shown as lost, and baton cancel records it as cancelled', async (t) => {
    const p = detachProject(t);
    p.write('hold', '');
    const id = await detach(p, ['wf.ts', 'main', '--n', '2']);
    await waitFor(() => p.lines('started.txt').length === 2, 'the calls to start');
    const { execution } = await p.log(id);
    process.kill(execution.pid, 'SIGKILL');
    await waitFor(() => !alive(execution.pid), 'the run to die');

    const listed = await p.baton(['log', '--status', 'lost']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}  main .* lost `, 'm'));
    assert.equal((await p.baton(['log', '--status', 'running'])).stdout.includes(id), false);
    const shown = await p.log(id);
    assert.match(
      shown.execution.lost ?? '',
      new RegExp(`its process \\(pid ${execution.pid} on .*\\) is gone`),
    );

    const result = await p.baton(['result', id, '--wait']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /is not running any more: its process .* is gone, and it recorded no end — run it again/,
    );

    const cancel = await p.baton(['cancel', id]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(
      cancel.stdout,
      /was lost: its process .* is gone; recorded it and \d+ unfinished jobs as cancelled/,
    );
    const after = await p.log(id);
    assert.equal(after.execution.status, 'cancelled');
    assert.deepEqual(new Set(after.jobs.map((job) => job.status)), new Set(['cancelled']));
  });

  test('a detached run that fails prints its error through baton result, pointing at the failed job', async (t) => {
    const p = detachProject(t);
    const id = await detach(p, ['wf.ts', 'broken', '--why', 'no such thing']);
    const result = await p.baton(['result', id, '--wait']);
    assert.equal(result.code, 1);
    const { jobs } = await p.log(id);
    const failed = jobs.find((job) => job.status === 'failed');
    assert.ok(failed);
    assert.match(
      result.stderr,
      new RegExp(
        `^baton: execution ${id} \\(broken\\) failed: .*RangeError: no such thing — baton log --job ${failed.id} shows the failed call\\n    at `,
      ),
    );
  });

  test('a detached run that cannot start says why and exits non-zero; --detach refuses --dry-run', async (t) => {
    const p = detachProject(t);
    const missing = await p.baton(['run', '--detach', 'wf.ts', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /task 'nosuch'|nosuch/);
    assert.match(
      missing.stderr,
      /the background run ended before it started \(its output is in \.baton\/runs\//,
    );
    assert.equal(missing.stdout, '');
    const dry = await p.baton(['run', '--detach', '--dry-run', 'wf.ts', 'main', '--n', '1']);
    assert.equal(dry.code, 1);
    assert.match(dry.stderr, /^baton: --detach cannot go with --dry-run — /);
    assert.equal(existsSync(join(p.dir, 'started.txt')), false);
  });

  test('result, cancel and cache each have --help', async (t) => {
    const p = project(t, { config: false });
    for (const name of ['result', 'cancel', 'cache']) {
      const help = await p.baton([name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: baton ${name} `));
    }
  });
});
