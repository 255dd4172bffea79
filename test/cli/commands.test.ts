import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { executionIdOf, project } from './helpers.ts';

describe('baton --help and --version', () => {
  test('--help lists the commands of this version, and every command has its own --help', async (t) => {
    const p = project(t, { config: false });
    const r = await p.baton(['--help']);
    assert.equal(r.code, 0);
    const names = ['init', 'run', 'log', 'ui', 'executors', 'oneshot', 'worker', 'workers', 'profile'];
    for (const name of names) assert.match(r.stdout, new RegExp(`^ {2}${name} `, 'm'));
    for (const name of names) {
      const help = await p.baton([name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: baton ${name}`));
    }
  });

  test('--version prints the package version', async (t) => {
    const p = project(t, { config: false });
    const r = await p.baton(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  test('baton profile without a fleet executor says so and exits 1', async (t) => {
    const p = project(t, { config: false });
    const r = await p.baton(['profile']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: .*fleet/);
  });

  test('an unknown command or option is a usage error', async (t) => {
    const p = project(t, { config: false });
    const unknown = await p.baton(['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^baton: unknown command 'frobnicate' — commands: init, run, log, /);
    const badOption = await p.baton(['log', '--lmit', '3']);
    assert.equal(badOption.code, 1);
    assert.match(badOption.stderr, /^baton: baton log: unknown option '--lmit' — see baton log --help/);
  });
});

describe('baton init and baton executors', () => {
  test('init writes a commented baton.toml that executors then shows', async (t) => {
    const p = project(t, { config: false });
    p.write('.gitignore', 'node_modules/');
    const init = await p.baton(['init']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /wrote baton\.toml/);
    const toml = p.read('baton.toml');
    assert.match(toml, /^\[executors\.default\]\ntype = "local"/m);
    assert.match(toml, /^# \[executors\.procs\]/m);
    assert.equal(p.read('.gitignore'), 'node_modules/\n.baton/\n');

    const list = await p.baton(['executors']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^config: baton\.toml$/m);
    assert.match(list.stdout, /^\[executors\.default\] {2}\(local, from baton\.toml\)$/m);
    assert.match(list.stdout, /^database: sqlite:\S+baton\.db$/m, 'set in the file');
    assert.match(list.stdout, /^ {2}mode = "threads"$/m, 'set in the file');
    assert.match(
      list.stdout,
      /^ {2}max_workers = \d+ {2}\(default\)$/m,
      'the local executor fills in one worker per CPU',
    );

    const json = JSON.parse((await p.baton(['executors', '--json'])).stdout) as {
      file: string;
      executors: Array<{ name: string; source: string; options: Record<string, unknown> }>;
    };
    assert.equal(json.file, join(p.dir, 'baton.toml'));
    assert.deepEqual(
      json.executors.map((e) => [e.name, e.source]),
      [['default', join(p.dir, 'baton.toml')]],
    );
  });

  test('init refuses to overwrite an existing baton.toml and leaves .gitignore alone without one', async (t) => {
    const p = project(t);
    const r = await p.baton(['init']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^baton: baton\.toml already exists; baton init does not overwrite it — /);
    assert.equal(existsSync(join(p.dir, '.gitignore')), false);
  });

  test('without baton.toml the embedded defaults are shown; secrets are redacted', async (t) => {
    const p = project(t, { config: false });
    const defaults = await p.baton(['executors']);
    assert.equal(defaults.code, 0, defaults.stderr);
    assert.match(defaults.stdout, /^config: embedded defaults \(no baton\.toml found\)$/m);
    assert.match(defaults.stdout, /^\[executors\.default\] {2}\(local, from embedded defaults\)$/m);
    assert.match(defaults.stdout, /^database: sqlite:\S+ {2}\(default\)$/m);
    assert.match(defaults.stdout, /^ {2}mode = "threads" {2}\(default\)$/m);
    assert.match(defaults.stdout, /^ {2}max_workers = \d+ {2}\(default\)$/m);

    p.write(
      'custom.toml',
      `[backend]\ndb = "postgres://ada:hunter2@db.example/baton"\n\n[executors.procs]\ntype = "local"\nmode = "processes"\n`,
    );
    const text = await p.baton(['executors', '--config', 'custom.toml']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^database: postgres:\/\/ada:\*\*\*@db\.example\/baton$/m);
    assert.doesNotMatch(text.stdout, /hunter2/);
    const custom = JSON.parse((await p.baton(['executors', '--json', '--config', 'custom.toml'])).stdout) as {
      executors: Array<{ name: string; source: string; options: Record<string, unknown> }>;
    };
    const byName = Object.fromEntries(custom.executors.map((e) => [e.name, e]));
    assert.equal(byName['procs']?.source, join(p.dir, 'custom.toml'));
    assert.equal(byName['procs']?.options['mode'], 'processes');
    assert.equal(byName['default']?.source, 'embedded defaults', 'the default executor the file leaves out');
  });

  test('options the file sets are shown as they are; the ones it leaves out are marked (default)', async (t) => {
    const p = project(t, {
      config: `[executors.default]\ntype = "local"\nmode = "processes"\n\n[executors.wide]\ntype = "local"\nmax_workers = 3\nretries = 2\n`,
    });
    const text = await p.baton(['executors']);
    assert.equal(text.code, 0, text.stderr);
    const section = (name: string) =>
      text.stdout.split('\n\n').find((block) => block.startsWith(`[executors.${name}]`));
    assert.match(section('default') ?? '', /^ {2}mode = "processes"$/m);
    assert.match(section('default') ?? '', /^ {2}max_workers = \d+ {2}\(default\)$/m);
    assert.match(section('wide') ?? '', /^ {2}max_workers = 3$/m);
    assert.match(section('wide') ?? '', /^ {2}retries = 2$/m);
    assert.match(section('wide') ?? '', /^ {2}mode = "threads" {2}\(default\)$/m);
    assert.match(section('wide') ?? '', /^ {2}spin_us = \d+ {2}\(default\)$/m);
    assert.match(
      section('default') ?? '',
      /^ {2}spin_us = 0 {2}\(default\)$/m,
      'worker processes never spin',
    );

    const json = JSON.parse((await p.baton(['executors', '--json'])).stdout) as {
      executors: Array<{ name: string; options: Record<string, unknown>; defaults: Record<string, unknown> }>;
    };
    const wide = json.executors.find((e) => e.name === 'wide');
    assert.deepEqual(wide?.options, { type: 'local', max_workers: 3, retries: 2 });
    assert.deepEqual(wide?.defaults, { mode: 'threads', spin_us: availableParallelism() > 1 ? 100 : 0 });
  });
});

describe('baton log', () => {
  test('lists executions as a table and as JSON, and shows one execution as a job tree', async (t) => {
    const p = project(t);
    const empty = await p.baton(['log']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^no executions recorded yet/);
    assert.equal(existsSync(join(p.dir, '.baton')), false, 'reading the log does not create the database');

    p.write(
      'wf.ts',
      `import { task } from 'baton';\nexport const leaf = task('leaf', (x: number) => x + 1);\nexport const root = task('root', () => [leaf(1), leaf(2)]);\n`,
    );
    const first = await p.baton(['run', 'wf.ts', 'root']);
    assert.equal(first.stdout, '[\n  2,\n  3\n]\n', first.stderr);
    const second = await p.baton(['run', 'wf.ts', 'root']);
    const firstId = executionIdOf(first.stderr);
    const secondId = executionIdOf(second.stderr);

    const table = await p.baton(['log']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^id +task +started +duration +status +jobs +cached$/);
    assert.match(
      lines[1]!,
      new RegExp(`^${secondId} +root +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\S+ +done +1 +1$`),
    );
    assert.match(lines[2]!, new RegExp(`^${firstId} +root .* done +3 +0$`));

    const json = JSON.parse((await p.baton(['log', '--json', '--limit', '1'])).stdout) as Array<{
      id: string;
    }>;
    assert.deepEqual(
      json.map((e) => e.id),
      [secondId],
    );

    const tree = await p.baton(['log', firstId]);
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, new RegExp(`^execution ${firstId}: root\\(\\[\\]\\) — done$`, 'm'));
    assert.match(tree.stdout, /^root +done +default +1 +\S+$/m);
    assert.equal(tree.stdout.match(/^ {2}leaf +done +default +1 +\S+$/gm)?.length, 2, tree.stdout);

    const cachedTree = await p.baton(['log', secondId]);
    assert.match(
      cachedTree.stdout,
      new RegExp(`^root +cached +default +0 +\\S+ +execution ${firstId}$`, 'm'),
    );
  });

  test('an unknown execution id is a clear error', async (t) => {
    const p = project(t);
    const r = await p.baton(['log', 'zzzz']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^baton: no execution has an id starting with 'zzzz' — baton log lists the recent executions/,
    );
  });
});
