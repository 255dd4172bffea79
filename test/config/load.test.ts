import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { registerExecutor, type Executor } from '../../src/executors/index.ts';
import { loadConfig, optionsValidator, taskDefaultsFromExecutor } from '../../src/config/index.ts';
import { tempProject, writeProjectFile } from './temp-project.ts';

// A test executor type whose own options are `max_workers` and `mode`, like the local type.
registerExecutor(
  'test-pool',
  (name): Executor => ({
    name,
    maxInFlight: 1,
    start: async () => {},
    run: async () => ({ ok: true, value: new Uint8Array() }),
    stop: async () => {},
    describe: () => ({}),
  }),
  {
    validate: optionsValidator({
      max_workers: z.int().min(1).optional().describe('a whole number >= 1'),
      mode: z.enum(['threads', 'processes']).optional().describe('"threads" or "processes"'),
    }),
  },
);

// A type without `validate`: its own keys pass through unchecked.
registerExecutor('test-open', () => assert.fail('not created in these tests'));

/** Loads `text` as dir/baton.toml with cwd = dir and returns the ConfigError it throws. */
async function configErrorFor(dir: string, text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  writeProjectFile(dir, 'baton.toml', text);
  try {
    await loadConfig({ cwd: dir, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

test('without a file the embedded defaults apply under cwd/.baton', async (t) => {
  const dir = tempProject(t);
  const config = await loadConfig({ cwd: dir, env: {} });
  assert.deepEqual(config, {
    file: undefined,
    root: dir,
    backend: { db: `sqlite:${join(dir, '.baton/baton.db')}`, valuesDir: join(dir, '.baton/values') },
    executors: { default: { type: 'local', mode: 'threads', max_workers: availableParallelism() } },
  });
});

test('a file found by walking up sets root; relative sqlite paths resolve against its folder', async (t) => {
  const dir = tempProject(t);
  const file = writeProjectFile(
    dir,
    'baton.toml',
    '[backend]\ndb = "sqlite:data/b.db"\nvalues_dir = "vals"\n',
  );
  const config = await loadConfig({ cwd: join(dir), env: {} });
  assert.equal(config.file, file);
  assert.equal(config.root, dir);
  assert.deepEqual(config.backend, { db: `sqlite:${join(dir, 'data/b.db')}`, valuesDir: join(dir, 'vals') });
});

test('an in-memory database keeps its values off the project unless values_dir says where', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '[backend]\ndb = "sqlite::memory:"\n');
  const config = await loadConfig({ cwd: dir, env: {} });
  assert.deepEqual(config.backend, { db: 'sqlite::memory:', valuesDir: undefined });
  writeProjectFile(dir, 'baton.toml', '[backend]\ndb = "sqlite::memory:"\nvalues_dir = "vals"\n');
  const chosen = await loadConfig({ cwd: dir, env: {} });
  assert.deepEqual(chosen.backend, { db: 'sqlite::memory:', valuesDir: join(dir, 'vals') });
});

test('a postgres URL is kept as it is', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '[backend]\ndb = "postgres://baton@db.internal/baton"\n');
  const config = await loadConfig({ cwd: dir, env: {} });
  assert.equal(config.backend.db, 'postgres://baton@db.internal/baton');
});

test('a file without [executors.default] gets the default local executor added', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '[executors.pool]\ntype = "test-pool"\nmax_workers = 3\nretries = 2\n');
  const config = await loadConfig({ cwd: dir, env: {} });
  assert.deepEqual(config.executors, {
    default: { type: 'local', mode: 'threads', max_workers: availableParallelism() },
    pool: { type: 'test-pool', retries: 2, max_workers: 3 },
  });
});

test('BATON_CONFIG and --config choose the file that is loaded', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(dir, 'baton.toml', '[executors.walk]\ntype = "test-pool"\n');
  writeProjectFile(dir, 'env.toml', '[executors.env]\ntype = "test-pool"\n');
  writeProjectFile(dir, 'cli.toml', '[executors.cli]\ntype = "test-pool"\n');
  const env = { BATON_CONFIG: 'env.toml' };
  assert.ok('env' in (await loadConfig({ cwd: dir, env })).executors);
  assert.ok('cli' in (await loadConfig({ cwd: dir, env, configPath: 'cli.toml' })).executors);
});

test('${VAR} is replaced by the environment variable and $${ stays a literal ${', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(
    dir,
    'baton.toml',
    '[backend]\ndb = "postgres://${DB_USER}@${DB_HOST}/baton"\n[executors.open]\ntype = "test-open"\nnote = "$${HOME} ${MODE}"\nargs = ["${MODE}"]\n',
  );
  const config = await loadConfig({ cwd: dir, env: { DB_USER: 'ann', DB_HOST: 'db', MODE: 'processes' } });
  assert.equal(config.backend.db, 'postgres://ann@db/baton');
  assert.deepEqual(config.executors['open'], {
    type: 'test-open',
    note: '${HOME} processes',
    args: ['processes'],
  });
});

test('an unset variable is a ConfigError naming file, section, key and variable', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.pool]\ntype = "test-pool"\nmode = "${POOL_MODE}"\n');
  assert.equal(error.message, 'baton.toml [executors.pool] mode: environment variable POOL_MODE is not set');
  assert.equal(error.file, join(dir, 'baton.toml'));
  assert.equal(error.section, 'executors.pool');
  assert.equal(error.key, 'mode');
});

test('a TOML syntax error is a ConfigError with file, line and column', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[backend]\ndb = = "x"\n');
  assert.match(error.message, /^baton\.toml:2:\d+: TOML syntax error: /);
  assert.equal(error.file, join(dir, 'baton.toml'));
});

test('an unknown top-level section is an error that suggests the near one', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executor.gpu]\ntype = "test-pool"\n');
  assert.equal(error.message, 'baton.toml [executor]: unknown section; did you mean [executors]?');
  assert.equal(error.section, 'executor');
});

test('an unknown key is an error that suggests the closest known key', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\ntype = "test-pool"\nmax_worker = 8\n');
  assert.equal(
    error.message,
    'baton.toml [executors.gpu] max_worker: unknown key; did you mean max_workers?',
  );
  assert.equal(error.key, 'max_worker');
});

test('a near miss of a common executor key suggests it', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\ntype = "test-pool"\nmax_job = 8\n');
  assert.equal(error.message, 'baton.toml [executors.gpu] max_job: unknown key; did you mean max_jobs?');
});

test('an unknown key in [backend] suggests the closest one', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[backend]\nvalue_dir = "v"\n');
  assert.equal(error.message, 'baton.toml [backend] value_dir: unknown key; did you mean values_dir?');
  assert.equal(error.section, 'backend');
});

test('a value of the wrong type names what was expected and what was given', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\ntype = "test-pool"\nmax_workers = "eight"\n');
  assert.equal(
    error.message,
    'baton.toml [executors.gpu] max_workers: expected a whole number >= 1, got "eight"',
  );
  assert.equal(error.file, join(dir, 'baton.toml'));
  assert.equal(error.section, 'executors.gpu');
  assert.equal(error.key, 'max_workers');
});

test('common executor keys are checked whatever the type', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\ntype = "test-pool"\ntime_limit = "soon"\n');
  assert.match(
    error.message,
    /^baton\.toml \[executors\.gpu\] time_limit: expected a number of seconds > 0 or a duration/,
  );
  assert.equal(error.key, 'time_limit');
});

test('a bad backend db names the forms it accepts', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[backend]\ndb = "mysql://x"\n');
  assert.equal(
    error.message,
    'baton.toml [backend] db: expected "sqlite:PATH" or a "postgres://" URL, got "mysql://x"',
  );
});

test('an executor section without type is an error on the key type', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\nmax_workers = 8\n');
  assert.match(error.message, /^baton\.toml \[executors\.gpu\] type: missing; expected an executor type/);
  assert.equal(error.section, 'executors.gpu');
  assert.equal(error.key, 'type');
});

test('an unknown executor type is an error from the registry on the key type', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors.gpu]\ntype = "nosuch"\n');
  assert.equal(error.message, "baton.toml [executors.gpu] type: unknown executor type 'nosuch'");
  assert.equal(error.key, 'type');
  assert.match(error.hint ?? '', /module path/);
});

test('an executor name outside [A-Za-z_][\\w-]* is an error', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[executors."9 lives"]\ntype = "test-pool"\n');
  assert.equal(error.message, 'baton.toml [executors."9 lives"]: \'9 lives\' is not a valid executor name');
});

test('several problems are reported together in one ConfigError', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(
    dir,
    '[backend]\ndbb = "x"\n[executors.a]\nretries = -1\ntype = "test-pool"\n[executors.b]\nmax_workers = 0\n',
  );
  assert.deepEqual(error.message.split('\n'), [
    'baton.toml [backend] dbb: unknown key; did you mean db?',
    'baton.toml [executors.a] retries: expected a whole number >= 0, got -1',
    'baton.toml [executors.b] type: missing; expected an executor type: local, container, slurm, fleet, kubernetes, aws-batch, a package or a module such as "./my-executor.ts"',
  ]);
  assert.equal(error.section, 'backend');
  assert.equal(error.key, 'dbb');
  assert.ok(error.cause instanceof AggregateError);
  assert.equal(error.cause.errors.length, 3);
});

test('with several problems, each line carries its own hint', async (t) => {
  const dir = tempProject(t);
  const error = await configErrorFor(dir, '[bogus]\na = 1\n[executors.a]\ntype = "test-pool"\n\nextra = 1\n');
  const lines = error.message.split('\n');
  assert.equal(lines.length, 2, error.message);
  assert.match(
    lines[0]!,
    /^baton\.toml \[bogus\]: unknown section — baton\.toml has the sections \[backend\] and \[executors\.NAME\]$/,
  );
  assert.doesNotMatch(lines[1]!, / — baton\.toml has the sections/);
  assert.equal(error.hint, undefined, 'no hint joined from all problems');
});

test('a file outside cwd is named by its absolute path', async (t) => {
  const dir = tempProject(t);
  const file = writeProjectFile(
    dir,
    'proj/baton.toml',
    '[executors.gpu]\ntype = "test-pool"\nmax_workers = 0\n',
  );
  writeProjectFile(dir, 'elsewhere/.keep', '');
  const error = await loadConfig({ cwd: join(dir, 'elsewhere'), configPath: file, env: {} }).catch(
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError);
  assert.equal(error.message, `${file} [executors.gpu] max_workers: expected a whole number >= 1, got 0`);
});

test('taskDefaultsFromExecutor maps snake_case section keys to task options', async (t) => {
  const dir = tempProject(t);
  writeProjectFile(
    dir,
    'baton.toml',
    '[executors.gpu]\ntype = "test-pool"\nmax_jobs = 4\nretries = 2\ntime_limit = "2h"\nmemory = 16\nvcpus = 4\ngpus = 1\npriority = 5\ncache = false\nmax_workers = 2\n',
  );
  const config = await loadConfig({ cwd: dir, env: {} });
  const gpu = config.executors['gpu'];
  assert.ok(gpu);
  assert.deepEqual(taskDefaultsFromExecutor(gpu), {
    retries: 2,
    timeLimit: '2h',
    memory: 16,
    vcpus: 4,
    gpus: 1,
    priority: 5,
    cache: false,
  });
});
