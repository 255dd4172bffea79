// Runs that outlive the terminal on a PostgreSQL store a team shares: a detached run's result, a
// cancel that reaches a run only through the store (as from another host), and a run of another
// host whose heartbeat went stale shown as lost.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CancelledError } from '../../../src/errors.ts';
import { Scheduler } from '../../../src/scheduler/index.ts';
import { newId, openStore } from '../../../src/store/index.ts';
import { task } from '../../../src/task/index.ts';
import { project, waitFor, type Project } from '../../cli/helpers.ts';
import '../../scheduler/helpers.ts';
import { freshSchema, needsPostgres } from './helpers.ts';

const WORKFLOW = `import { appendFileSync, existsSync } from 'node:fs';
import { task } from 'baton';

const here = (name: string) => new URL('./' + name, import.meta.url);

export const step = task('step', async (i: number) => {
  appendFileSync(here('started.txt'), i + '\\n');
  while (existsSync(here('hold'))) await new Promise((resolve) => setTimeout(resolve, 50));
  return i + 1;
});
export const main = task('main', (n: number) => Array.from({ length: n }, (_, i) => step(i)));
`;

function teamProject(t: Parameters<typeof project>[0], url: string): Project {
  const p = project(t, {
    config: `[backend]\ndb = "${url}"\n\n[executors.default]\ntype = "local"\nmax_workers = 2\n`,
  });
  p.write('wf.ts', WORKFLOW);
  return p;
}

// Runs in this process (the inline executor): a cancelled nap must not hold the test open after it.
let released = false;
const nap = task('pg.detach.nap', async (ms: number) => {
  const until = Date.now() + ms;
  while (!released && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return ms;
});

describe('detached runs on a PostgreSQL store', needsPostgres, () => {
  test('a detached run records its result in the shared store, where baton result --wait finds it', async (t) => {
    const { url } = freshSchema(t);
    const p = teamProject(t, url);
    p.write('hold', '');
    const started = await p.baton(['run', '--detach', 'wf.ts', 'main', '--n', '2']);
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    const waiting = p.start(['result', id, '--wait']);
    await waitFor(() => p.lines('started.txt').length === 2, 'the calls to start', 120_000);
    rmSync(join(p.dir, 'hold'));
    const result = await waiting.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [1, 2]);
  });

  test('a cancel request recorded through another connection cancels the run and its in-flight jobs', async (t) => {
    const { url } = freshSchema(t);
    const scheduler = new Scheduler({
      config: {
        file: undefined,
        root: process.cwd(),
        backend: { db: url, valuesDir: undefined },
        executors: { default: { type: 'inline' } },
      },
    });
    const other = await openStore(url);
    t.after(async () => {
      released = true;
      await other.close();
      await scheduler.close();
    });
    const id = newId();
    const running = scheduler.run([nap(10), nap(60_000)], { executionId: id, cache: 'none' });
    // As `baton cancel` on another host does: only the store connects them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    other.updateExecution(id, { cancelRequestedAt: Date.now() });
    await other.flush();
    await assert.rejects(running, CancelledError);
    const execution = await other.getExecution(id);
    assert.equal(execution?.status, 'cancelled');
    assert.ok(execution?.heartbeatAt !== undefined, 'it wrote its heartbeat to the shared store');
    assert.deepEqual((await other.listJobs(id)).map((job) => job.status).sort(), ['cancelled', 'done']);
  });

  test("another host's run whose heartbeat is stale is lost; a fresh one is running", async (t) => {
    const { url } = freshSchema(t);
    const p = teamProject(t, url);
    const store = await openStore(url);
    const now = Date.now();
    const base = {
      taskName: 'main',
      argsPreview: '[2]',
      status: 'running' as const,
      startedAt: now - 3_600_000,
      cwd: '/elsewhere',
      argv: ['/elsewhere/baton', 'run', 'wf.ts', 'main', '--n', '2'],
      host: 'elsewhere.example',
      pid: 4242,
    };
    const stale = { ...base, id: newId(), heartbeatAt: now - 120_000 };
    const fresh = { ...base, id: newId(), heartbeatAt: now };
    store.putExecution(stale);
    store.putExecution(fresh);
    await store.close();

    const lost = await p.baton(['log', '--status', 'lost', '--json']);
    assert.equal(lost.code, 0, lost.stderr);
    const [shown, ...more] = JSON.parse(lost.stdout) as Array<{ id: string; lost: string }>;
    assert.equal(more.length, 0);
    assert.equal(shown?.id, stale.id);
    assert.match(
      shown.lost,
      /its scheduler \(pid 4242 on elsewhere\.example\) has given no sign of life for 12\ds/,
    );
    const running = await p.baton(['log', '--status', 'running', '--json']);
    assert.deepEqual(
      (JSON.parse(running.stdout) as Array<{ id: string }>).map((e) => e.id),
      [fresh.id],
    );
  });
});
