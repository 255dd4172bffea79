// `baton oneshot` as a remote job runs it: a child process given a scratch and an eval hash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { decodeValue } from '../../src/codec/index.ts';
import { buildCodePackage, publishCodePackage } from '../../src/packaging/index.ts';
import { FsScratch, scratchLayout } from '../../src/scratch/index.ts';
import { definitionHash, getTask } from '../../src/task/index.ts';
import { writeJobList } from '../../src/executors/remote/job-list.ts';
import { JOB_INPUT_FORMAT, JobFiles, encodeJobInput, packArgs } from '../../src/worker/index.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

const WORKFLOW = `import { appendFileSync } from 'node:fs';
import { task } from 'baton';

export const oneshotDouble = task('oneshotDouble', (x: number) => {
  appendFileSync(process.env.RUNS_FILE!, 'ran\\n');
  return x * 2;
});

export const oneshotSize = task('oneshotSize', (big: Uint8Array, extra: number) => new Uint8Array(big.length + extra));

export const oneshotFail = task('oneshotFail', () => {
  throw new TypeError('nope, not a number');
});
`;

function oneshot(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=baton-source', CLI, 'oneshot', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('baton oneshot', () => {
  let project: string;
  let base: string;
  let scratch: FsScratch;
  let packageHash: string;
  let runsFile: string;

  before(async () => {
    // The project sits in the repository so this process can import it to learn the task hashes;
    // oneshot imports its own copy from the extracted package.
    project = mkdtempSync(join(HERE, '.tmp-oneshot-'));
    writeFileSync(join(project, 'wf.ts'), WORKFLOW);
    await import(pathToFileURL(join(project, 'wf.ts')).href);
    base = mkdtempSync(join(tmpdir(), 'baton-oneshot-'));
    runsFile = join(base, 'runs.log');
    scratch = new FsScratch(join(base, 'scratch'));
    const built = await buildCodePackage({ root: project });
    await publishCodePackage(scratch, built);
    packageHash = built.hash;
  });
  after(() => {
    rmSync(project, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  });

  /** Writes a job's input; returns its eval hash. */
  async function stage(taskName: string, args: unknown[], largeValueBytes = 1024 * 1024): Promise<string> {
    const evalHash = randomBytes(32).toString('hex');
    const def = getTask(taskName)!;
    await scratch.put(
      scratchLayout().job(evalHash, 'input'),
      encodeJobInput({
        format: JOB_INPUT_FORMAT,
        jobId: `job-${taskName}`,
        evalHash,
        attempt: 1,
        task: { module: 'wf.ts', name: taskName, hash: definitionHash(def) },
        code: { package: packageHash },
        ...(await packArgs(args, scratch, largeValueBytes)),
        largeValueBytes,
      }),
    );
    return evalHash;
  }

  const run = (evalHash: string) =>
    oneshot(['--scratch', scratch.uri, '--job', evalHash, '--code-cache', join(base, 'code')], {
      RUNS_FILE: runsFile,
    });

  async function errorFile(evalHash: string): Promise<Record<string, unknown>> {
    const bytes = await scratch.get(scratchLayout().job(evalHash, 'error'));
    assert.ok(bytes, 'an error file was written');
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  }

  test('runs the task from the code package and writes its output; a second run finds it and runs nothing', async () => {
    const evalHash = await stage('oneshotDouble', [21]);
    const first = await run(evalHash);
    assert.equal(first.code, 0, first.stderr);
    const outcome = await new JobFiles(scratch, evalHash).outcome();
    assert.ok(outcome?.ok);
    assert.equal(decodeValue(outcome.value), 42);
    assert.equal((await new JobFiles(scratch, evalHash).status())?.state, 'done');
    const second = await run(evalHash);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(readFileSync(runsFile, 'utf8'), 'ran\n', 'the task ran once');
  });

  test('large arguments and results travel through the value store by hash, each stored once', async () => {
    const big = new Uint8Array(2 * 1024 * 1024).fill(7);
    const first = await stage('oneshotSize', [big, 1]);
    const second = await stage('oneshotSize', [big, 2]);
    const values = await scratch.list('values/');
    assert.equal(values.length, 1, 'the shared argument was stored once');
    for (const evalHash of [first, second]) {
      const input = (await scratch.get(scratchLayout().job(evalHash, 'input')))!;
      assert.ok(input.length < 4096, 'the input holds the hash, not the bytes');
      const r = await run(evalHash);
      assert.equal(r.code, 0, r.stderr);
    }
    const outcome = await new JobFiles(scratch, second).outcome();
    assert.ok(outcome?.ok);
    assert.equal((decodeValue(outcome.value) as Uint8Array).length, big.length + 2);
    assert.equal(await scratch.exists(scratchLayout().job(second, 'output')), false);
    assert.equal((await scratch.list('values/')).length, 3, 'each large result went to the value store');
  });

  test('a task that throws leaves an error file with name, message and stack, and exits 1', async () => {
    const evalHash = await stage('oneshotFail', []);
    const r = await run(evalHash);
    assert.equal(r.code, 1);
    const error = await errorFile(evalHash);
    assert.equal(error.name, 'TypeError');
    assert.equal(error.message, 'nope, not a number');
    assert.match(String(error.stack), /wf\.ts:\d+/);
    assert.equal((await new JobFiles(scratch, evalHash).status())?.state, 'failed');
  });

  test('a missing input gives an error file, not a crash', async () => {
    const evalHash = randomBytes(32).toString('hex');
    const r = await run(evalHash);
    assert.equal(r.code, 1);
    const error = await errorFile(evalHash);
    assert.equal(error.name, 'SerializationError');
    assert.match(String(error.message), new RegExp(`job ${evalHash} has no input in scratch`));
  });

  test('a corrupt input gives an error file, not a crash', async () => {
    const evalHash = randomBytes(32).toString('hex');
    await scratch.put(scratchLayout().job(evalHash, 'input'), randomBytes(300));
    const r = await run(evalHash);
    assert.equal(r.code, 1);
    const error = await errorFile(evalHash);
    assert.equal(error.name, 'SerializationError');
    assert.match(String(error.message), /input of job .* (cannot be decoded|is not a job description)/);
  });

  test('a tampered code package is refused by its hash', async () => {
    const evalHash = await stage('oneshotDouble', [1]);
    const key = scratchLayout().codePackage(packageHash);
    const genuine = (await scratch.get(key))!;
    const tampered = Uint8Array.from(genuine);
    tampered[tampered.length - 20]! ^= 0xff;
    await scratch.put(key, tampered);
    try {
      const r = oneshot([
        '--scratch',
        scratch.uri,
        '--job',
        evalHash,
        '--code-cache',
        join(base, 'fresh-cache'),
      ]);
      assert.equal((await r).code, 1);
      const error = await errorFile(evalHash);
      assert.match(String(error.message), new RegExp(`${packageHash}|hash`));
      assert.doesNotMatch(readFileSync(runsFile, 'utf8'), /ran\nran\n/);
    } finally {
      await scratch.put(key, genuine);
    }
  });

  test('an array element runs every job on its line of the list, the index taken from the engine', async () => {
    const [a, b, c] = [
      await stage('oneshotDouble', [1]),
      await stage('oneshotDouble', [2]),
      await stage('oneshotDouble', [3]),
    ];
    const listKey = 'arrays/test-batch/jobs';
    await writeJobList(scratch, listKey, [[a!], [b!, c!]]);
    const before = readFileSync(runsFile, 'utf8').length;
    const element = await oneshot(
      ['--scratch', scratch.uri, '--list', listKey, '--code-cache', join(base, 'code')],
      {
        RUNS_FILE: runsFile,
        JOB_COMPLETION_INDEX: '1',
      },
    );
    assert.equal(element.code, 0, element.stderr);
    for (const [evalHash, doubled] of [
      [b!, 4],
      [c!, 6],
    ] as const) {
      const outcome = await new JobFiles(scratch, evalHash).outcome();
      assert.ok(outcome?.ok);
      assert.equal(decodeValue(outcome.value), doubled);
    }
    assert.equal(await new JobFiles(scratch, a!).outcome(), undefined, 'element 0 did not run');
    assert.equal(readFileSync(runsFile, 'utf8').slice(before), 'ran\nran\n');
  });

  test('an element whose jobs partly fail exits 1, and each job has its own outcome', async () => {
    const good = await stage('oneshotDouble', [5]);
    const bad = await stage('oneshotFail', []);
    await writeJobList(scratch, 'arrays/mixed/jobs', [[bad, good]]);
    const r = await oneshot(
      [
        '--scratch',
        scratch.uri,
        '--list',
        'arrays/mixed/jobs',
        '--index',
        '0',
        '--code-cache',
        join(base, 'code'),
      ],
      {
        RUNS_FILE: runsFile,
      },
    );
    assert.equal(r.code, 1);
    assert.equal((await errorFile(bad)).name, 'TypeError');
    const outcome = await new JobFiles(scratch, good).outcome();
    assert.ok(outcome?.ok, 'the failure did not stop the next job');
  });

  test('an index past the end of the list, or a list that is not there, exits 2 and names the list', async () => {
    await writeJobList(scratch, 'arrays/short/jobs', [[randomBytes(32).toString('hex')]]);
    const past = await oneshot(['--scratch', scratch.uri, '--list', 'arrays/short/jobs', '--index', '3']);
    assert.equal(past.code, 2);
    assert.match(past.stderr, /^baton oneshot: job list arrays\/short\/jobs has no line 4/);
    const missing = await oneshot(['--scratch', scratch.uri, '--list', 'arrays/none/jobs']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /is not in scratch/);
  });

  test('--job and --list together are a usage error', async () => {
    const r = await oneshot(['--scratch', scratch.uri, '--job', 'x', '--list', 'y']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /either --job EVAL_HASH or --list KEY/);
  });

  test('a scratch it cannot use exits 2 and says why', async () => {
    const notAFolder = join(base, 'plain-file');
    writeFileSync(notAFolder, 'x');
    const r = await oneshot(['--scratch', notAFolder, '--job', randomBytes(32).toString('hex')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /baton oneshot: job [0-9a-f]{64}: /);
  });
});
