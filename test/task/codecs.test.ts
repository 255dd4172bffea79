import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { K_CODEC, packr, Tagged } from '../../src/codec/wire.ts';
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

test('a large fan-out travels packed, and comes back call for call, arguments of any primitive kind included', () => {
  const many = task('codecs.many', (...values: unknown[]) => values.length);
  const odd = ['\ud800', -0, Number.NaN, 2n ** 70n, undefined, null, true];
  const calls = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? many(i, odd[i % 7]) : many(i)));
  const bytes = encodeValue(calls);
  // One call per item costs an extension and three arrays; packed, the 40 calls take a few bytes each.
  assert.ok(bytes.length < 40 * 12, `${bytes.length} bytes`);
  const back = decodeValue(bytes) as Array<CallExpr<number>>;
  assert.equal(back.length, 40);
  for (let i = 0; i < 40; i++) {
    assert.ok(back[i] instanceof CallExpr);
    assert.equal(back[i]!.task, many.def);
    assert.deepEqual(back[i]!.args, (calls[i] as CallExpr<number>).args);
  }
  assert.ok(Object.is(back[9]!.args[1], odd[2]), 'NaN stays NaN');
  assert.ok(Object.is(back[15]!.args[1], -0), '-0 stays -0');
  assert.equal(back[3]!.args[1], 2n ** 70n);
  assert.equal(back[0]!.args[1], '\ud800');
});

test('arrays that are not one task’s primitive calls travel call by call, and still come back whole', () => {
  const other = task('codecs.other', (x: number) => x);
  const mixed = Array.from({ length: 20 }, (_, i) => (i === 7 ? other(i) : widen(i, 'm')));
  const withObject = Array.from({ length: 20 }, (_, i) => other.options({})(i));
  const objectArgs = Array.from({ length: 20 }, (_, i) => widen(i, 'o')).concat([
    task('codecs.rows', (rows: number[]) => rows.length)([1, 2]) as never,
  ]);
  for (const calls of [mixed, withObject, objectArgs]) {
    const back = decodeValue(encodeValue(calls)) as Array<CallExpr<unknown>>;
    assert.equal(back.length, calls.length);
    back.forEach((expr, i) => {
      assert.equal(expr.task.name, (calls[i] as CallExpr<unknown>).task.name);
      assert.deepEqual(expr.args, (calls[i] as CallExpr<unknown>).args);
    });
  }
});

test('an array of calls held twice in a value comes back as one array held twice', () => {
  const calls = Array.from({ length: 20 }, (_, i) => widen(i, 's'));
  const back = decodeValue(encodeValue({ a: calls, b: calls })) as { a: unknown[]; b: unknown[] };
  assert.equal(back.a, back.b);
  assert.equal(back.a.length, 20);
});

test('damaged packed calls are a decoding error, not wrong calls', () => {
  const ref = { name: 'codecs.widen', moduleUrl: undefined, overrides: undefined };
  const write = (data: unknown) => packr.pack(new Tagged([K_CODEC, 'baton.calls', data]));
  assert.equal(
    (decodeValue(write({ ref, count: 2, arity: 2, args: [1, 'a', 2, 'b'] })) as unknown[]).length,
    2,
  );
  for (const data of [
    { ref, count: 3, arity: 2, args: [1, 'a', 2, 'b'] },
    { ref, count: 2, arity: [2, 3], args: [1, 'a', 2, 'b'] },
    { ref, count: 2, arity: [2, 1], args: [1, 'a', 2, 'b'] },
    { ref, count: 1, arity: [-1], args: [] },
    { count: 2, arity: 2, args: [1, 'a', 2, 'b'] },
    null,
  ]) {
    assert.throws(() => decodeValue(write(data)), /packed calls whose parts do not fit together/);
  }
});
