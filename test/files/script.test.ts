import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, TaskError, WorkflowError } from '../../src/errors.ts';
import { Dir, File, parseTemplate } from '../../src/files/index.ts';
import { Scheduler, type RunOptions, type SchedulerEvent } from '../../src/scheduler/index.ts';
import { definitionHash, script, type Expr, type Task } from '../../src/task/index.ts';
import {
  countLines,
  echoWords,
  failing,
  forgetful,
  noArgs,
  readCount,
  splitToDir,
} from './fixtures/scripts.ts';
import { projectConfig, tempDir, writeIn } from './helpers.ts';

const temp = tempDir('script');
const keptFiles = join(temp.dir, 'kept');
const scriptTemp = join(temp.dir, 'tmp');
const saved = { BATON_FILES_DIR: process.env.BATON_FILES_DIR, TMPDIR: process.env.TMPDIR };
// Workers read these when they start: threads copy the environment, child processes inherit it.
before(() => {
  mkdirSync(scriptTemp);
  process.env.BATON_FILES_DIR = keptFiles;
  process.env.TMPDIR = scriptTemp;
});
after(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  temp.remove();
});

for (const mode of ['threads', 'processes'] as const) {
  describe(`a script task on the local executor (${mode})`, () => {
    const dir = join(temp.dir, mode);
    // One scheduler for the suite, so its workers start once.
    const scheduler = new Scheduler({ config: projectConfig(dir, { type: 'local', mode, max_workers: 2 }) });
    after(() => scheduler.close());
    const run = <R>(expr: Expr<R>, options: RunOptions & { dryRun?: false } = {}) =>
      scheduler.run(expr, options);

    test('fills its placeholders, runs, and returns its outputs as kept Files', async () => {
      const input = new File(writeIn(temp.dir, `${mode}-data.csv`, 'a\nb\nc\n'));
      const result = await run(countLines({ input }));
      assert.equal(result.stdout, '');
      assert.ok(result.files.out instanceof File);
      assert.equal(await result.files.out.readText(), '3\n');
      assert.equal(result.files.out.basename, 'count.txt');
      assert.ok(result.files.out.path.startsWith(`${keptFiles}/`), result.files.out.path);
      assert.equal(result.files.out.hashMode, 'content');
    });

    test('returns stdout, with every value shell-quoted as one word', async () => {
      const hostile = `it's "quoted" $HOME; echo injected`;
      const stdout = await run(echoWords({ words: [hostile, 42, 'plain'] }));
      assert.equal(stdout, `${hostile}\n42\nplain\n`);
    });

    test('hands its output File to a later task, and a second run is all cache hits', async () => {
      const input = new File(writeIn(temp.dir, `${mode}-five.txt`, '1\n2\n3\n4\n5\n'));
      const events: SchedulerEvent[] = [];
      assert.equal(await run(readCount(countLines({ input }))), 5);
      assert.equal(
        await run(readCount(countLines({ input })), { onEvent: (event) => events.push(event) }),
        5,
      );
      const jobs = events
        .filter((event) => 'jobId' in event)
        .map((event) => `${event.taskName} ${event.type}`);
      assert.deepEqual(jobs.sort(), ['filesCountLines cached', 'filesReadCount cached']);
    });

    test('an output folder comes back as a Dir of the files the command wrote', async () => {
      const input = new File(writeIn(temp.dir, `${mode}-lines.txt`, 'x\ny\n'));
      const result = await run(splitToDir({ input }));
      assert.ok(result.files.parts instanceof Dir);
      const parts = await result.files.parts.files();
      assert.deepEqual(
        parts.map((file) => file.basename),
        ['part-aa', 'part-ab'],
      );
      assert.equal(await parts[1]!.readText(), 'y\n');
    });

    test('a non-zero exit is a TaskError with the exit code, the stderr tail and the kept folder', async () => {
      await assert.rejects(run(failing({ word: 'bad-word' })), (error: unknown) => {
        assert.ok(error instanceof TaskError, String(error));
        assert.equal(error.remoteName, 'ScriptError');
        assert.match(error.message, /script filesFailing exited with code 3/);
        assert.match(error.message, /--- stderr \(last lines\) ---\nfirst line\nbad-word/);
        const kept = /its working directory is kept at (\S+)/.exec(error.message)?.[1];
        assert.ok(kept && existsSync(kept), 'the working directory of a failed script is kept');
        rmSync(kept, { recursive: true, force: true });
        return true;
      });
    });

    test('an output the command did not write fails the call, naming it', async () => {
      await assert.rejects(run(forgetful()), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /did not write its output out \(never\.txt\)/);
        const kept = /its working directory is kept at (\S+)/.exec(error.message)?.[1];
        if (kept) rmSync(kept, { recursive: true, force: true });
        return true;
      });
    });

    test('a placeholder missing from an evaluated argument fails the call, naming it', async () => {
      const lazy = countLines(noArgs() as unknown as { input: File });
      await assert.rejects(run(lazy), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.equal(error.remoteName, 'WorkflowError');
        assert.match(error.message, /script filesCountLines: placeholder \{input\} has no value/);
        return true;
      });
    });
  });
}

describe('script definitions and calls', () => {
  test('a placeholder without a value is an error at call time, naming the script and placeholder', () => {
    assert.throws(
      () => countLines({} as never),
      (error: unknown) =>
        error instanceof WorkflowError &&
        /script filesCountLines: placeholder \{input\} has no value/.test(error.message) &&
        /filesCountLines\(\{ input: \.\.\. \}\)/.test(error.hint ?? ''),
    );
  });

  test('a key that is no placeholder, or an output, is an error at call time', () => {
    const input = new File('x.csv');
    assert.throws(() => countLines({ input, inptu: 1 } as never), /'inptu' is not a placeholder/);
    assert.throws(() => countLines({ input, out: 'x' } as never), /\{out\} is an output/);
    assert.throws(() => echoWords({ words: { nested: true } } as never), /\{words\} cannot be an object/);
  });

  test('the runtime finds the placeholders the types do, and leaves the shell its own braces', () => {
    const names = (command: string) => parseTemplate(command).names;
    assert.deepEqual(names('wc -l {input} > {out}'), ['input', 'out']);
    assert.deepEqual(names("awk '{print $1}' {file} | sed s/x/${HOME}/ ; echo {} {a,b}"), ['file']);
    assert.deepEqual(names('echo {{x}} {1st} {_ok} {a1} {a1}'), ['_ok', 'a1']);
  });

  test('a variant made with .options() checks its calls too', () => {
    assert.throws(
      () => countLines.options({ retries: 1 })({} as never),
      /placeholder \{input\} has no value/,
    );
  });

  test('the command, outputs and shell are part of the task hash', () => {
    const define = (command: string, outputs?: Record<string, string>): Task<unknown[], unknown> =>
      script('filesEdited', command, { outputs }) as unknown as Task<unknown[], unknown>;
    const first = definitionHash(define('echo {a}').def);
    assert.equal(definitionHash(define('echo {a}').def), first);
    assert.notEqual(definitionHash(define('echo  {a}').def), first);
    assert.notEqual(definitionHash(define('echo {a}', { a: 'a.txt' }).def), first);
  });

  test('bad outputs are refused when the script is defined', () => {
    assert.throws(() => script('filesBadOut1', 'x', { outputs: { 'not-a-name': 'a' } }), ConfigError);
    assert.throws(
      () => script('filesBadOut2', 'x', { outputs: { out: '../escape.txt' } }),
      /inside the working/,
    );
    assert.throws(() => script('filesBadCommand', ''), /non-empty string/);
  });

  test('a script keeps no temporary folder after it succeeds', () => {
    // The failed ones were looked at and removed by their tests.
    assert.deepEqual(readdirSync(scriptTemp), []);
  });
});
