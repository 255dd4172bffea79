import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { CallExpr, task } from '../../src/task/index.ts';

const widen = task('codecs.widen', (i: number, label: string) => `${label}${i}`);

function occurrences(bytes: Uint8Array, text: string): number {
  const haystack = Buffer.from(bytes).toString('latin1');
  let count = 0;
  for (let at = haystack.indexOf(text); at >= 0; at = haystack.indexOf(text, at + 1)) count++;
  return count;
}

test('a fan-out of calls to one task carries its name and module once', () => {
  const calls = Array.from({ length: 1000 }, (_, i) => widen(i, 'w'));
  const bytes = encodeValue(calls);
  assert.equal(occurrences(bytes, 'codecs.widen'), 1);
  assert.equal(occurrences(bytes, 'codecs.test.ts'), 1);
  const back = decodeValue(bytes) as Array<CallExpr<string>>;
  assert.equal(back.length, 1000);
  assert.ok(back.every((expr) => expr instanceof CallExpr && expr.task.name === 'codecs.widen'));
  assert.deepEqual(back[999]!.args, [999, 'w']);
});

test('calls with different overrides keep their own options', () => {
  const calls = [widen(1, 'a'), widen.options({ retries: 2 })(2, 'b'), widen.options({ retries: 3 })(3, 'c')];
  const back = decodeValue(encodeValue(calls)) as Array<CallExpr<string>>;
  assert.deepEqual(
    back.map((expr) => expr.overrides?.retries),
    [undefined, 2, 3],
  );
});
