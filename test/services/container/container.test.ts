// The container executor against a real OCI runtime: podman with runc, on an image built here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { project, waitFor, type Project } from '../../cli/helpers.ts';
import {
  BATON_COMMAND,
  BATON_REPO,
  ENGINE,
  ENGINE_ARGS,
  IMAGE,
  RUN_ARGS,
  engineMissing,
  ensureImage,
} from './image.ts';

const missing = engineMissing();

function toml(values: unknown[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

/** baton.toml with a `box` container executor running IMAGE with Baton mounted at /opt/baton. */
function config(
  options: { engine?: string; image?: string; volumes?: string[]; extra?: string[] } = {},
): string {
  return [
    '[executors.default]',
    'type = "local"',
    'max_workers = 2',
    '',
    '[executors.box]',
    'type = "container"',
    `engine = ${JSON.stringify(options.engine ?? ENGINE)}`,
    `engine_args = ${toml(ENGINE_ARGS)}`,
    `image = ${JSON.stringify(options.image ?? IMAGE)}`,
    `run_args = ${toml(RUN_ARGS)}`,
    'network = "none"',
    `baton_command = ${toml(BATON_COMMAND)}`,
    `volumes = ${toml([`${BATON_REPO}:/opt/baton:ro`, ...(options.volumes ?? [])])}`,
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

const WORKFLOW = `import { File, script, task } from 'baton';
import { appendFileSync } from 'node:fs';

export const add = task('add', (a: number, b: number) => {
  console.log('adding', a, b);
  return a + b;
}, { executor: 'box' });

export const boom = task('boom', () => {
  console.log('about to fail');
  throw new RangeError('bad value');
}, { executor: 'box' });

export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => add(i, 100)));

export const hog = task('hog', () => {
  const held: Buffer[] = [];
  for (let i = 0; i < 64; i++) held.push(Buffer.alloc(16 * 1024 * 1024, 1));
  return held.length;
}, { executor: 'box', memory: 0.125 });

export const slow = task('slow', (i: number) => {
  appendFileSync('/data/starts.log', i + '\\n');
  const until = Date.now() + 4000;
  while (Date.now() < until) {}
  return i * 2;
}, { executor: 'box' });

export const count = script('count', 'wc -l < {input} > {out} && echo counted', {
  executor: 'box',
  outputs: { out: 'count.txt' },
});

export const readCount = task('readCount', async (made: { stdout: string; files: { out: File } }) =>
  [made.stdout.trim(), (await made.files.out.readText()).trim()]);

// \`round\` only makes each run's top call new, so that the calls below it are looked up again.
export const countFile = task('countFile', (path: string, round: number) =>
  round > 0 ? readCount(count({ input: new File(path) })) : null);

export const ask = task('ask', async () => {
  console.log('what is your name?');
  for await (const chunk of process.stdin) return 'hello ' + String(chunk).trim();
  return 'no answer';
}, { executor: 'box' });

export const sleepy = task('sleepy', async () => {
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  return 'woke';
}, { executor: 'box', timeLimit: 2 });

export const makeBig = task('makeBig', () => new Uint8Array(3 * 1024 * 1024).fill(1), { executor: 'box' });
export const measure = task('measure', (bytes: Uint8Array, k: number) => bytes.length + k, { executor: 'box' });
export const bigPair = task('bigPair', () => {
  const big = makeBig();
  return [measure(big, 1), measure(big, 2)];
});

export const slowFan = task('slowFan', (n: number) => Array.from({ length: n }, (_, i) => slow(i)));
`;

/** Containers this executor left behind (it removes its own). */
function containers(): string[] {
  const out = execFileSync(
    ENGINE,
    [
      ...ENGINE_ARGS,
      'ps',
      '--all',
      '--filter',
      'label=baton.executor=box',
      '--format',
      '{{.Names}} {{.State}}',
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter((line) => line.trim() !== '');
}

function removeContainers(): void {
  for (const line of containers()) {
    execFileSync(ENGINE, [...ENGINE_ARGS, 'rm', '--force', line.split(' ')[0]!], { stdio: 'ignore' });
  }
}

function setup(t: Parameters<typeof project>[0], options: Parameters<typeof config>[0] = {}): Project {
  const p = project(t, { config: config(options) });
  p.write('wf.ts', WORKFLOW);
  t.after(removeContainers);
  return p;
}

describe('container executor (podman + runc)', { skip: missing }, () => {
  before(() => ensureImage());

  test('runs tasks in containers, returns their values, and serves a re-run from the cache', async (t) => {
    const p = setup(t);
    const first = await p.baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [100, 101, 102]);
    assert.match(first.stderr, /\[add\] adding 2 100/);
    assert.deepEqual(containers(), [], 'every container is removed when the run ends');
    const second = await p.baton(['run', 'wf.ts', 'fan', '--n', '3']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 call: 0 ran, 1 cached/);
  });

  test('a script task runs in the container on a staged input File and returns its output File', async (t) => {
    const p = setup(t);
    const data = p.write('data.csv', 'a\nb\nc\n');
    const r = await p.baton(['run', 'wf.ts', 'countFile', '--path', data, '--round', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['counted', '3']);
    const unchanged = await p.baton(['run', 'wf.ts', 'countFile', '--path', data, '--round', '2']);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.match(unchanged.stderr, /3 calls: 1 ran, 2 cached/, 'the script is served from the cache');
    p.write('data.csv', 'a\nb\nc\nd\n');
    const again = await p.baton(['run', 'wf.ts', 'countFile', '--path', data, '--round', '3']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout),
      ['counted', '4'],
      'a changed input file runs the script again',
    );
  });

  test('debug mode attaches the job to the terminal: it reads stdin and prints straight through', async (t) => {
    const p = setup(t, { extra: ['debug = true'] });
    const { child, done } = p.start(['run', 'wf.ts', 'ask'], { stdin: 'pipe' });
    child.stdin!.end('Ada\n');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /what is your name\?/);
    assert.match(r.stdout, /\nhello Ada\n$/);
  });

  test('a job over its time limit is stopped, its container removed, and fails with TimeoutError', async (t) => {
    const p = setup(t);
    const began = Date.now();
    const r = await p.baton(['run', 'wf.ts', 'sleepy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TimeoutError: task sleepy exceeded its time limit of 2s/);
    assert.ok(Date.now() - began < 30_000, 'the run did not wait for the task');
    assert.deepEqual(containers(), []);
  });

  test('Ctrl-C cancels the run and removes the containers of its jobs', async (t) => {
    const p = setup(t, { volumes: ['data:/data'] });
    p.write('data/.keep', '');
    const { child, done } = p.start(['run', 'wf.ts', 'slowFan', '--n', '2']);
    await waitFor(
      () => containers().filter((line) => / (running|up)\b/i.test(line)).length === 2,
      'two running containers',
    );
    child.kill('SIGINT');
    const r = await done;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cancel/i);
    assert.deepEqual(containers(), []);
  });

  test('a large value travels by hash: made by one job, stored once, read by the next two', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'bigPair']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [3 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 2]);
    const values = readdirSync(join(p.dir, '.baton/scratch/values'));
    assert.equal(values.length, 1, 'the 3 MiB array is stored once');
    const jobs = readdirSync(join(p.dir, '.baton/scratch/jobs'));
    for (const job of jobs) {
      const input = statSync(join(p.dir, '.baton/scratch/jobs', job, 'input'));
      assert.ok(input.size < 4096, 'job inputs hold hashes, not the bytes');
    }
  });

  test('baton map runs its expression in containers, in chunks: built-in tasks travel too', async (t) => {
    const p = setup(t);
    const r = await p.baton([
      'map',
      '--expression',
      'x => x * 2',
      '--over',
      '[1, 2, 3, 4, 5]',
      '--executor',
      'box',
      '--chunk-size',
      '2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map(Number), [2, 4, 6, 8, 10]);
  });

  test('a task error comes back with its name, message, stack and the log tail', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'boom', '--verbose']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task boom failed at boom\(\): RangeError: bad value/);
    assert.match(r.stderr, /--- last output ---\n\s*about to fail/);
    assert.match(r.stderr, /at task\.executor|wf\.ts:\d+:\d+/);
  });

  test('an image that does not exist fails with the engine message', async (t) => {
    const p = setup(t, { image: 'localhost/baton-no-such-image:0' });
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /baton-no-such-image/);
    assert.match(r.stderr, /image not known|not found|no such image|pull access denied/i);
  });

  test('an engine command that is not installed is named in the error', async (t) => {
    const p = project(t, { config: config({ engine: '/nonexistent/podman' }) });
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'add', '--a', '1', '--b', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the engine command '\/nonexistent\/podman' is not installed/);
  });

  test('a job killed for memory says memory', async (t) => {
    const p = setup(t);
    const r = await p.baton(['run', 'wf.ts', 'hog']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /memory limit of 0\.125 GiB/);
    assert.match(r.stderr, /OutOfMemoryError/);
  });

  test('after the scheduler is killed, a restart reunites with running containers: each job starts once', async (t) => {
    const p = setup(t, { volumes: ['data:/data'] });
    p.write('data/.keep', '');
    const { child } = p.start(['run', 'wf.ts', 'slowFan', '--n', '3']);
    await waitFor(
      () => containers().filter((line) => / (running|up)\b/i.test(line)).length === 3,
      'three running containers',
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(containers().length, 3, 'the containers outlive the scheduler');
    const again = await p.baton(['run', 'wf.ts', 'slowFan', '--n', '3']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), [0, 2, 4]);
    assert.match(again.stderr, /reunited with the running job of task slow/);
    assert.deepEqual(p.lines('data/starts.log').sort(), ['0', '1', '2'], 'no job ran twice');
    assert.deepEqual(containers(), []);
  });
});
