import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SerializationError } from '../../src/errors.ts';
import { callHash, callHashOf, evalHash, sha256, taskHash } from '../../src/hash/index.ts';

const HEX64 = /^[0-9a-f]{64}$/;

describe('sha256', () => {
  test('matches the standard test vector for strings and bytes', () => {
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(sha256('abc'), expected);
    assert.equal(sha256(new Uint8Array([0x61, 0x62, 0x63])), expected);
  });

  test('hashes strings as UTF-8', () => {
    assert.equal(sha256('é'), sha256(new Uint8Array([0xc3, 0xa9])));
  });
});

describe('taskHash', () => {
  test('depends on the name and the source', () => {
    const base = taskHash('train', '(rows) => fit(rows)');
    assert.match(base, HEX64);
    assert.equal(taskHash('train', '(rows) => fit(rows)'), base);
    assert.notEqual(taskHash('train2', '(rows) => fit(rows)'), base);
    assert.notEqual(taskHash('train', '(rows) => fit(rows, 1)'), base);
  });

  test('overrides count only when present and non-empty', () => {
    const base = taskHash('train', 'src');
    assert.equal(taskHash('train', 'src', undefined), base);
    assert.equal(taskHash('train', 'src', {}), base);
    assert.equal(taskHash('train', 'src', { image: undefined }), base);
    const withImage = taskHash('train', 'src', { image: 'app:2' });
    assert.notEqual(withImage, base);
    assert.notEqual(taskHash('train', 'src', { image: 'app:3' }), withImage);
  });

  test('override key order does not count', () => {
    assert.equal(taskHash('t', 's', { a: 1, b: 2 }), taskHash('t', 's', { b: 2, a: 1 }));
  });

  test('an unhashable override is reported under overrides', () => {
    assert.throws(
      () => taskHash('t', 's', { retries: { retryOn: () => true } }),
      (error: unknown) => error instanceof SerializationError && error.path === 'overrides.retries.retryOn',
    );
  });
});

describe('evalHash and callHash', () => {
  const t = taskHash('t', 's');
  const a = sha256('args');

  test('evalHash is deterministic and depends on both parts', () => {
    const e = evalHash(t, a);
    assert.match(e, HEX64);
    assert.equal(evalHash(t, a), e);
    assert.notEqual(evalHash(a, t), e);
    assert.notEqual(evalHash(t, sha256('other')), e);
  });

  test('callHash depends on the value and on the children, in order', () => {
    const e = evalHash(t, a);
    const v = sha256('value');
    const [c1, c2] = [sha256('c1'), sha256('c2')];
    const call = callHash(e, v, [c1, c2]);
    assert.match(call, HEX64);
    assert.equal(callHash(e, v, [c1, c2]), call);
    assert.notEqual(callHash(e, v, [c2, c1]), call);
    assert.notEqual(callHash(e, v, [c1]), call);
    assert.notEqual(callHash(e, v, []), call);
    assert.notEqual(callHash(e, sha256('other value'), [c1, c2]), call);
  });

  test('callHash keeps its definition: sha256 of the parts joined by NUL', () => {
    const e = evalHash(t, a);
    const v = sha256('value');
    const children = [sha256('c1'), sha256('c2'), sha256('c3')];
    const expected = sha256(`baton.call\0${e}\0${v}\0${children.length}\0${children.join('\0')}`);
    assert.equal(callHash(e, v, children), expected);
    assert.equal(callHashOf(e, v, children.length, children.values()), expected);
    assert.equal(callHash(e, v, []), sha256(`baton.call\0${e}\0${v}\0${0}\0`));
  });
});
