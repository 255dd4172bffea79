import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { resolveExecutorType } from '../../src/executors/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { tempProject, writeProjectFile } from './temp-project.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** A `type = "..."` that reaches a fixture module relative to `dir`, as a user writes `./my-executor.ts`. */
function moduleType(dir: string, fixture: string): string {
  return `./${relative(dir, join(FIXTURES, fixture))}`;
}

test('a plugin type ./my-executor.ts is loaded relative to the file and validates its own keys', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(
    dir,
    'project/baton.toml',
    '[executors.echo]\ntype = "./my-executor.ts"\ngreeting = "hi"\nretries = 1\n',
  );
  writeProjectFile(
    dir,
    'project/my-executor.ts',
    `export * from ${JSON.stringify(join(FIXTURES, 'my-executor.ts'))};\n`,
  );
  writeProjectFile(dir, 'elsewhere/.keep', '');
  // cwd is another folder: the module path must resolve against the file's folder, not cwd.
  const config = await loadConfig({
    cwd: join(dir, 'elsewhere'),
    configPath: '../project/baton.toml',
    env: {},
  });
  assert.deepEqual(config.executors['echo'], {
    type: './my-executor.ts',
    retries: 1,
    greeting: 'hi',
    repeat: 1,
  });
  const registration = await resolveExecutorType('./my-executor.ts', { baseDir: config.root });
  assert.equal(registration.type, 'echo');
});

test("a plugin's validation issues become ConfigErrors on the key", async (t) => {
  const dir = tempProject(t);
  const type = moduleType(dir, 'my-executor.ts');
  writeProjectFile(dir, 'baton.toml', `[executors.echo]\ntype = "${type}"\ngreeting = ""\nrepet = 2\n`);
  const error = await loadConfig({ cwd: dir, env: {} }).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(error.message.split('\n'), [
    'baton.toml [executors.echo] greeting: expected a non-empty string, got ""',
    'baton.toml [executors.echo] repet: unknown key; did you mean repeat?',
  ]);
  assert.equal(error.key, 'greeting');
});

test('a plugin module exporting createExecutor and validateOptions is used too', async (t) => {
  const dir = tempProject(t);
  const type = moduleType(dir, 'factory-executor.ts');
  writeProjectFile(dir, 'baton.toml', `[executors.q]\ntype = "${type}"\nqueue = "low"\nmax_jobs = 3\n`);
  const config = await loadConfig({ cwd: dir, env: {} });
  assert.deepEqual(config.executors['q'], { type, max_jobs: 3, queue: 'LOW' });
});

test('a plugin module that cannot be loaded is an error on the key type', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '[executors.x]\ntype = "./not-there.ts"\n');
  const error = await loadConfig({ cwd: dir, env: {} }).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  assert.match(
    error.message,
    /^baton\.toml \[executors\.x\] type: cannot load executor module '\.\/not-there\.ts'/,
  );
  assert.equal(error.key, 'type');
});
