import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/codec/index.ts';
import { SerializationError } from '../../src/errors.ts';

/** msgpack fixstr */
const str = (s: string): number[] => [0xa0 | Buffer.byteLength(s), ...Buffer.from(s)];
/** A msgpackr record definition with one key, followed by that key's value. */
const record = (key: string, ...value: number[]): number[] => [0xd4, 0x72, 0x40, 0x91, ...str(key), ...value];
/** Baton's own extension (type 43) with the given parts array bytes. */
const batonExtension = (...parts: number[]): number[] => [0xd4, 43, 0x00, ...parts];

const isSerializationError = (error: unknown) => error instanceof SerializationError;

function assertNoPollution(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
}

describe('decodeValue never sets a prototype', () => {
  test('a record with a __proto__ key decodes to an own property named __proto__', () => {
    const bytes = new Uint8Array([...record('__proto__', ...record('polluted', 0xc3))]);
    const out = decodeValue(bytes) as object;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: true });
    assertNoPollution();
  });

  test('a plain msgpack map with a __proto__ key decodes to a Map', () => {
    const bytes = new Uint8Array([0x81, ...str('__proto__'), 0x81, ...str('polluted'), 0xc3]);
    const out = decodeValue(bytes);
    assert.ok(out instanceof Map);
    assert.deepEqual(out.get('__proto__'), new Map([['polluted', true]]));
    assertNoPollution();
  });

  test("Baton's exact-object extension with a __proto__ key gives an own property", () => {
    const bytes = new Uint8Array(
      batonExtension(0x93, 0x03, ...str('__proto__'), ...record('polluted', 0xc3)),
    );
    const out = decodeValue(bytes) as object;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assertNoPollution();
  });

  test('a cycle that msgpackr completes by assignment cannot set the prototype of the placeholder', () => {
    const id = [0x00, 0x00, 0x00, 0x01];
    const bytes = new Uint8Array([
      ...[0xd6, 0x69, ...id],
      ...batonExtension(0x93, 0x03, ...str('__proto__'), 0xd6, 0x70, ...id),
    ]);
    let out: unknown;
    try {
      out = decodeValue(bytes);
    } catch (error) {
      assert.ok(isSerializationError(error));
      return;
    }
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assertNoPollution();
  });

  test('many records with hostile keys (msgpackr compiles a reader for them) run no code', () => {
    const hostile = 'a"]:(globalThis.pwned=1),["b';
    const rows = Array.from({ length: 8 }, (_, i) => ({ [hostile]: i, __proto__x: i }));
    const out = decodeValue(encodeValue(rows)) as Array<Record<string, number>>;
    assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
    assert.deepEqual(out, rows);
    const withProto = Array.from(
      { length: 8 },
      () => JSON.parse('{"__proto__": {"polluted": true}}') as object,
    );
    for (const item of decodeValue(encodeValue(withProto)) as object[]) {
      assert.equal(Object.getPrototypeOf(item), Object.prototype);
      assert.ok(Object.hasOwn(item, '__proto__'));
    }
    assertNoPollution();
  });
});

describe('decodeValue on damaged bytes', () => {
  const sample = encodeValue({
    id: 12,
    name: 'sample',
    tags: new Set(['a', 'b']),
    when: new Date(0),
    data: new Float64Array([1, 2, 3]),
    nested: [{ x: -0, y: 2n ** 80n }, new Map([[1, 'one']])],
    error: new TypeError('bad'),
  });

  test('every truncation is a SerializationError', () => {
    for (let length = 0; length < sample.length; length++) {
      assert.throws(
        () => decodeValue(sample.subarray(0, length)),
        isSerializationError,
        `prefix of ${length} bytes`,
      );
    }
  });

  test('random corruption decodes or throws a SerializationError, quickly', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const started = Date.now();
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from(sample);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        decodeValue(bytes);
      } catch (error) {
        assert.ok(isSerializationError(error), `round ${round}: ${String(error)}`);
      }
    }
    assert.ok(Date.now() - started < 10_000);
    assertNoPollution();
  });

  test('huge declared lengths fail at once instead of allocating', () => {
    for (const head of [0xdd, 0xdb, 0xc6, 0xdf]) {
      assert.throws(
        () => decodeValue(new Uint8Array([head, 0xff, 0xff, 0xff, 0xff, 0x01])),
        isSerializationError,
      );
    }
  });

  test('deep nesting fails cleanly', () => {
    const bytes = new Uint8Array(200_001).fill(0x91);
    bytes[200_000] = 0x01;
    assert.throws(() => decodeValue(bytes), isSerializationError);
  });

  test('trailing bytes, unknown extensions and malformed Baton extensions are errors', () => {
    assert.throws(() => decodeValue(new Uint8Array([0x01, 0x02])), isSerializationError);
    assert.throws(() => decodeValue(new Uint8Array([0xd4, 0x07, 0x00])), isSerializationError);
    assert.throws(() => decodeValue(new Uint8Array(batonExtension(0xc0))), isSerializationError);
    assert.throws(() => decodeValue(new Uint8Array(batonExtension(0x91, 0x63))), /unknown kind/);
  });

  test('input that is not a Uint8Array is a SerializationError', () => {
    assert.throws(() => decodeValue('bytes' as unknown as Uint8Array), isSerializationError);
  });
});
