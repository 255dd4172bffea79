// The fleet executor against the machine's real Redis: `baton worker` processes take batches of tasks
// from BullMQ, results and errors come back, and lost or stopped workers lose no result.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { executionIdOf, waitFor } from '../../cli/helpers.ts';
import { fleetProject, redisMissing, workersReady } from './helpers.ts';

const missing = await redisMissing();

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';

export const inc = task('inc', (x: number) => x + 1);
export const where = task('where', async (i: number) => {
  await new Promise((resolve) => setTimeout(resolve, 30));
  return process.pid;
});
export const spread = task('spread', (n: number) => Array.from({ length: n }, (_, i) => where(i)));
export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => inc(i)));
export const boom = task('boom', (x: number) => {
  throw new RangeError('bad value ' + x);
});

export const slow = task('slow', (i: number, ms: number) => {
  appendFileSync('starts.log', i + ' ' + process.pid + '\\n');
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  appendFileSync('done.log', i + '\\n');
  return i * 10;
});
export const slowFan = task('slowFan', (n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => slow(i, ms)));

export const limited = task('limited', (i: number, ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  return i;
}, { timeLimit: 1.5 });
export const limitedFan = task('limitedFan', (n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => limited(i, ms)));
`;

function counts(lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) out.set(line, (out.get(line) ?? 0) + 1);
  return out;
}

describe('fleet executor', { skip: missing }, () => {
  test('a fan-out runs on several worker processes and every result comes back in order', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const workers = [p.worker(), p.worker()];
    await workersReady(workers);
    const fan = await p.baton(['run', 'wf.ts', 'fan', '--n', '2000']);
    assert.equal(fan.code, 0, fan.stderr);
    assert.deepEqual(
      JSON.parse(fan.stdout),
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    const spread = await p.baton(['run', 'wf.ts', 'spread', '--n', '40']);
    assert.equal(spread.code, 0, spread.stderr);
    const pids = new Set(JSON.parse(spread.stdout) as number[]);
    assert.deepEqual(pids, new Set(workers.map((worker) => worker.child.pid)), 'both workers ran tasks');
  });

  test('a task error comes back with its name, message and stack', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    await workersReady([p.worker()]);
    const result = await p.baton(['run', 'wf.ts', 'boom', '--x', '7']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /task boom failed at boom\(x=7\): RangeError: bad value 7/);
    assert.match(result.stderr, /wf\.ts:\d+/, 'the stack points into the workflow');
  });

  test('a worker killed mid-task has its tasks finished by another, each result recorded once', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const workers = [p.worker(), p.worker()];
    await workersReady(workers);
    const run = p.start(['run', 'wf.ts', 'slowFan', '--n', '4', '--ms', '1500']);
    await waitFor(
      () => new Set(p.lines('starts.log').map((line) => line.split(' ')[1])).size === 2,
      'both workers to start a task',
    );
    const victimPid = Number(p.lines('starts.log')[0]!.split(' ')[1]);
    const victim = workers.find((worker) => worker.child.pid === victimPid)!;
    victim.child.kill('SIGKILL');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [0, 10, 20, 30]);
    const done = counts(p.lines('done.log'));
    assert.deepEqual([...done.keys()].sort(), ['0', '1', '2', '3']);
    for (const [task, times] of done) assert.equal(times, 1, `task ${task} finished ${times} times`);
    const log = await p.baton(['log', executionIdOf(result.stderr), '--json']);
    const jobs = (JSON.parse(log.stdout) as { jobs: Array<{ taskName: string; status: string }> }).jobs;
    assert.equal(jobs.filter((job) => job.taskName === 'slow' && job.status === 'done').length, 4);
  });

  test('SIGTERM lets a worker finish the tasks it holds, then it exits 0', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const worker = p.worker();
    await workersReady([worker]);
    const run = p.start(['run', 'wf.ts', 'slowFan', '--n', '2', '--ms', '1000']);
    await waitFor(() => p.lines('starts.log').length >= 1, 'a task to start');
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, worker.output());
    assert.match(worker.output(), /finishing the tasks held/);
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [0, 10]);
    assert.deepEqual(p.lines('done.log').sort(), ['0', '1']);
  });

  test('a scheduler restarted mid-run takes the results of the tasks it had queued and runs none twice', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    await workersReady([p.worker(), p.worker()]);
    const first = p.start(['run', 'wf.ts', 'slowFan', '--n', '4', '--ms', '1500']);
    await waitFor(() => p.lines('starts.log').length >= 2, 'tasks to start');
    first.child.kill('SIGKILL');
    await first.done;
    const second = await p.baton(['run', 'wf.ts', 'slowFan', '--n', '4', '--ms', '1500']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), [0, 10, 20, 30]);
    assert.match(second.stderr, /reunited task slow/);
    const done = counts(p.lines('done.log'));
    assert.deepEqual([...done.keys()].sort(), ['0', '1', '2', '3']);
    for (const [task, times] of done) assert.equal(times, 1, `task ${task} ran ${times} times`);
  });

  test('a time limit stops a task that runs past it, counted from its start on the worker', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    await workersReady([p.worker()]);
    const started = Date.now();
    const over = await p.baton(['run', 'wf.ts', 'limited', '--i', '0', '--ms', '30000']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /TimeoutError/);
    assert.match(over.stderr, /1\.5 ?s/, 'the error names the limit');
    assert.ok(Date.now() - started < 20_000, 'the task was stopped, not waited for');
    // One worker, one slot: the third task waits 1.6 s in the queue, more than its 1.5 s limit, and
    // still succeeds, because only its own 0.8 s of running counts.
    const queued = await p.baton(['run', 'wf.ts', 'limitedFan', '--n', '3', '--ms', '800']);
    assert.equal(queued.code, 0, queued.stderr);
    assert.deepEqual(JSON.parse(queued.stdout), [0, 1, 2]);
  });

  test('Ctrl-C stops the tasks a worker is running, and the worker takes new work at once', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const worker = p.worker();
    await workersReady([worker]);
    const run = p.start(['run', 'wf.ts', 'slowFan', '--n', '1', '--ms', '60000']);
    await waitFor(() => p.lines('starts.log').length === 1, 'the task to start on the worker');
    run.child.kill('SIGINT');
    const cancelled = await run.done;
    assert.equal(cancelled.code, 130, cancelled.stderr);
    await waitFor(() => /stopped 1 cancelled task/.test(worker.output()), 'the worker to stop the task');
    // One worker with one slot: this run could not start until the 60 s task ended.
    const began = Date.now();
    const next = await p.baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(JSON.parse(next.stdout), [1, 2, 3]);
    assert.ok(Date.now() - began < 30_000, 'the slot was free');
    assert.deepEqual(p.lines('done.log'), [], 'the cancelled task never finished');
  });
});
