// The Slurm executor against a real single-node Slurm (scripts/ensure-slurm.sh), through the CLI.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, waitFor, type Project } from '../../cli/helpers.ts';
import {
  cpus,
  BATON_COMMAND,
  SETUP,
  cancelProjectJobs,
  liveJobs,
  setNodeState,
  slurmJobs,
  slurmMissing,
} from './cluster.ts';

const missing = slurmMissing();

function toml(values: unknown[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

function config(extra: string[] = []): string {
  return [
    '[executors.default]',
    'type = "local"',
    'max_workers = 2',
    '',
    '[executors.hpc]',
    'type = "slurm"',
    `baton_command = ${toml(BATON_COMMAND)}`,
    `setup = ${toml([...SETUP, 'export BATON_TEST_GREETING="hello from setup"'])}`,
    'poll_interval = 0.2',
    ...extra,
    '',
  ].join('\n');
}

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';

const hpc = { executor: 'hpc' };

export const add = task('add', (a: number, b: number) => {
  console.log('adding', a, b);
  return a + b;
}, hpc);

export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => add(i, 100)));

export const greeting = task('greeting', () => process.env.BATON_TEST_GREETING ?? 'no setup', hpc);

export const boom = task('boom', () => {
  console.log('about to fail');
  throw new RangeError('bad value');
}, hpc);

export const slow = task('slow', async (i: number, seconds: number) => {
  appendFileSync(${JSON.stringify('data/starts.log')}, i + '\\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return i * 2;
}, hpc);

export const slowFan = task('slowFan', (n: number, seconds: number) =>
  Array.from({ length: n }, (_, i) => slow(i, seconds)));

export const sleepy = task('sleepy', async () => {
  await new Promise((resolve) => setTimeout(resolve, 300_000));
  return 'woke';
}, { ...hpc, timeLimit: 3 });

export const hog = task('hog', async () => {
  const held: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    held.push(Buffer.alloc(16 * 1024 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  return held.length;
}, { ...hpc, memory: 0.25 });
`;

function setup(t: Parameters<typeof project>[0], extra: string[] = []): Project {
  const p = project(t, { config: config(extra) });
  p.write('wf.ts', WORKFLOW.replace('data/starts.log', join(p.dir, 'data/starts.log')));
  p.write('data/.keep', '');
  t.after(() => cancelProjectJobs(p.dir));
  return p;
}

/** The Slurm job ids (without array index) behind the records of a project. */
function slurmJobIds(dir: string): Set<string> {
  const ids = new Set<string>();
  const jobs = join(dir, '.baton/scratch/jobs');
  for (const hash of readdirSync(jobs)) {
    try {
      const record = JSON.parse(readFileSync(join(jobs, hash, 'slurm'), 'utf8')) as { jobId?: string };
      if (record.jobId) ids.add(record.jobId);
    } catch {
      // the top-level call ran locally and has no record
    }
  }
  return ids;
}

describe('slurm executor (real single-node Slurm)', { skip: missing }, () => {
  test('runs tasks as Slurm jobs, returns their values, and serves a re-run from the cache', async (t) => {
    const p = setup(t);
    const first = await p.baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [100, 101, 102]);
    const second = await p.baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 call: 0 ran, 1 cached/);
  });

  test('twenty calls that arrive together go out as one array job, one element each with calls_per_element = 1', async (t) => {
    const p = setup(t, ['calls_per_element = 1']);
    const r = await p.baton(['run', 'wf.ts', 'fan', '--n', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout),
      Array.from({ length: 20 }, (_, i) => i + 100),
    );
    const ids = [...slurmJobIds(p.dir)];
    assert.equal(ids.length, 1, `one sbatch for the burst, got Slurm jobs ${ids.join(', ')}`);
    const elements = slurmJobs().filter((job) => job.id.startsWith(`${ids[0]}_`));
    assert.equal(elements.length, 20, 'squeue lists twenty elements of that array job');
    assert.ok(elements.every((job) => job.state === 'COMPLETED'));
  });

  test('a burst larger than twice the partition CPUs is packed: few elements, each running several calls', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'fan', '--n', '40']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout),
      Array.from({ length: 40 }, (_, i) => i + 100),
    );
    const ids = [...slurmJobIds(p.dir)];
    assert.equal(ids.length, 1, `one sbatch for the burst, got Slurm jobs ${ids.join(', ')}`);
    const elements = slurmJobs().filter((job) => job.id.startsWith(`${ids[0]}_`));
    assert.equal(elements.length, 2 * cpus(), 'two elements per CPU of the partition');
    assert.ok(elements.every((job) => job.state === 'COMPLETED'));
  });

  test('setup lines run in the job before Baton', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'greeting']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'hello from setup');
  });

  test('a task error comes back with its name, message, stack and the job output', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'boom', '--verbose']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task boom failed at boom\(\): RangeError: bad value/);
    assert.match(r.stderr, /--- last output ---\n\s*about to fail/);
    assert.match(r.stderr, /wf\.ts:\d+:\d+/);
  });

  test('a submission Slurm refuses fails at once with sbatch message', async (t) => {
    const p = setup(t, ['partition = "no-such-partition"']);
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /sbatch refused the job: .*invalid partition/i);
    assert.doesNotMatch(r.stderr, /retrying/);
  });

  test('Ctrl-C cancels the run and scancels its jobs: none is left in the queue', async (t) => {
    const p = setup(t);
    const { child, done } = p.start(['run', 'wf.ts', 'slowFan', '--n', '4', '--seconds', '120']);
    await waitFor(() => p.lines('data/starts.log').length >= 2, 'two running jobs', 60_000);
    assert.ok(liveJobs(p.dir).length >= 2);
    child.kill('SIGINT');
    const r = await done;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cancel/i);
    await waitFor(() => liveJobs(p.dir).length === 0, 'the queue to drop the jobs', 15_000);
  });

  test('a job over its time limit is cancelled and fails with TimeoutError', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'sleepy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError: task sleepy exceeded its time limit of 3s/);
    await waitFor(() => liveJobs(p.dir).length === 0, 'the job to leave the queue', 15_000);
  });

  test('a job Slurm kills at its own --time says time limit, with Slurm message', async (t) => {
    // Slurm counts whole minutes and checks limits every 30 s: this takes 60 to 100 s.
    const p = setup(t, ['sbatch_args = ["--time=1"]']);
    const r = await p.baton(['run', 'wf.ts', 'slowFan', '--n', '1', '--seconds', '240'], {
      timeoutMs: 200_000,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError/);
    assert.match(r.stderr, /DUE TO TIME LIMIT/);
  });

  test('a job killed for memory says memory', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'hog']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OutOfMemoryError/);
    assert.match(r.stderr, /memory limit of 0\.25 GiB/);
    assert.match(r.stderr, /exceeded (job )?memory limit/i);
  });

  test('a node failure is a system failure: the job is submitted again and succeeds', async (t) => {
    const p = setup(t, ['sbatch_args = ["--no-requeue"]']);
    t.after(() => setNodeState('resume'));
    const { done } = p.start(['run', 'wf.ts', 'slowFan', '--n', '1', '--seconds', '6']);
    await waitFor(() => p.lines('data/starts.log').length === 1, 'the job to start', 60_000);
    setNodeState('down');
    await waitFor(() => liveJobs(p.dir).length === 0, 'the job to fail with its node', 30_000);
    setNodeState('resume');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [0]);
    assert.match(r.stderr, /node failed.*retrying/);
    assert.equal(p.lines('data/starts.log').length, 2, 'ran again after the failure');
  });

  test('after the scheduler is killed, a restart reunites with its jobs: each runs once', async (t) => {
    const p = setup(t);
    const { child } = p.start(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '8']);
    await waitFor(() => p.lines('data/starts.log').length === 3, 'three running jobs', 60_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(liveJobs(p.dir).length, 3, 'the jobs outlive the scheduler');
    const again = await p.baton(['run', 'wf.ts', 'slowFan', '--n', '3', '--seconds', '8']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), [0, 2, 4]);
    assert.match(again.stderr, /reunited with the running job of task slow/);
    assert.deepEqual(p.lines('data/starts.log').sort(), ['0', '1', '2'], 'no job ran twice');
  });
  test('after the scheduler is killed, a restart reunites with packed elements: each call runs once', async (t) => {
    const p = setup(t);
    const n = 4 * cpus(); // two calls per element
    const { child } = p.start(['run', 'wf.ts', 'slowFan', '--n', String(n), '--seconds', '4']);
    await waitFor(() => p.lines('data/starts.log').length >= 2, 'running calls', 60_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const again = await p.baton(['run', 'wf.ts', 'slowFan', '--n', String(n), '--seconds', '4']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout),
      Array.from({ length: n }, (_, i) => i * 2),
    );
    assert.match(again.stderr, /reunited with the running job of task slow/);
    assert.equal(slurmJobIds(p.dir).size, 1, 'nothing submitted again');
    assert.equal(p.lines('data/starts.log').length, n, 'no call ran twice');
  });
});
