import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowError } from '../../src/errors.ts';
import { loadTask, loadedTask } from '../../src/worker/index.ts';
import { double } from './fixtures/tasks.ts';
import { refOf } from './helpers.ts';

const brokenModule = new URL('./fixtures/broken.ts', import.meta.url).href;

describe('loading a task in a worker', () => {
  it('imports the module, finds the task and remembers it', async () => {
    const ref = refOf(double);
    const def = await loadTask(ref);
    assert.equal(def, double.def);
    assert.equal(loadedTask(ref), def);
  });

  it('refuses a task whose code changed since the run started', async () => {
    const ref = { ...refOf(double), hash: 'f'.repeat(64) };
    await assert.rejects(loadTask(ref), (error: unknown) => {
      assert.ok(error instanceof WorkflowError);
      assert.match(
        error.message,
        /task worker\.double in module .*fixtures\/tasks\.ts has changed since the run started/,
      );
      return true;
    });
    assert.equal(loadedTask(ref), undefined);
  });

  it('names the task and the module when the task is missing', async () => {
    const ref = { ...refOf(double), name: 'worker.absent' };
    await assert.rejects(loadTask(ref), /task worker\.absent is not defined in module .*fixtures\/tasks\.ts/);
  });

  it('names the module and its error when the module fails to load', async () => {
    const ref = { module: brokenModule, name: 'worker.neverDefined', hash: '0'.repeat(64) };
    await assert.rejects(
      loadTask(ref),
      /cannot load module .*broken\.ts for task worker\.neverDefined: Error: broken on purpose/,
    );
  });
});
