import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failure } from '../support/serialization.ts';
import { HASH_METHOD, hashArgs, hashValue } from '../../src/hash/index.ts';

class Model {
  weights = [1, 2];
}

describe('hashValue: values that cannot be hashed', () => {
  test('a class instance is rejected with its path and class name', () => {
    const error = failure(() => hashValue({ rows: [0, 1, 2, { model: new Model() }] }, 'opts'));
    assert.equal(error.path, 'opts.rows[3].model');
    assert.match(error.message, /opts\.rows\[3\]\.model/);
    assert.match(error.message, /an instance of class Model/);
    assert.match(error.message, /Symbol\.for\('baton\.hash'\)/);
  });

  test('a function is rejected, named, with advice', () => {
    const error = failure(() => hashValue({ key: function fit() {} }, 'opts'));
    assert.equal(error.path, 'opts.key');
    assert.match(error.message, /a function \(fit\)/);
    assert.match(error.message, /pass the data itself/);
  });

  test('a symbol is rejected', () => {
    const error = failure(() => hashValue([Symbol('s')]));
    assert.equal(error.path, '[0]');
    assert.match(error.message, /a symbol/);
  });

  test('a circular reference is rejected where the cycle closes', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.next = { back: node };
    const error = failure(() => hashValue({ list: [node] }));
    assert.equal(error.path, 'list[0].next.back');
    assert.match(error.message, /circular reference/);
  });

  test('an unhashable value at the root has an empty path', () => {
    const error = failure(() => hashValue(new Model()));
    assert.equal(error.path, '');
    assert.match(error.message, /cannot hash the value/);
  });

  test('paths inside Maps and Sets say which entry', () => {
    assert.equal(failure(() => hashValue(new Map([['k', () => 1]]), 'm')).path, 'm.get("k")');
    assert.equal(failure(() => hashValue(new Map([[new Model(), 1]]), 'm')).path, 'm.keys()[0]');
    assert.equal(failure(() => hashValue(new Set([1, new Model()]), 's')).path, 's.values()[1]');
  });

  test('keys that are not identifiers are quoted in the path', () => {
    assert.equal(failure(() => hashValue({ 'my key': Symbol('s') })).path, '["my key"]');
  });

  test('subclasses of built-in types are class instances', () => {
    class Registry extends Map<string, number> {}
    assert.match(failure(() => hashValue(new Registry())).message, /an instance of class Registry/);
    assert.match(failure(() => hashValue(new SharedArrayBuffer(8))).message, /SharedArrayBuffer/);
  });

  test('a [HASH_METHOD] that throws or returns the wrong shape is reported at its path', () => {
    const throwing = {
      [HASH_METHOD]: () => {
        throw new Error('disk gone');
      },
    };
    const error = failure(() => hashValue({ file: throwing }));
    assert.equal(error.path, 'file');
    assert.match(error.message, /disk gone/);
    assert.ok(error.cause instanceof Error);
    const wrong = { [HASH_METHOD]: () => 'just a string' };
    assert.match(failure(() => hashValue([wrong])).message, /did not return \{ type, data \}/);
  });

  test('a value nested deeper than the call stack allows is a SerializationError, not a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const error = failure(() => hashValue(deep));
    assert.match(error.message, /nested more than 1000 levels deep/);
    let deepObject: unknown = 1;
    for (let i = 0; i < 999; i++) deepObject = { next: deepObject };
    assert.match(hashValue(deepObject), /^[0-9a-f]{64}$/);
  });
});

describe('hashArgs', () => {
  test('equals the hash of the argument array', () => {
    assert.equal(hashArgs([1, 'x', { a: [2] }]), hashValue([1, 'x', { a: [2] }]));
    assert.equal(hashArgs([]), hashValue([]));
  });

  test('error paths start with the parameter name', () => {
    const rows = [0, 1, 2, { model: new Model() }];
    const error = failure(() => hashArgs(['https://x', rows], ['url', 'rows']));
    assert.equal(error.path, 'rows[3].model');
    assert.match(error.message, /cannot hash rows\[3\]\.model: found an instance of class Model/);
  });

  test('an argument without a parameter name is called arg<i>', () => {
    assert.equal(failure(() => hashArgs([1, () => 2])).path, 'arg1');
    assert.equal(failure(() => hashArgs([1, { f: () => 2 }], ['a'])).path, 'arg1.f');
  });

  test('a failed hash leaves the next one correct', () => {
    const before = hashArgs([1, 'x']);
    failure(() => hashArgs([{ deep: { f: () => 1 } }]));
    assert.equal(hashArgs([1, 'x']), before);
  });
});
