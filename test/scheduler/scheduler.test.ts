import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CancelledError, ConfigError, SerializationError, TaskError } from '../../src/errors.ts';
import type { SchedulerEvent } from '../../src/scheduler/index.ts';
import { openStore } from '../../src/store/index.ts';
import { catchError, cond, seq, task, type CaughtError } from '../../src/task/index.ts';
import { countEvents, redefine, testScheduler } from './helpers.ts';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

const add = task('add', (a: number, b: number) => {
  count('add');
  return a + b;
});
const double = task('double', (x: number) => {
  count('double');
  return x * 2;
});
const sumAll = task('sumAll', (values: number[]) => values.reduce((s, v) => s + v, 0));
const pipeline = task('pipeline', (n: number) =>
  sumAll(Array.from({ length: n }, (_, i) => double(add(i, 1)))),
);

describe('evaluating expressions', () => {
  const ctx = testScheduler();
  after(ctx.cleanup);

  test('nested calls and arrays of expressions evaluate to plain values', async () => {
    const value = await ctx.scheduler.run(pipeline(10));
    assert.equal(value, 2 * (55 + 0)); // sum of double(i+1) for i < 10 = 2 * 55
  });

  test('a task that returns an expression has it evaluated', async () => {
    const outer = task('outer', (x: number) => double(double(x)));
    assert.equal(await ctx.scheduler.run(outer(3)), 12);
  });

  test('objects holding expressions are accepted as arguments', async () => {
    const describePair = task(
      'describePair',
      (pair: { left: number; right: number }) => `${pair.left}/${pair.right}`,
    );
    assert.equal(await ctx.scheduler.run(describePair({ left: add(1, 1), right: 7 })), '2/7');
  });

  test('cond runs only the chosen branch', async () => {
    const before = calls.double ?? 0;
    const value = await ctx.scheduler.run(cond(add(100, 1), add(200, 2), double(999)));
    assert.equal(value, 202);
    assert.equal(calls.double ?? 0, before, 'the other branch must not run');
  });

  test('seq evaluates in order and gives every value', async () => {
    const order: number[] = [];
    const note = task('note', async (n: number) => {
      await new Promise((r) => setTimeout(r, 5 * (3 - n)));
      order.push(n);
      return n;
    });
    assert.deepEqual(await ctx.scheduler.run(seq([note(1), note(2), note(3)])), [1, 2, 3]);
    assert.deepEqual(order, [1, 2, 3]);
  });

  test('catchError gives the handler the original error', async () => {
    const explode = task('explode', (why: string) => {
      throw new RangeError(why);
    });
    const value = await ctx.scheduler.run(
      catchError(explode('too big'), (e: CaughtError) => `${e.name}: ${e.message} in ${e.taskName}`),
    );
    assert.equal(value, 'RangeError: too big in explode');
    const recover = task('recover', (e: { message: string }) => `recovered ${e.message}`);
    assert.equal(await ctx.scheduler.run(catchError(explode('again'), recover)), 'recovered again');
  });

  test('identical calls in flight are evaluated once', async () => {
    let runs = 0;
    const slow = task('slowOnce', async (x: number) => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return x;
    });
    const value = await ctx.scheduler.run(sumAll([slow(5), slow(5), slow(5)]));
    assert.equal(value, 15);
    assert.equal(runs, 1);
  });
});

describe('the call cache', () => {
  const ctx = testScheduler();
  after(ctx.cleanup);

  test('a second run is served from the cache and records cached jobs', async () => {
    const before = calls.add ?? 0;
    const events: string[] = [];
    assert.equal(await ctx.scheduler.run(add(40, 2)), 42);
    assert.equal(calls.add, before + 1);
    const second = await ctx.scheduler.run(add(40, 2), { onEvent: (e) => events.push(e.type) });
    assert.equal(second, 42);
    assert.equal(calls.add, before + 1, 'the body must not run again');
    assert.ok(events.includes('cached'));
    const store = await ctx.scheduler.store();
    const [latest] = await store.listExecutions({ limit: 1 });
    const jobs = await store.listJobs(latest!.id);
    assert.equal(jobs[0]!.status, 'cached');
    assert.ok(jobs[0]!.cachedFromExecutionId, 'a cached job points at the execution that computed it');
  });

  test("cache 'none' runs again and 'execution' reuses only within the run", async () => {
    const before = calls.add ?? 0;
    await ctx.scheduler.run(add(1, 2), { cache: 'none' });
    assert.equal(calls.add, before + 1);
    await ctx.scheduler.run(sumAll([add(1, 2), add(1, 2)]), { cache: 'execution' });
    assert.equal(calls.add, before + 2);
  });

  test('editing a task body invalidates its calls and nothing else', async () => {
    const base = task('base', (x: number) => x + 1);
    const top = redefine('top', (x: number) => x * 10);
    const events: string[] = [];
    await ctx.scheduler.run(top(base(1)));
    const top2 = redefine('top', (x: number) => x * 100); // same name, new body
    const value = await ctx.scheduler.run(top2(base(1)), {
      onEvent: (e) => events.push(`${e.type}:${'taskName' in e ? e.taskName : ''}`),
    });
    assert.equal(value, 200);
    assert.ok(events.includes('cached:base'));
    assert.ok(events.includes('finished:top'));
  });

  test('a version option replaces the source in the hash', async () => {
    let runs = 0;
    const v1 = redefine('versioned', (x: number) => (runs++, x), { version: '1' });
    await ctx.scheduler.run(v1(1));
    const edited = redefine('versioned', (x: number) => (runs++, x + 0), { version: '1' });
    await ctx.scheduler.run(edited(1));
    assert.equal(runs, 1, 'same version, edited body: still cached');
    await ctx.scheduler.run(v1.options({ version: '2' })(1));
    assert.equal(runs, 2, 'a new version runs again');
  });

  test('a missing or corrupt stored value is recomputed, never returned', async () => {
    let runs = 0;
    const big = task('bigValue', (n: number) => (runs++, 'x'.repeat(n)));
    await ctx.scheduler.run(big(200_000));
    await ctx.scheduler.flush();
    const valuesDir = ctx.config.backend.valuesDir;
    assert.ok(valuesDir, 'the test store keeps its values in a folder');
    const files = readdirSync(valuesDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.length > 0, 'large values live in files');
    for (const f of files) writeFileSync(join(f.parentPath, f.name), 'corrupted');
    assert.equal(await ctx.scheduler.run(big(200_000)), 'x'.repeat(200_000));
    assert.equal(runs, 2);
    await ctx.scheduler.flush();
    for (const f of readdirSync(valuesDir, { recursive: true, withFileTypes: true }))
      if (f.isFile()) rmSync(join(f.parentPath, f.name));
    assert.equal((await ctx.scheduler.run(big(200_000))).length, 200_000);
    assert.equal(runs, 3);
  });

  test('a call hash does not depend on the order its children finish in', async () => {
    let slowFirst = true;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const step = task('orderStep', async (i: number) => {
      await pause(slowFirst === (i === 0) ? 60 : 0);
      return i;
    });
    const both = task('orderBoth', () => [step(0), step(1)]);
    const parentCallHash = async () => {
      const events: SchedulerEvent[] = [];
      await ctx.scheduler.run(both(), { cache: 'none', onEvent: (e) => events.push(e) });
      await ctx.scheduler.flush();
      const started = events.find((e) => e.type === 'execution-started')!;
      const store = await ctx.scheduler.store();
      const jobs = await store.listJobs(started.executionId);
      return jobs.find((job) => job.taskName === 'orderBoth')?.callHash;
    };
    const first = await parentCallHash();
    slowFirst = false;
    const second = await parentCallHash();
    assert.ok(first);
    assert.equal(second, first);
  });

  test('a run without provenance records nothing but still reads the cache', async () => {
    let runs = 0;
    const tally = task('tallyOnce', (n: number) => (runs++, n * 10));
    const store = await ctx.scheduler.store();
    const before = (await store.listExecutions()).length;
    assert.equal(await ctx.scheduler.run(tally(1), { provenance: false }), 10);
    await ctx.scheduler.flush();
    assert.equal((await store.listExecutions()).length, before, 'no execution recorded');
    assert.equal(await ctx.scheduler.run(tally(1)), 10);
    assert.equal(runs, 2, 'nothing was cached by the unrecorded run');
    assert.equal(await ctx.scheduler.run(tally(1), { provenance: false }), 10);
    assert.equal(runs, 2, 'the unrecorded run was served from the cache');
  });

  test('flush() makes a finished run visible to another connection', async () => {
    const events: SchedulerEvent[] = [];
    const noted = task('notedOnce', (n: number) => n + 1);
    assert.equal(await ctx.scheduler.run(noted(41), { onEvent: (e) => events.push(e) }), 42);
    await ctx.scheduler.flush();
    const started = events.find((e) => e.type === 'execution-started');
    assert.ok(started);
    const other = await openStore(ctx.config.backend.db, { cwd: ctx.dir });
    try {
      const execution = await other.getExecution(started.executionId);
      assert.equal(execution?.status, 'done');
      const jobs = await other.listJobs(started.executionId);
      assert.deepEqual(
        jobs.map((job) => [job.taskName, job.status]),
        [['notedOnce', 'done']],
      );
    } finally {
      await other.close();
    }
  });

  test('a dry run reports what would run without running it', async () => {
    const before = calls.double ?? 0;
    const report = await ctx.scheduler.run(double(add(1000, 1)), { dryRun: true });
    assert.deepEqual(
      report.wouldRun.map((c) => c.taskName),
      ['add', 'double'],
    );
    assert.equal(calls.double ?? 0, before);
  });

  test('a dry run counts the calls it would take from the cache', async () => {
    await ctx.scheduler.run(add(2000, 1));
    const report = await ctx.scheduler.run(double(add(2000, 1)), { dryRun: true });
    assert.deepEqual(
      report.wouldRun.map((c) => c.taskName),
      ['double'],
    );
    assert.equal(report.cached, 1);
  });
});

describe('failures, retries and cancellation', () => {
  const ctx = testScheduler({
    flaky: { type: 'inline', fail_system_once: ['lostOnce'] },
    narrow: { type: 'inline', slots: 1 },
  });
  after(ctx.cleanup);

  test('a failing task reaches the caller with task name, call path and original stack', async () => {
    const train = task('train', (rows: number[], C: number) => {
      if (C < 0) throw new TypeError(`C must be >= 0, got ${C}`);
      return rows.length * C;
    });
    const main = task('failingMain', (C: number) => train([1, 2, 3], C));
    const error = await ctx.scheduler.run(main(-1)).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TaskError);
    assert.equal(error.taskName, 'train');
    assert.equal(error.remoteName, 'TypeError');
    assert.match(error.callPath, /^failingMain → train\(rows=\[1,2,3\], C=-1\)$/);
    assert.match(error.remoteStack ?? '', /scheduler\.test\.ts/);
  });

  test('retries with backoff until the task succeeds', async () => {
    let attempts = 0;
    const flaky = task(
      'flaky',
      () => {
        if (++attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return 'ok';
      },
      { retries: { attempts: 3, backoff: { base: 0.01 } } },
    );
    const events: string[] = [];
    assert.equal(await ctx.scheduler.run(flaky(), { onEvent: (e) => events.push(e.type) }), 'ok');
    assert.equal(attempts, 3);
    assert.equal(events.filter((t) => t === 'retried').length, 2);
  });

  test('retryOn limits retries to the named errors', async () => {
    let attempts = 0;
    const picky = task(
      'picky',
      () => {
        attempts++;
        throw new SyntaxError('not retryable');
      },
      { retries: { attempts: 3, backoff: { base: 0.01 }, retryOn: ['FetchError'] } },
    );
    await assert.rejects(ctx.scheduler.run(picky()), TaskError);
    assert.equal(attempts, 1);
  });

  test('a system failure is retried without charging an attempt', async () => {
    const lost = task('lostOnce', () => 'survived', { executor: 'flaky', retries: 0 });
    const events: SchedulerEvent[] = [];
    assert.equal(await ctx.scheduler.run(lost(), { onEvent: (e) => events.push(e) }), 'survived');
    assert.equal(countEvents(events).retried, 1);
    const finished = events.find((e) => e.type === 'finished');
    assert.equal(
      finished && 'attempt' in finished ? finished.attempt : undefined,
      1,
      'the attempt was not charged',
    );
  });

  test('an unknown executor name is a ConfigError naming the task and executor', async () => {
    const misplaced = task('misplaced', () => 1, { executor: 'gpu-cluster' });
    await assert.rejects(ctx.scheduler.run(misplaced()), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /misplaced.*gpu-cluster/);
      return true;
    });
  });

  test('an argument that cannot be hashed names its path', async () => {
    const consume = task('consume', (rows: unknown[]) => rows.length);
    await assert.rejects(ctx.scheduler.run(consume([0, 1, 2, { model: () => 1 }])), (e: unknown) => {
      assert.ok(e instanceof SerializationError);
      assert.equal(e.path, 'consume(rows[3].model)');
      return true;
    });
    // the same mistake inside an expression a task returns is reported by that task, with the path
    const main = task('serMain', () => consume([0, 1, 2, { model: () => 1 }]));
    await assert.rejects(ctx.scheduler.run(main()), (e: unknown) => {
      assert.ok(e instanceof TaskError);
      assert.equal(e.taskName, 'serMain');
      assert.equal(e.remoteName, 'SerializationError');
      assert.match(e.remoteMessage, /consume\(rows\[3\]\.model\).*function/);
      return true;
    });
  });

  test('an argument that hashes but cannot travel names its parameter, not its position', async () => {
    // hashable through its own method, but without a codec it cannot be sent to an executor
    class Model {
      weight = 1;
      [Symbol.for('baton.hash')]() {
        return { type: 'Model', data: this.weight };
      }
    }
    const fit = task('fit', (url: string, rows: Array<{ model?: unknown }>) => rows.length + url.length);
    await assert.rejects(ctx.scheduler.run(fit('x', [{}, { model: new Model() }])), (e: unknown) => {
      assert.ok(e instanceof SerializationError);
      assert.equal(e.path, 'fit(rows[1].model)');
      assert.match(e.message, /^cannot encode rows\[1\]\.model: found an instance of class Model/);
      return true;
    });
    const fitAll = task('fitAll', (url: string, ...models: unknown[]) => models.length + url.length);
    await assert.rejects(ctx.scheduler.run(fitAll('x', 1, { model: new Model() })), (e: unknown) => {
      assert.ok(e instanceof SerializationError);
      assert.equal(e.path, 'fitAll(models[1].model)', 'an argument of a rest parameter');
      return true;
    });
  });

  test('higher priority jobs go first when an executor is full', async () => {
    const order: string[] = [];
    const step = task(
      'step',
      async (label: string) => {
        order.push(label);
        await new Promise((r) => setTimeout(r, 5));
        return label;
      },
      { executor: 'narrow' },
    );
    await ctx.scheduler.run([step('first'), step('low'), step.options({ priority: 10 })('high')], {
      cache: 'none',
    });
    assert.deepEqual(order, ['first', 'high', 'low']);
  });

  test('aborting cancels in-flight jobs; the same run again does not redo finished calls', async () => {
    const done: number[] = [];
    const work = task('work', async (n: number) => {
      if (n === 99) await new Promise((r) => setTimeout(r, 2_000));
      done.push(n);
      return n;
    });
    const controller = new AbortController();
    const events: string[] = [];
    const running = ctx.scheduler.run(sumAll([work(1), work(2), work(99)]), {
      signal: controller.signal,
      onEvent: (e) => events.push(e.type),
    });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(running, CancelledError);
    assert.ok(events.includes('cancelled'));
    const store = await ctx.scheduler.store();
    const [latest] = await store.listExecutions({ limit: 1 });
    assert.equal(latest!.status, 'cancelled');
    const statuses = (await store.listJobs(latest!.id)).map((j) => j.status).sort();
    assert.deepEqual(statuses, ['cancelled', 'done', 'done']);

    done.length = 0;
    const again = ctx.scheduler.run(sumAll([work(1), work(2)]));
    assert.equal(await again, 3);
    assert.deepEqual(done, [], 'finished calls are served from the cache');
  });
});
