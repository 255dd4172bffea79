import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { project } from './helpers.ts';

const GOOD = `import { task } from 'baton';\nexport const main = task('main', () => 1);\nexport const other = task('other', () => 2);\n`;

/** Every failure is one `baton: ...` line (more lines only for details such as a task's stack). */
function assertOneLineError(stderr: string, pattern: RegExp): void {
  const first = stderr.split('\n')[0]!;
  assert.match(first, /^baton: /);
  assert.match(first, pattern);
}

describe('baton run errors', () => {
  test('a missing workflow file is named', async (t) => {
    const p = project(t);
    const r = await p.baton(['run', 'nope.ts', 'main']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assertOneLineError(
      r.stderr,
      /workflow file nope\.ts does not exist — FILE is resolved against the working directory/,
    );
  });

  test('a syntax error is reported as file:line:column and the message', async (t) => {
    const p = project(t);
    p.write(
      'bad.ts',
      `import { task } from 'baton';\n\nexport const main = task('main', (x: number => x);\nexport const other = 1;\n`,
    );
    const r = await p.baton(['run', 'bad.ts', 'main']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assertOneLineError(r.stderr, /^baton: bad\.ts:3:\d+: SyntaxError: .+ — fix the code at line 3$/);
    p.write('eof.ts', `export const main = (() => {\n`);
    const atEnd = await p.baton(['run', 'eof.ts', 'main']);
    assertOneLineError(atEnd.stderr, /^baton: eof\.ts:\d+(:\d+)?: SyntaxError: /);
  });

  test('a syntax error in a JavaScript workflow names the line too', async (t) => {
    const p = project(t);
    p.write('bad.mjs', `export const a = 1;\nconst b = 1 +;\n`);
    const r = await p.baton(['run', 'bad.mjs', 'main']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /^baton: bad\.mjs:2:14: SyntaxError: Unexpected token ';'/);
  });

  test('an unknown task lists the tasks the file defines', async (t) => {
    const p = project(t);
    p.write('wf.ts', GOOD);
    const r = await p.baton(['run', 'wf.ts', 'mian']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /wf\.ts has no task or export named 'mian' — tasks in wf\.ts: main, other/);
    assert.doesNotMatch(r.stderr, /baton\.map/, "Baton's own tasks are not offered");
  });

  test('an unknown task also names the tasks of the modules the workflow imports', async (t) => {
    const p = project(t);
    p.write('lib.ts', `import { task } from 'baton';\nexport const helper = task('helper', () => 1);\n`);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nimport './lib.ts';\nexport const main = task('main', () => 2);\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'mian']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /tasks in wf\.ts: main; also loaded: helper$/m);
  });

  test('the same task name in two modules is an error naming both', async (t) => {
    const p = project(t);
    p.write('lib.ts', `import { task } from 'baton';\nexport const a = task('twin', () => 'lib');\n`);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nimport './lib.ts';\nexport const b = task('twin', () => 'wf');\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'twin']);
    assert.equal(r.code, 1);
    assertOneLineError(
      r.stderr,
      /task name 'twin' is defined twice: in file:\/\/\S+\/lib\.ts and in file:\/\/\S+\/wf\.ts/,
    );
  });

  test('the same task name twice in one module is an error naming the module, on every run', async (t) => {
    const p = project(t);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const a = task('twin', () => 'a');\nexport const b = task('twin', () => 'b');\n`,
    );
    for (const taskName of ['twin', 'a']) {
      const r = await p.baton(['run', 'wf.ts', taskName]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assertOneLineError(
        r.stderr,
        /task name 'twin' is defined twice in module file:\/\/\S+\/wf\.ts \(at 2:\d+ and at 3:\d+\) — give one of them another name/,
      );
    }
  });

  test('a module imported by the CLI and again by each worker defines its tasks without complaint', async (t) => {
    const p = project(t, {
      config: `[executors.default]\ntype = "local"\nmax_workers = 2\n\n[executors.procs]\ntype = "local"\nmode = "processes"\nmax_workers = 2\n`,
    });
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const inc = task('inc', (x: number) => x + 1);\nexport const incProc = task('incProc', (x: number) => x + 1, { executor: 'procs' });\nexport const main = task('main', () => [inc(1), incProc(2)]);\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[\n  2,\n  3\n]\n');
  });

  test('a module that throws while loading is named with the error', async (t) => {
    const p = project(t);
    p.write('wf.ts', `throw new RangeError('no config for you');\n`);
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /loading wf\.ts failed: RangeError: no config for you/);
  });

  test('a task that throws exits 1 with the task name, the original error and where it threw', async (t) => {
    const p = project(t);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nfunction check(x: number) {\n  throw new TypeError(\`bad input \${x}\`);\n}\nexport const boom = task('boom', (x: number) => check(x));\nexport const main = task('main', () => boom(7));\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^baton: task boom failed at main → boom\(x=7\): TypeError: bad input 7/m);
    assert.match(
      r.stderr,
      /^ {4}at check \(.*wf\.ts:3:\d+\)$/m,
      'the first frames of the task stack are shown',
    );
    assert.doesNotMatch(r.stderr, /run-job|batch-runner/, "Baton's own frames are left out");
    assert.match(r.stderr, /… \(--verbose shows the whole stack\)/);
    const verbose = await p.baton(['run', 'wf.ts', 'main', '--verbose']);
    assert.match(verbose.stderr, /at check \(.*wf\.ts:3:\d+\)/);
    assert.match(verbose.stderr, /run-job/, 'with --verbose, every frame');
  });

  test('an argument the codec cannot carry names the task and where it sits in the argument', async (t) => {
    const p = project(t);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const train = task('train', (rows: Array<{ model: unknown }>) => rows.length);\n` +
        `export const main = task('main', () => train([{ model: 1 }, { model: 2 }, { model: 3 }, { model: () => 4 }]));\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^baton: task main failed at main\(\): SerializationError: cannot hash train\(rows\[3\]\.model\): found a function/m,
    );
    assert.doesNotMatch(r.stderr, /fix the codec/, 'a bad argument is not blamed on the codec');
  });

  test('a worker that dies fails its task as a system failure, retried without charging an attempt', async (t) => {
    const p = project(t);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const crash = task('crash', () => process.exit(3));\n` +
        `export const main = task('main', () => crash());\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const retries = r.stderr.match(
      /^baton: crash attempt 1 failed: ExecutorError: worker exited with code 3 .*retrying/gm,
    );
    assert.ok(retries && retries.length >= 1, r.stderr);
    assert.match(
      r.stderr,
      /^baton: task crash failed at main → crash\(\): ExecutorError: worker exited with code 3/m,
    );
  });

  test('--verbose adds the stack to an error', async (t) => {
    const p = project(t);
    const r = await p.baton(['--verbose', 'run', 'nope.ts', 'main']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: workflow file nope\.ts does not exist/);
    assert.match(r.stderr, /\n {2}WorkflowError: workflow file nope\.ts does not exist\n +at loadWorkflow /);
  });
});

describe('configuration errors', () => {
  test('a malformed baton.toml is named with line and column', async (t) => {
    const p = project(t, { config: `[executors.default\ntype = "local"\n` });
    p.write('wf.ts', GOOD);
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /^baton: baton\.toml:1:\d+: TOML syntax error/);
  });

  test('an unknown key names the file, the section and the key', async (t) => {
    const p = project(t, { config: `[executors.default]\ntype = "local"\nmax_worker = 2\n` });
    p.write('wf.ts', GOOD);
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assertOneLineError(
      r.stderr,
      /^baton: baton\.toml \[executors\.default\] max_worker: unknown option 'max_worker'.*max_workers/,
    );
  });

  test('several problems in baton.toml are listed one a line, each with its own hint', async (t) => {
    const p = project(t, { config: `[bogus]\na = 1\n\n[executors."9 lives"]\ntype = "local"\n` });
    p.write('wf.ts', GOOD);
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      'baton: baton.toml [bogus]: unknown section — baton.toml has the sections [backend] and [executors.NAME]',
      `  baton.toml [executors."9 lives"]: '9 lives' is not a valid executor name — an executor name starts with a letter or _ and holds letters, digits, _ and -`,
    ]);
  });

  test('a task naming an executor that is not configured is an error naming both', async (t) => {
    const p = project(t);
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const main = task('main', () => 1, { executor: 'gpu' });\n`,
    );
    const r = await p.baton(['run', 'wf.ts', 'main']);
    assert.equal(r.code, 1);
    assertOneLineError(
      r.stderr,
      /task main names executor 'gpu', which .*baton\.toml does not define — define \[executors\.gpu\]/,
    );
  });

  test('--config names a file that does not exist', async (t) => {
    const p = project(t);
    p.write('wf.ts', GOOD);
    const r = await p.baton(['run', 'wf.ts', 'main', '--config', 'other.toml']);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr, /config file other\.toml \(from --config\) does not exist/);
  });
});
