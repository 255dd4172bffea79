import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argumentName } from '../../src/task/index.ts';

test('an argument is named by its parameter, by the rest parameter with an index, else by position', () => {
  const train = (rows: unknown[], C = 1, ...extras: unknown[]) => [rows, C, extras];
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => argumentName(train, i)),
    ['rows', 'C', 'extras[0]', 'extras[1]'],
  );
  const fixed = (a: number) => a;
  assert.equal(argumentName(fixed, 2), 'arg2', 'past the parameter list');
  const destructured = ({ a }: { a: number }, b: number) => a + b;
  assert.deepEqual(
    [0, 1].map((i) => argumentName(destructured, i)),
    ['arg0', 'b'],
  );
});
