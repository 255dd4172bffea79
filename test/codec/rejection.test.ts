import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Packr } from 'msgpackr';
import { encodeArgs, encodeValue } from '../../src/codec/index.ts';
import { failure } from '../support/serialization.ts';

class Model {
  weights = [1, 2];
}

describe('encodeValue rejects what cannot travel', () => {
  test('msgpackr alone would silently send a class instance as a plain map', () => {
    const raw = new Packr({ structuredClone: true });
    const out = raw.unpack(raw.pack({ model: new Model() })) as { model: unknown };
    assert.equal(Object.getPrototypeOf(out.model), Object.prototype);
  });

  test('a class instance is an error naming its path and class', () => {
    const error = failure(() => encodeValue({ rows: [0, 1, 2, { model: new Model() }] }, 'result'));
    assert.equal(error.path, 'result.rows[3].model');
    assert.match(error.message, /cannot encode result\.rows\[3\]\.model: found an instance of class Model/);
    assert.match(error.message, /registerValueCodec/);
  });

  test('encodeArgs starts the path with the argument name, or arg<i> without one', () => {
    const args = ['https://x', [0, { model: new Model() }]];
    const error = failure(() => encodeArgs(args, ['url', 'rows']));
    assert.equal(error.path, 'rows[1].model');
    assert.match(error.message, /^cannot encode rows\[1\]\.model: found an instance of class Model/);
    assert.equal(failure(() => encodeArgs(args, (index) => `items[${index}]`)).path, 'items[1][1].model');
    assert.equal(failure(() => encodeArgs(args)).path, 'arg1[1].model');
  });

  test('a function is an error (msgpackr alone would send undefined)', () => {
    const error = failure(() => encodeValue({ opts: { key: function score() {} } }));
    assert.equal(error.path, 'opts.key');
    assert.match(error.message, /a function \(score\)/);
  });

  test('a symbol is an error', () => {
    const error = failure(() => encodeValue([1, Symbol('s')]));
    assert.equal(error.path, '[1]');
    assert.match(error.message, /a symbol/);
  });

  test('a bad value inside a Map, a Set or an Error is found too', () => {
    assert.equal(failure(() => encodeValue(new Map([['k', new Model()]]), 'm')).path, 'm.get("k")');
    assert.equal(failure(() => encodeValue(new Set([() => 1]), 's')).path, 's.values()[0]');
    const error = Object.assign(new Error('x'), { model: new Model() });
    assert.equal(failure(() => encodeValue({ error })).path, 'error.model');
  });

  test('a bad value is found after something that needed rewriting', () => {
    assert.equal(failure(() => encodeValue([-0, { f: () => 1 }])).path, '[1].f');
  });

  test('subclasses of built-in types and other built-ins without a codec are errors', () => {
    class Registry extends Map<string, number> {}
    assert.match(failure(() => encodeValue(new Registry())).message, /an instance of class Registry/);
    assert.match(failure(() => encodeValue(new WeakMap())).message, /WeakMap/);
    assert.match(failure(() => encodeValue(Promise.resolve(1))).message, /Promise/);
  });

  test('a cycle through an Error is an error; a shared Error is fine', () => {
    const error = new Error('loop') as Error & { self?: unknown };
    error.self = error;
    assert.match(failure(() => encodeValue({ error })).message, /circular reference through an Error/);
  });

  test('a value nested beyond the call stack is a SerializationError, not a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.match(failure(() => encodeValue(deep)).message, /nested too deeply|call stack/);
  });
});
