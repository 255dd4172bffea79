import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// The fixture compiles under the project's own compiler options (its tsconfig extends the root one).
const project = new URL('./fixtures/type-errors/tsconfig.json', import.meta.url).pathname;

test('passing a wrong argument type to a task is a compile error', () => {
  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.notEqual(result.status, 0, 'the fixture must not compile');
  const errorLines = [...result.stdout.matchAll(/wrong-argument\.ts\((\d+),\d+\): error TS\d+/g)].map((m) =>
    Number(m[1]),
  );
  assert.deepEqual(
    [...new Set(errorLines)].sort((a, b) => a - b),
    [7, 8, 9],
    result.stdout,
  );
});
