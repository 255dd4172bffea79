import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project } from './helpers.ts';

const WORKFLOW = `import { task } from 'baton';

export const greet = task('greet', (name: string, punctuation = '!') => \`Hello, \${name}\${punctuation}\`);
export const describeValue = task('describeValue', (value: unknown) => ({ type: typeof value, value }));
export const sum = task('sum', (...values: number[]) => values.reduce((total, v) => total + v, 0));
export const flagged = task('flagged', (verboseOutput = false, label = 'none') => ({ verboseOutput, label }));
export const loud = task('shout', (text: string) => text.toUpperCase() + '\\n');
export const nothing = task('nothing', () => undefined);
export const rich = task('rich', () => new Map([['when', new Date(0)]]));
export const chained = task('chained', (name: string) => loud(greet(name)));
`;

describe('baton run', () => {
  test('runs a task by its name and prints a string result raw on stdout, and nothing else', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'greet', '--name', 'Ada']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello, Ada!\n');
    assert.match(r.stderr, /done in/);
  });

  test('runs a task by the name of the export that holds it', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const byExport = await p.baton(['run', 'wf.ts', 'loud', '--text', 'hey']);
    assert.equal(byExport.code, 0, byExport.stderr);
    assert.equal(byExport.stdout, 'HEY\n');
    const byName = await p.baton(['run', 'wf.ts', 'shout', '--text=hey']);
    assert.equal(byName.stdout, 'HEY\n');
  });

  test('parses parameter values as JSON when they parse and as text otherwise', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const cases: Array<[string, unknown]> = [
      ['0.5', { type: 'number', value: 0.5 }],
      ['[1,2]', { type: 'object', value: [1, 2] }],
      ['"42"', { type: 'string', value: '42' }],
      ['https://example.com/x', { type: 'string', value: 'https://example.com/x' }],
      ['-3', { type: 'number', value: -3 }],
    ];
    for (const [given, expected] of cases) {
      const r = await p.baton(['run', 'wf.ts', 'describeValue', '--value', given]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), expected, `--value ${given}`);
      assert.equal(
        r.stdout,
        `${JSON.stringify(expected, null, 2)}\n`,
        'plain data is printed as 2-space JSON',
      );
    }
  });

  test('uses defaults for omitted parameters, true for a bare flag, and repeated options for a rest parameter', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const withDefault = await p.baton(['run', 'wf.ts', 'greet', '--name', 'Bo']);
    assert.equal(withDefault.stdout, 'Hello, Bo!\n');
    const overridden = await p.baton(['run', 'wf.ts', 'greet', '--name', 'Bo', '--punctuation', '?']);
    assert.equal(overridden.stdout, 'Hello, Bo?\n');
    const flag = await p.baton(['run', 'wf.ts', 'flagged', '--verboseOutput', '--label', 'x']);
    assert.deepEqual(JSON.parse(flag.stdout), { verboseOutput: true, label: 'x' });
    const kebab = await p.baton(['run', 'wf.ts', 'flagged', '--verbose-output']);
    assert.deepEqual(JSON.parse(kebab.stdout), { verboseOutput: true, label: 'none' });
    const rest = await p.baton(['run', 'wf.ts', 'sum', '--values', '1', '--values', '2', '--values', '3']);
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stdout, '6\n');
  });

  test('a missing required parameter is an error naming it and listing the parameters', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'greet']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^baton: task greet needs --name — task greet takes --name VALUE \[--punctuation VALUE\]\n$/,
    );
  });

  test('an unknown parameter is an error naming it and listing the parameters', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'greet', '--name', 'x', '--colour', 'red']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /task greet has no parameter --colour/);
    assert.match(r.stderr, /--punctuation/);
  });

  test('FILE TASK --help lists the task parameters with their defaults', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'greet', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: baton run wf\.ts greet --name VALUE \[--punctuation VALUE\]/);
    assert.match(r.stdout, /--name\s+required/);
    assert.match(r.stdout, /--punctuation\s+default: '!'/);
  });

  test('a task that returns an expression has it evaluated', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'chained', '--name', 'ada']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'HELLO, ADA!\n');
  });

  test('undefined prints nothing; values JSON cannot carry are shown with util.inspect', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const none = await p.baton(['run', 'wf.ts', 'nothing']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    const map = await p.baton(['run', 'wf.ts', 'rich']);
    assert.equal(map.code, 0, map.stderr);
    assert.equal(map.stdout, "Map(1) { 'when' => 1970-01-01T00:00:00.000Z }\n");
  });

  test('a top-level run() in the workflow stays inert, and tasks are still found by name', async (t) => {
    const p = project(t);
    p.write(
      'self.ts',
      `import { run, task } from 'baton';\nexport const twice = task('twice', (x: number) => x * 2);\nconsole.log(await run(twice(1)));\n`,
    );
    const r = await p.baton(['run', 'self.ts', 'twice', '--x', '21']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '42\n');
  });

  for (const mode of ['threads', 'processes']) {
    test(`a top-level new Scheduler().run() stays inert in the CLI and in ${mode} workers, awaited or not`, async (t) => {
      const p = project(t, {
        config: `[executors.default]\ntype = "local"\nmode = "${mode}"\nmax_workers = 2\n`,
      });
      const tasks = `import { Scheduler, task } from 'baton';\nexport const square = task('square', (x: number) => x * x);\nexport const squares = task('squares', (n: number) => Array.from({ length: n }, (_, i) => square(i)));\n`;
      p.write(
        'awaited.ts',
        `${tasks}const scheduler = new Scheduler();\nconsole.log(await scheduler.run(squares(3)));\nawait scheduler.close();\n`,
      );
      p.write(
        'unawaited.ts',
        `${tasks}void new Scheduler().run(squares(3)).then((value) => console.log(value));\n`,
      );
      for (const file of ['awaited.ts', 'unawaited.ts']) {
        // a scheduler started by each worker that imports the module would recurse until killed
        const r = await p.baton(['run', file, 'squares', '--n', '4'], { timeoutMs: 30_000 });
        assert.equal(r.code, 0, `${file}: ${r.stderr}`);
        assert.equal(r.stdout, '[\n  0,\n  1,\n  4,\n  9\n]\n', file);
      }
    });
  }

  test('a scheduler started inside a running task fails the task with a clear error', async (t) => {
    const p = project(t);
    p.write(
      'nested.ts',
      `import { Scheduler, task } from 'baton';\nexport const one = task('one', () => 1);\nexport const outer = task('outer', () => new Scheduler().run(one()));\n`,
    );
    const r = await p.baton(['run', 'nested.ts', 'outer'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: .*Scheduler\.run\(\) was called inside a running task/);
  });

  test('with an in-memory database nothing is written to the project, not even large values', async (t) => {
    const p = project(t, {
      config: `[backend]\ndb = "sqlite::memory:"\n\n[executors.default]\ntype = "local"\nmax_workers = 2\n`,
    });
    p.write(
      'big.ts',
      `import { task } from 'baton';\nexport const big = task('big', (n: number) => 'x'.repeat(n));\nexport const size = task('size', (n: number) => big(n));\n`,
    );
    const tmp = join(p.dir, 'tmp');
    mkdirSync(tmp);
    const r = await p.baton(['run', 'big.ts', 'size', '--n', '200000'], { env: { TMPDIR: tmp } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 200_001);
    assert.equal(existsSync(join(p.dir, '.baton')), false, 'no .baton folder');
    assert.deepEqual(readdirSync(tmp), [], 'the temporary values folder is removed on close');
  });

  test('-o overrides a task option for the run, and a bad one is named', async (t) => {
    const p = project(t, {
      config: `[executors.default]\ntype = "local"\nmax_workers = 1\n\n[executors.procs]\ntype = "local"\nmode = "processes"\nmax_workers = 1\n`,
    });
    p.write(
      'wf.ts',
      `import { task } from 'baton';\nimport { isMainThread } from 'node:worker_threads';\nexport const where = task('where', () => (isMainThread ? 'process' : 'thread'));\n`,
    );
    const threads = await p.baton(['run', 'wf.ts', 'where']);
    assert.equal(threads.stdout, 'thread\n', threads.stderr);
    // the executor only says where a call runs, not what it computes: without --no-cache it is a cache hit
    const procs = await p.baton(['run', 'wf.ts', 'where', '--no-cache', '-o', 'executor=procs']);
    assert.equal(procs.code, 0, procs.stderr);
    assert.equal(procs.stdout, 'process\n');
    const bad = await p.baton(['run', 'wf.ts', 'where', '-o', 'memory=-1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^baton: option -o: option 'memory' must be a positive number, got -1/);
  });
});
