import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, encodeValue, registerValueCodec } from '../../src/codec/index.ts';
import { ConfigError, SerializationError } from '../../src/errors.ts';
import { HASH_METHOD, hashValue } from '../../src/hash/index.ts';

class Point {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
}

class Shape {
  readonly name: string;
  readonly points: Point[];
  constructor(name: string, points: Point[]) {
    this.name = name;
    this.points = points;
  }
}

registerValueCodec<Point>({
  tag: 'test.point',
  is: (value): value is Point => value instanceof Point,
  toData: (point) => [point.x, point.y],
  fromData: (data) => new Point(...(data as [number, number])),
});

registerValueCodec<Shape>({
  tag: 'test.shape',
  is: (value): value is Shape => value instanceof Shape,
  toData: (shape) => ({ name: shape.name, points: shape.points }),
  fromData: (data) => {
    const { name, points } = data as { name: string; points: Point[] };
    return new Shape(name, points);
  },
});

interface Named {
  (): string;
  label: string;
}
const isNamed = (value: unknown): value is Named => typeof value === 'function' && 'label' in value;
registerValueCodec<Named>({
  tag: 'test.named-function',
  is: isNamed,
  toData: (fn) => fn.label,
  fromData: (label) => Object.assign(() => `I am ${String(label)}`, { label: String(label) }),
});

describe('registerValueCodec', () => {
  test('a registered class travels and comes back as an instance', () => {
    const out = decodeValue(encodeValue({ where: new Point(1, -0) })) as { where: Point };
    assert.ok(out.where instanceof Point);
    assert.equal(out.where.x, 1);
    assert.ok(Object.is(out.where.y, -0));
  });

  test('codec data is encoded by the same codec, so codec values nest', () => {
    const shape = new Shape('tri', [new Point(0, 0), new Point(1, 0), new Point(0, 1)]);
    const out = decodeValue(encodeValue([shape])) as Shape[];
    assert.ok(out[0] instanceof Shape);
    assert.ok(out[0].points.every((point) => point instanceof Point));
    assert.deepEqual(
      out[0].points.map((point) => [point.x, point.y]),
      [
        [0, 0],
        [1, 0],
        [0, 1],
      ],
    );
  });

  test('a registered value hashes by its tag and data, so it can be an argument', () => {
    assert.equal(hashValue(new Point(1, 2)), hashValue(new Point(1, 2)));
    assert.notEqual(hashValue(new Point(1, 2)), hashValue(new Point(2, 1)));
    const sameForm = { [HASH_METHOD]: () => ({ type: 'test.point', data: [1, 2] }) };
    assert.equal(hashValue(new Point(1, 2)), hashValue(sameForm));
    const shape = () => new Shape('tri', [new Point(0, 0), new Point(1, 0)]);
    assert.equal(hashValue(shape()), hashValue(shape()));
  });

  test('a shared codec value stays shared', () => {
    const point = new Point(2, 3);
    const out = decodeValue(encodeValue({ a: point, b: point })) as { a: Point; b: Point };
    assert.equal(out.a, out.b);
  });

  test('functions can have a codec too (as tasks do)', () => {
    const fn = Object.assign(() => 'x', { label: 'greeter' });
    const out = decodeValue(encodeValue({ fn })) as { fn: Named };
    assert.equal(out.fn(), 'I am greeter');
  });

  test('the table lives on globalThis under Symbol.for("baton.value-codecs")', () => {
    const table = (globalThis as unknown as Record<symbol, { byTag: Map<string, unknown> } | undefined>)[
      Symbol.for('baton.value-codecs')
    ];
    assert.ok(table?.byTag.has('test.point'));
  });

  test('registering a tag again replaces the codec', () => {
    class Temp {
      readonly v: number;
      constructor(v: number) {
        this.v = v;
      }
    }
    const codec = (offset: number) => ({
      tag: 'test.temp',
      is: (value: unknown): value is Temp => value instanceof Temp,
      toData: (temp: Temp) => temp.v,
      fromData: (data: unknown) => new Temp((data as number) + offset),
    });
    registerValueCodec(codec(0));
    registerValueCodec(codec(100));
    assert.equal((decodeValue(encodeValue(new Temp(1))) as Temp).v, 101);
  });

  test('a codec without a tag or methods is a ConfigError', () => {
    assert.throws(
      () =>
        registerValueCodec({
          tag: '',
          is: (_v): _v is never => false,
          toData: () => 0,
          fromData: () => 0 as never,
        }),
      ConfigError,
    );
    assert.throws(
      () => registerValueCodec({ tag: 'x' } as unknown as Parameters<typeof registerValueCodec>[0]),
      /needs a `is` function/,
    );
  });

  test('decoding an unknown tag is a SerializationError naming the tag', () => {
    const bytes = Buffer.from(encodeValue(new Point(1, 2)));
    const at = bytes.indexOf('test.point');
    bytes.write('test.pinto', at);
    assert.throws(
      () => decodeValue(bytes),
      (error: unknown) => error instanceof SerializationError && /"test\.pinto"/.test(error.message),
    );
  });

  test('a codec whose toData throws gives a SerializationError at its path', () => {
    class Fragile {}
    registerValueCodec<Fragile>({
      tag: 'test.fragile',
      is: (value): value is Fragile => value instanceof Fragile,
      toData: () => {
        throw new Error('cannot serialize');
      },
      fromData: () => new Fragile(),
    });
    assert.throws(
      () => encodeValue({ list: [new Fragile()] }),
      (error: unknown) =>
        error instanceof SerializationError &&
        error.path === 'list[0]' &&
        /cannot serialize/.test(error.message),
    );
  });
});
