// Two `baton run` processes on one PostgreSQL store: each call computed once, and a run killed with
// SIGKILL loses nothing the other needs: its committed calls are reused, the rest recomputed.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, waitFor, type Project } from '../../cli/helpers.ts';
import { freshSchema, needsPostgres, sql } from './helpers.ts';

const CALLS = 16;

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync, existsSync } from 'node:fs';

// Blocks its worker thread, so two workers run two calls at a time. While the file 'hold' exists,
// calls from the fifth on do not finish: the test decides when the first run is caught mid-way.
export const slow = task('slow', (i: number) => {
  appendFileSync('computed.log', i + ' ' + process.pid + '\\n');
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, 200);
  while (i >= 4 && existsSync('hold')) Atomics.wait(sleeper, 0, 0, 50);
  return i * 10;
});

export const main = task('main', (n: number) => Array.from({ length: n }, (_, i) => slow(i)));
`;

const EXPECTED = Array.from({ length: CALLS }, (_, i) => i * 10);

function teamProject(t: Parameters<typeof project>[0], url: string): Project {
  const dir = project(t, {
    config: `[backend]\ndb = "${url}"\n\n[executors.default]\ntype = "local"\nmax_workers = 2\n`,
  });
  dir.write('workflow.ts', WORKFLOW);
  return dir;
}

/** `i` of every call each process computed. */
function computedBy(dir: Project): Map<number, number[]> {
  const byPid = new Map<number, number[]>();
  for (const line of dir.lines('computed.log')) {
    const [i, pid] = line.split(' ').map(Number) as [number, number];
    byPid.set(pid, [...(byPid.get(pid) ?? []), i]);
  }
  return byPid;
}

async function presenceSessions(): Promise<number> {
  const [row] = await sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'baton' AND query LIKE 'LISTEN%'",
  );
  return row?.n ?? 0;
}

describe('schedulers sharing a PostgreSQL store', needsPostgres, () => {
  test('two runs of the same workflow at the same time compute each call once and print the same result', async (t) => {
    const { url } = freshSchema(t);
    const dir = teamProject(t, url);
    const args = ['run', 'workflow.ts', 'main', '--n', String(CALLS)];
    const [a, b] = await Promise.all([dir.baton(args), dir.baton(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(a.stdout), EXPECTED);
    assert.deepEqual(JSON.parse(b.stdout), EXPECTED);
    const computed = [...computedBy(dir).values()].flat().sort((x, y) => x - y);
    assert.deepEqual(
      computed,
      Array.from({ length: CALLS }, (_, i) => i),
    );
    const again = await dir.baton(args);
    assert.match(again.stderr, /0 ran/);
    assert.deepEqual(JSON.parse(again.stdout), EXPECTED);
  });

  test('when one run is killed with SIGKILL, the other reuses what it committed and computes the rest', async (t) => {
    // Registered first, so a failed test stops its runs before its schema is dropped.
    const runs: Array<ReturnType<Project['start']>> = [];
    t.after(() => {
      for (const run of runs) run.child.kill('SIGKILL');
    });
    const { url, schema } = freshSchema(t);
    const dir = teamProject(t, url);
    const args = ['run', 'workflow.ts', 'main', '--n', String(CALLS)];
    dir.write('hold', '');
    const first = dir.start(args);
    runs.push(first);
    // Calls 0-3 finish; the next two to start hang until 'hold' goes.
    await waitFor(() => dir.lines('computed.log').length >= 6, 'the first run to start six calls', 120_000);
    const second = dir.start(args);
    runs.push(second);
    // The second run is waiting on the first's lease of main() before the first dies.
    const deadline = Date.now() + 120_000;
    while ((await presenceSessions()) < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the second run to join');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    rmSync(join(dir.dir, 'hold'));
    const result = await second.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), EXPECTED);

    const byPid = computedBy(dir);
    const sorted = (values: number[] | undefined) => [...(values ?? [])].sort((x, y) => x - y);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // The first run finished and committed calls 0-3, and died with two later ones in flight.
    const byFirst = sorted(byPid.get(first.child.pid!));
    assert.equal(byFirst.length, 6);
    assert.deepEqual(byFirst.slice(0, 4), range(0, 4));
    const [committed] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.jobs j JOIN ${schema}.executions e ON e.id = j.execution_id ` +
        `WHERE e.pid = $1 AND j.task_name = 'slow' AND j.status = 'done'`,
      [first.child.pid],
    );
    assert.equal(committed?.n, 4);
    // The second reused those four from the cache and computed the rest, the two lost ones included.
    assert.deepEqual(sorted(byPid.get(second.child.pid!)), range(4, CALLS));

    // Nothing is left half-written: a third run finds every call in the cache, with its value.
    const third = await dir.baton(args);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /0 ran/);
    assert.deepEqual(JSON.parse(third.stdout), EXPECTED);
    const info = await dir.baton(['db', 'info', '--json']);
    assert.equal((JSON.parse(info.stdout) as { counts: { leases: number } }).counts.leases, 0);
  });
});
