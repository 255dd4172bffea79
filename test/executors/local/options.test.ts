import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import { DEFAULT_SPIN_US, registration, workerExecArgv } from '../../../src/executors/local/index.ts';
import { resolveExecutorType } from '../../../src/executors/index.ts';

const validate = registration.validate!;

describe('local executor options', () => {
  it('is the built-in `local` type', async () => {
    const found = await resolveExecutorType('local', { baseDir: process.cwd() });
    assert.equal(found.type, 'local');
  });

  it('defaults to threads, one worker per CPU, and a short spin where there is a CPU to spare', () => {
    assert.deepEqual(validate({}), {
      ok: true,
      value: {
        mode: 'threads',
        max_workers: availableParallelism(),
        spin_us: availableParallelism() > 1 ? DEFAULT_SPIN_US : 0,
      },
    });
  });

  it('takes spin_us from 0 (never spin) to 10,000', () => {
    for (const spin of [0, 250, 10_000]) {
      const result = validate({ spin_us: spin });
      assert.equal(result.ok && result.value.spin_us, spin);
    }
  });

  it('keeps its type and task option defaults beside its own keys', () => {
    const result = validate({
      type: 'local',
      mode: 'processes',
      max_workers: 3,
      spin_us: 0,
      memory: 2,
      timeLimit: '1h',
    });
    assert.deepEqual(result, {
      ok: true,
      value: { type: 'local', mode: 'processes', max_workers: 3, spin_us: 0, memory: 2, timeLimit: '1h' },
    });
    const processes = validate({ mode: 'processes' });
    assert.equal(processes.ok && processes.value.spin_us, 0, 'worker processes never spin');
  });

  it('accepts the keys every executor section may hold, as baton.toml writes them', () => {
    const result = validate({ type: 'local', max_jobs: 4, time_limit: '1h', retries: 2 });
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('names each unknown key', () => {
    const result = validate({ mode: 'threads', workers: 4, image: 'x' });
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.issues.map((issue) => issue.key).sort(), ['image', 'workers']);
    assert.match(
      result.ok ? '' : result.issues[0]!.message,
      /unknown option '(workers|image)' for a local executor \(known: mode, max_workers, spin_us\)/,
    );
  });

  it('names a bad mode, worker count or spin', () => {
    for (const [options, key] of [
      [{ mode: 'fibers' }, 'mode'],
      [{ max_workers: 0 }, 'max_workers'],
      [{ max_workers: 1.5 }, 'max_workers'],
      [{ max_workers: '4' }, 'max_workers'],
      [{ spin_us: -1 }, 'spin_us'],
      [{ spin_us: 10_001 }, 'spin_us'],
      [{ spin_us: 2.5 }, 'spin_us'],
    ] as const) {
      const result = validate(options);
      assert.equal(result.ok, false, JSON.stringify(options));
      assert.equal(result.ok ? '' : result.issues[0]!.key, key);
    }
    const mode = validate({ mode: 'thread' });
    assert.equal(mode.ok ? '' : mode.issues[0]!.message, 'expected "threads" or "processes", got "thread"');
    const spin = validate({ spin_us: -4 });
    assert.match(spin.ok ? '' : spin.issues[0]!.message, /^expected a whole number .* 0 to 10000, got -4$/);
  });

  it('suggests the nearest known key for a misspelt one', () => {
    const result = validate({ max_worker: 3 });
    assert.match(result.ok ? '' : result.issues[0]!.message, /did you mean max_workers\?/);
  });

  it('create() builds an executor that describes itself, and throws ConfigError on bad options', () => {
    const executor = registration.create('fast', { type: 'local', mode: 'processes', max_workers: 3 });
    assert.equal(executor.name, 'fast');
    assert.deepEqual(executor.describe(), { type: 'local', mode: 'processes', max_workers: 3 });
    const threads = registration.create('quick', { type: 'local', max_workers: 2, spin_us: 50 });
    assert.deepEqual(threads.describe(), { type: 'local', mode: 'threads', max_workers: 2, spin_us: 50 });
    assert.ok(executor.maxInFlight >= 3 * 256);
    assert.throws(
      () => registration.create('slow', { type: 'local', mode: 'fibers' }),
      (error: unknown) =>
        error instanceof ConfigError && error.key === 'mode' && error.section === 'executors.slow',
    );
  });
});

describe('worker process flags', () => {
  it("passes on the parent's module-resolution flags and nothing that would change the worker's job", () => {
    const parent = [
      '--conditions=baton-source',
      '-C',
      'dev',
      '--import',
      './setup.ts',
      '--test',
      '--inspect=9229',
      '--experimental-transform-types',
      '--watch',
    ];
    assert.deepEqual(workerExecArgv(parent, undefined), [
      '--conditions=baton-source',
      '-C',
      'dev',
      '--import',
      './setup.ts',
      '--experimental-transform-types',
    ]);
  });

  it('gives a worker with a memory limit its own heap limit', () => {
    assert.deepEqual(workerExecArgv(['--max-old-space-size=8000', '--conditions=x'], 1024), [
      '--conditions=x',
      '--max-old-space-size=1024',
    ]);
    assert.deepEqual(workerExecArgv(['--max-old-space-size=8000'], undefined), ['--max-old-space-size=8000']);
  });
});
