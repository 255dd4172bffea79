import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { TYPED_ARRAY_CONSTRUCTORS, TYPED_ARRAY_NAMES } from '../../src/hash/index.ts';

const roundTrip = <T>(value: T): T => decodeValue(encodeValue(value)) as T;

// Every kind the hash and the codec know, so a kind added there is round-tripped here too.
const typedArrayKinds = TYPED_ARRAY_NAMES.map(
  (name, kind) => [name, TYPED_ARRAY_CONSTRUCTORS[kind]!] as const,
);

describe('encodeValue / decodeValue round trips', () => {
  test('undefined, at the top, in objects and in arrays', () => {
    assert.equal(roundTrip(undefined), undefined);
    const object = roundTrip({ a: undefined, b: 1 });
    assert.ok(Object.hasOwn(object, 'a'));
    assert.deepEqual(object, { a: undefined, b: 1 });
    assert.deepEqual(roundTrip([undefined, 1, undefined]), [undefined, 1, undefined]);
  });

  test('null and booleans', () => {
    assert.deepEqual(roundTrip([null, true, false]), [null, true, false]);
  });

  test('-0, NaN, Infinity and -Infinity', () => {
    const [negZero, nan, inf, negInf, zero] = roundTrip([-0, NaN, Infinity, -Infinity, 0]);
    assert.ok(Object.is(negZero, -0));
    assert.ok(Number.isNaN(nan));
    assert.equal(inf, Infinity);
    assert.equal(negInf, -Infinity);
    assert.ok(Object.is(zero, 0));
    assert.ok(Object.is(roundTrip(-0), -0));
  });

  test('numbers of every size stay numbers', () => {
    const numbers = [
      1,
      -1,
      255,
      65536,
      2 ** 31,
      2 ** 32 + 1,
      -(2 ** 40),
      2 ** 53 + 2,
      1.5,
      -1e-300,
      Number.MAX_VALUE,
    ];
    assert.deepEqual(roundTrip(numbers), numbers);
  });

  test('bigint of any size and sign stays bigint', () => {
    const bigints = [
      0n,
      5n,
      -5n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      2n ** 64n,
      -(2n ** 64n) - 1n,
      2n ** 300n,
      -(3n ** 200n),
    ];
    assert.deepEqual(roundTrip(bigints), bigints);
  });

  test('strings: empty, unicode, long, and with lone surrogates', () => {
    const strings = ['', 'héllo', '日本語', '🎉 emoji', 'x'.repeat(100_000), 'a\uD800b', '\uDC00'];
    assert.deepEqual(roundTrip(strings), strings);
    const keyed = roundTrip({ 'k\uD800': 1 });
    assert.deepEqual(Object.keys(keyed), ['k\uD800']);
  });

  test('Date, including an invalid one', () => {
    const [date, invalid] = roundTrip([new Date('2024-05-06T07:08:09.123Z'), new Date(NaN)]);
    assert.ok(date instanceof Date);
    assert.equal(date.toISOString(), '2024-05-06T07:08:09.123Z');
    assert.ok(invalid instanceof Date);
    assert.ok(Number.isNaN(invalid.getTime()));
  });

  test('RegExp with source and flags', () => {
    const re = roundTrip(/a+(b)?\//gimsuy);
    assert.ok(re instanceof RegExp);
    assert.equal(re.source, 'a+(b)?\\/');
    assert.equal(re.flags, 'gimsuy');
  });

  test('Map with non-string keys stays a Map, apart from a plain object', () => {
    const key = { id: 1 };
    const map = roundTrip(
      new Map<unknown, unknown>([
        [1, 'one'],
        [key, 'object'],
        [NaN, 'nan'],
        ['s', new Map([[2n, true]])],
      ]),
    );
    assert.ok(map instanceof Map);
    assert.equal(map.get(1), 'one');
    assert.equal(map.get(NaN), 'nan');
    assert.deepEqual([...map.keys()][1], { id: 1 });
    assert.ok((map.get('s') as Map<bigint, boolean>).get(2n));
    const object = roundTrip({ 1: 'one' });
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
  });

  test('Set with object members stays a Set', () => {
    const set = roundTrip(new Set<unknown>([1, 'a', { b: 2 }, [3]]));
    assert.ok(set instanceof Set);
    assert.deepEqual([...set], [1, 'a', { b: 2 }, [3]]);
  });

  for (const [name, Ctor] of typedArrayKinds) {
    test(`${name} keeps its kind and contents, also from a subarray`, () => {
      const source = new Uint8Array(32).map((_, i) => (i * 37) & 0xff);
      const whole = new Ctor(source.buffer);
      const out = roundTrip(whole);
      assert.equal(Object.getPrototypeOf(out), Ctor.prototype);
      assert.deepEqual(Buffer.from(out.buffer, out.byteOffset, out.byteLength), Buffer.from(source));
      const element = (whole as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      const part = new Ctor(source.buffer.slice(0)) as unknown as {
        subarray(a: number, b: number): ArrayBufferView;
      };
      const slice = roundTrip(part.subarray(1, 16 / element));
      assert.equal(Object.getPrototypeOf(slice), Ctor.prototype);
      assert.deepEqual(
        Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength),
        Buffer.from(source.subarray(element, 16)),
      );
    });
  }

  test('ArrayBuffer and DataView', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const buffer = roundTrip(bytes.buffer);
    assert.ok(buffer instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(buffer), bytes);
    const view = roundTrip(new DataView(bytes.buffer, 1, 3));
    assert.ok(view instanceof DataView);
    assert.deepEqual(
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      new Uint8Array([2, 3, 4]),
    );
  });

  test('a Buffer decodes to a Buffer, a Uint8Array to a Uint8Array, whatever holds the bytes', () => {
    const encoded = encodeValue({ buf: Buffer.from('hi'), u8: new Uint8Array([1]) });
    for (const bytes of [encoded, new Uint8Array(encoded), Buffer.from(encoded)]) {
      const out = decodeValue(bytes) as { buf: Buffer; u8: Uint8Array };
      assert.ok(Buffer.isBuffer(out.buf));
      assert.equal(out.buf.toString(), 'hi');
      assert.ok(!Buffer.isBuffer(out.u8));
      assert.deepEqual(out.u8, new Uint8Array([1]));
    }
  });

  test('decoded binary data does not share memory with the encoded bytes', () => {
    const encoded = encodeValue(Buffer.from('abc'));
    const out = decodeValue(encoded) as Buffer;
    encoded.fill(0);
    assert.equal(out.toString(), 'abc');
  });

  test('nested objects and arrays', () => {
    const value = { a: [1, { b: [2, [3, { c: 'd' }]] }], e: { f: { g: null } } };
    assert.deepEqual(roundTrip(value), value);
  });

  test('shared references stay shared', () => {
    const shared = { s: 1 };
    const out = roundTrip({ a: shared, b: [shared], c: new Map([['k', shared]]) });
    assert.equal(out.a, out.b[0]);
    assert.equal(out.a, out.c.get('k'));
  });

  test('cycles through objects, arrays, Maps and Sets come back as cycles', () => {
    const object: Record<string, unknown> = { name: 'o' };
    object.self = object;
    const array: unknown[] = [1];
    array.push(array);
    const map = new Map<string, unknown>();
    map.set('me', map);
    const set = new Set<unknown>();
    set.add(set);
    const out = roundTrip({ object, array, map, set });
    assert.equal(out.object.self, out.object);
    assert.equal(out.array[1], out.array);
    assert.equal(out.map.get('me'), out.map);
    assert.ok(out.set.has(out.set));
  });

  test('a null-prototype object decodes to a plain object with the same entries', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const out = roundTrip(bare);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual({ ...out }, { a: 1 });
  });

  test('an object with an own __proto_ or __proto__ key keeps it exactly', () => {
    const exact = roundTrip({ __proto_: 1, x: 2 });
    assert.deepEqual(Object.keys(exact), ['__proto_', 'x']);
    const parsed = JSON.parse('{"__proto__": {"evil": true}, "y": 1}') as object;
    const out = roundTrip(parsed);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { evil: true });
    assert.equal(({} as Record<string, unknown>).evil, undefined);
  });

  test('the encoded bytes own their ArrayBuffer, so they can be transferred', () => {
    const first = encodeValue([1, 'x']);
    const second = encodeValue([2, 'y']);
    assert.notEqual(first.buffer, second.buffer);
    assert.equal(first.byteOffset, 0);
    assert.equal(first.buffer.byteLength, first.byteLength);
    structuredClone(first, { transfer: [first.buffer as ArrayBuffer] });
    assert.deepEqual(decodeValue(second), [2, 'y']);
  });

  test('values before and after a very large one come back whole', () => {
    const small = encodeValue({ before: [1, 2, 3] });
    const big = Array.from({ length: 500_000 }, (_, i) => ({ i, text: `item ${i}` }));
    const bigBytes = encodeValue(big);
    assert.ok(bigBytes.byteLength > 4 * 1024 * 1024);
    const after = encodeValue({ after: 'x'.repeat(10_000) });
    assert.deepEqual(decodeValue(small), { before: [1, 2, 3] });
    assert.deepEqual(decodeValue(after), { after: 'x'.repeat(10_000) });
    const back = decodeValue(bigBytes) as typeof big;
    assert.equal(back.length, big.length);
    assert.deepEqual(back[499_999], { i: 499_999, text: 'item 499999' });
    assert.deepEqual(decodeValue(encodeValue(big)), back);
  });
});
