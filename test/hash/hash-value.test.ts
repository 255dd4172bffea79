import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HASH_METHOD, HASH_OF, hashValue, sha256 } from '../../src/hash/index.ts';

/** The bytes of the canonical encoding, for checking the format itself. */
function bytes(...parts: Array<number | number[] | Uint8Array>): Uint8Array {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'number' ? Buffer.from([part]) : Buffer.from(part))),
  );
}
const Float16 = (globalThis as unknown as Record<string, new (buffer: ArrayBuffer) => object>).Float16Array!;
const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

describe('hashValue: canonical encoding', () => {
  test('is sha256 over a version byte and a type tag', () => {
    assert.equal(hashValue(null), sha256(bytes(1, 0x01)));
    assert.equal(hashValue(undefined), sha256(bytes(1, 0x00)));
    assert.equal(hashValue('ab'), sha256(bytes(1, 0x06, u32(2), [0x61, 0x62])));
  });

  test('values larger than the buffer stream into the hash and give the same result as one shot', () => {
    const text = 'x'.repeat(100_000);
    assert.equal(hashValue(text), sha256(bytes(1, 0x06, u32(100_000), Buffer.from(text))));
    const data = new Uint8Array(200_000).fill(7);
    assert.equal(hashValue(data), sha256(bytes(1, 0x0e, 1, u32(200_000), data)));
    const many = Array.from({ length: 20_000 }, (_, i) => `item ${i}`);
    assert.equal(hashValue(many), hashValue([...many]));
    assert.notEqual(hashValue(many), hashValue([...many.slice(0, -1), 'other']));
  });

  test('is stable across runs and Node versions (golden values)', () => {
    const golden: Array<[unknown, string]> = [
      [undefined, '47dc540c94ceb704a23875c11273e16bb0b8a87aed84de911f2133568115f254'],
      [true, 'c79b932e1e1da3c0e098e5ad2c422937eb904a76cf61d83975a74a68fbb04b99'],
      [1.5, 'ab78304032bef81ef58291369b468c7cfa688846aff7c8d240309e4a8c6c09e7'],
      [-0, '17bad72508aa784a888f5d665b0431335cea2e5c2741dac8db666cefc8e8079c'],
      [NaN, 'd90564f0922662a23aadd3bed05b09aa26c241b2fe5ed8c8e4868ff01f98468e'],
      ['héllo', '93e01376c7a2d9c20fd0f94bf9b23c723bdd513b0299d50ab357e31b44a5e1d4'],
      [-(2n ** 100n), '8b6a76a061a85b20af4a6595a4550868e1cb5f4b302793b79d7841217a114bd9'],
      [{ b: [1, 'x'], a: null }, '1b339afdd25055f00916a9d6e185f207c52e6aac7d187e0f1a0985f00218bb55'],
      [
        [
          new Map<unknown, unknown>([
            ['k', 1],
            [2, 'v'],
          ]),
          new Set([3, 1]),
          new Date(0),
        ],
        '0f7c76007931a0c9e94b2e23130d7e8fa1e52f6381bd8e416da198d706e048a1',
      ],
      [
        [new Uint8Array([1, 2]), new Float64Array([0.5]), new BigInt64Array([-1n])],
        '612a28e4ef90dfb9249de9495bef68251c5e213c65c67850075ec81a966c1d6a',
      ],
    ];
    for (const [value, expected] of golden)
      assert.equal(hashValue(value), expected, `hash of ${String(value)}`);
  });
});

describe('hashValue: what counts', () => {
  test('object key order does not count', () => {
    assert.equal(hashValue({ a: 1, b: { c: 2, d: 3 } }), hashValue({ b: { d: 3, c: 2 }, a: 1 }));
  });

  test('Map and Set insertion order does not count', () => {
    const a = new Map<unknown, unknown>([
      ['x', 1],
      [{ k: 1 }, [2]],
      [3, 'y'],
    ]);
    const b = new Map<unknown, unknown>([
      [3, 'y'],
      ['x', 1],
      [{ k: 1 }, [2]],
    ]);
    assert.equal(hashValue(a), hashValue(b));
    assert.equal(hashValue(new Set([1, 'a', { z: 1 }])), hashValue(new Set([{ z: 1 }, 'a', 1])));
    // Equal keys with different values still sort into one order.
    const twins1 = new Map([
      [{}, 1],
      [{}, 2],
    ]);
    const twins2 = new Map([
      [{}, 2],
      [{}, 1],
    ]);
    assert.equal(hashValue(twins1), hashValue(twins2));
  });

  test('a Buffer hashes like the Uint8Array with the same bytes; a subarray like its copy', () => {
    assert.equal(hashValue(Buffer.from([1, 2, 3])), hashValue(new Uint8Array([1, 2, 3])));
    const whole = new Uint16Array([1, 2, 3, 4]);
    assert.equal(hashValue(whole.subarray(1, 3)), hashValue(new Uint16Array([2, 3])));
    assert.equal(
      hashValue(new DataView(whole.buffer, 2, 4)),
      hashValue(new DataView(new Uint16Array([2, 3]).buffer)),
    );
  });

  test('array holes hash as undefined', () => {
    // eslint-disable-next-line no-sparse-arrays
    assert.equal(hashValue([1, , 3]), hashValue([1, undefined, 3]));
  });

  test('every NaN hashes the same; an invalid Date hashes the same as another', () => {
    const odd = new Float64Array(new BigUint64Array([0x7ff8000000000123n]).buffer)[0];
    assert.ok(Number.isNaN(odd));
    assert.equal(hashValue(odd), hashValue(NaN));
    assert.equal(hashValue(new Date(NaN)), hashValue(new Date('nonsense')));
  });

  test('a null-prototype object hashes like a plain one', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    assert.equal(hashValue(bare), hashValue({ a: 1 }));
  });

  test('an Error hashes by name and message, not by stack', () => {
    const first = new TypeError('bad');
    const second = (() => new TypeError('bad'))();
    assert.notEqual(first.stack, second.stack);
    assert.equal(hashValue(first), hashValue(second));
    assert.notEqual(hashValue(first), hashValue(new RangeError('bad')));
    assert.notEqual(hashValue(first), hashValue(new TypeError('worse')));
  });

  test('a shared (not circular) reference hashes like two copies', () => {
    const shared = { a: [1] };
    assert.equal(hashValue([shared, shared]), hashValue([{ a: [1] }, { a: [1] }]));
  });
});

describe('hashValue: what tells values apart', () => {
  test('every value in a list of look-alikes has its own hash', () => {
    const bytes8 = new Uint8Array([1, 0, 0, 0]);
    const lookalikes: unknown[] = [
      undefined,
      null,
      false,
      true,
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      1,
      '1',
      1n,
      -1n,
      2n ** 100n,
      -(2n ** 100n),
      '',
      'a\uD800',
      'a\uFFFD',
      [],
      [undefined],
      [null],
      {},
      { a: undefined },
      { a: null },
      { a: 1 },
      new Map([['a', 1]]),
      new Map([[1, 'a']]),
      new Set(),
      new Set([1]),
      [1],
      ['ab', 'c'],
      ['a', 'bc'],
      new Date(0),
      new Date(NaN),
      /a/,
      /a/g,
      bytes8,
      new Int8Array(bytes8),
      new Uint8ClampedArray(bytes8),
      new Uint32Array(bytes8.buffer),
      new Int32Array(bytes8.buffer),
      new Float32Array(bytes8.buffer),
      new Uint16Array(bytes8.buffer),
      new Int16Array(bytes8.buffer),
      new Float16(bytes8.buffer),
      new BigInt64Array(8),
      new BigUint64Array(8),
      new Float64Array(8 / 8),
      bytes8.buffer,
      new DataView(bytes8.buffer),
      new Error('x'),
      new TypeError('x'),
      { [HASH_METHOD]: () => ({ type: 'a', data: 1 }) },
      { [HASH_METHOD]: () => ({ type: 'b', data: 1 }) },
      { [HASH_OF]: 'abc' },
      'abc',
    ];
    const hashes = lookalikes.map((value) => hashValue(value));
    const seen = new Map<string, number>();
    hashes.forEach((hash, i) => {
      assert.equal(seen.get(hash), undefined, `item ${i} collides with item ${seen.get(hash)}`);
      seen.set(hash, i);
    });
  });
});

describe('hashValue: values that define their own form', () => {
  class Point {
    readonly x: number;
    readonly y: number;
    constructor(x: number, y: number) {
      this.x = x;
      this.y = y;
    }
    [HASH_METHOD]() {
      return { type: 'Point', data: [this.x, this.y] };
    }
  }

  test('a class instance with [HASH_METHOD] hashes by the form it returns', () => {
    assert.equal(hashValue([new Point(1, 2)]), hashValue([new Point(1, 2)]));
    assert.notEqual(hashValue(new Point(1, 2)), hashValue(new Point(2, 1)));
    assert.notEqual(hashValue(new Point(1, 2)), hashValue([1, 2]));
  });

  test('a function with [HASH_METHOD] (a task) hashes by its form', () => {
    const form = (name: string) => () => ({ type: 'baton.task', data: { name } });
    const fitA = Object.assign(() => 1, { [HASH_METHOD]: form('fit') });
    const fitB = Object.assign(() => 2, { [HASH_METHOD]: form('fit') });
    const other = Object.assign(() => 1, { [HASH_METHOD]: form('score') });
    assert.equal(hashValue({ task: fitA }), hashValue({ task: fitB }));
    assert.notEqual(hashValue(fitA), hashValue(other));
  });

  test('a precomputed hash under Symbol.for("baton.hashOf") stands for the value', () => {
    const big = { [HASH_OF]: 'f00d', rows: new Array(1000).fill(1) };
    assert.equal(hashValue(big), hashValue({ [HASH_OF]: 'f00d' }));
    assert.notEqual(hashValue(big), hashValue({ [HASH_OF]: 'beef' }));
  });

  test('a [HASH_METHOD] may itself call hashValue', () => {
    const inner = { [HASH_METHOD]: () => ({ type: 'file', data: hashValue({ content: 'abc' }) }) };
    const expected = hashValue({
      [HASH_METHOD]: () => ({ type: 'file', data: hashValue({ content: 'abc' }) }),
    });
    assert.equal(hashValue([inner, { after: 1 }]), hashValue([{ ...inner }, { after: 1 }]));
    assert.equal(hashValue(inner), expected);
  });

  test('HASH_METHOD is Symbol.for("baton.hash")', () => {
    assert.equal(HASH_METHOD, Symbol.for('baton.hash'));
    assert.equal(HASH_OF, Symbol.for('baton.hashOf'));
  });
});
