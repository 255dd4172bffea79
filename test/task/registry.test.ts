import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowError } from '../../src/errors.ts';
import { getTask, task } from '../../src/task/index.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;

test('two task() calls with one name in one module are an error naming the module', async () => {
  const error = await import(fixture('defines-twice.ts')).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowError, String(error));
  assert.match(
    error.message,
    /^task name 'registry\.twice' is defined twice in module file:\/\/\S+\/defines-twice\.ts \(at 4:\d+ and at 5:\d+\)$/,
  );
  assert.equal(error.hint, 'give one of them another name');
});

test('the same module evaluated again under another URL redefines its tasks', async () => {
  const first = (await import(fixture('defines-once.ts'))) as typeof import('./fixtures/defines-once.ts');
  const again = (await import(`${fixture('defines-once.ts')}?again`)) as typeof first;
  assert.notEqual(again.twinOnce.def, first.twinOnce.def, 'a second evaluation');
  assert.equal(getTask('registry.once'), again.twinOnce.def);
});

test('a function that defines a task may be called again with the same name', () => {
  const define = (body: (x: number) => number) => task('registry.factory', body);
  define((x) => x);
  const latest = define((x) => x * 2);
  assert.equal(getTask('registry.factory'), latest.def);
});

test('a name taken by another module is an error naming both modules', async () => {
  await import(fixture('defines-once.ts'));
  assert.throws(
    () => task('registry.once', (x: number) => x),
    (error: unknown) =>
      error instanceof WorkflowError &&
      /^task name 'registry\.once' is defined twice: in file:\/\/\S+\/defines-once\.ts(\?again)? and in file:\/\/\S+\/registry\.test\.ts$/.test(
        error.message,
      ),
  );
});
