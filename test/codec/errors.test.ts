import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, deserializeError, encodeValue, serializeError } from '../../src/codec/index.ts';
import { SerializationError } from '../../src/errors.ts';

class ValidationError extends Error {
  readonly code = 'E_VALIDATION';
  readonly field: string;
  constructor(message: string, field: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ValidationError';
    this.field = field;
  }
}

const roundTrip = <T>(value: T): T => decodeValue(encodeValue(value)) as T;

describe('Errors inside values', () => {
  test('keep name (custom too), message, stack, cause and own fields', () => {
    const original = new ValidationError('row 3 is empty', 'rows', new TypeError('inner'));
    const out = roundTrip(original);
    assert.ok(out instanceof Error);
    assert.equal(out.name, 'ValidationError');
    assert.equal(out.message, 'row 3 is empty');
    assert.equal(out.stack, original.stack);
    assert.equal((out as ValidationError).code, 'E_VALIDATION');
    assert.equal((out as ValidationError).field, 'rows');
    assert.ok(out.cause instanceof TypeError);
    assert.equal((out.cause as Error).message, 'inner');
    assert.ok(!Object.keys(out).includes('stack'));
  });

  test('built-in error classes come back as those classes', () => {
    const [type, range, plain] = roundTrip([new TypeError('t'), new RangeError('r'), new Error('e')]);
    assert.ok(type instanceof TypeError);
    assert.ok(range instanceof RangeError);
    assert.equal(Object.getPrototypeOf(plain), Error.prototype);
  });

  test('an AggregateError keeps its errors', () => {
    const out = roundTrip(new AggregateError([new Error('a'), new TypeError('b')], 'both'));
    assert.ok(out instanceof AggregateError);
    assert.equal(out.message, 'both');
    assert.deepEqual(
      out.errors.map((error: Error) => error.message),
      ['a', 'b'],
    );
    assert.ok(out.errors[1] instanceof TypeError);
  });

  test('a cause that is not an Error, or undefined, is kept as it was', () => {
    const withValue = roundTrip(new Error('x', { cause: { code: 7 } }));
    assert.deepEqual(withValue.cause, { code: 7 });
    const withUndefined = roundTrip(new Error('y', { cause: undefined }));
    assert.ok(Object.hasOwn(withUndefined, 'cause'));
    assert.ok(!Object.hasOwn(roundTrip(new Error('z')), 'cause'));
  });

  test('a shared Error stays shared', () => {
    const error = new Error('once');
    const out = roundTrip({ a: error, b: [error] });
    assert.equal(out.a, out.b[0]);
  });

  test("Baton's own errors travel with their fields", () => {
    const out = roundTrip(new SerializationError('cannot', 'rows[3]'));
    assert.equal(out.name, 'SerializationError');
    assert.equal((out as unknown as { path: string }).path, 'rows[3]');
    assert.equal((out as unknown as { code: string }).code, 'SERIALIZATION_ERROR');
  });
});

describe('serializeError / deserializeError', () => {
  test('an Error becomes plain data and comes back with the same name, message, stack and fields', () => {
    const original = new ValidationError('bad row', 'rows');
    const data = serializeError(original);
    assert.equal(data.name, 'ValidationError');
    assert.equal(data.message, 'bad row');
    assert.equal(data.stack, original.stack);
    assert.equal(data.kind, 'application');
    assert.deepEqual(data.props, { code: 'E_VALIDATION', field: 'rows' });
    const back = deserializeError(data);
    assert.ok(back instanceof Error);
    assert.equal(back.name, 'ValidationError');
    assert.equal(back.message, 'bad row');
    assert.equal(back.stack, original.stack);
    assert.equal((back as ValidationError).code, 'E_VALIDATION');
  });

  test('the kind is the one given', () => {
    assert.equal(serializeError(new Error('lost'), 'system').kind, 'system');
  });

  test('a chain of causes is kept', () => {
    const data = serializeError(new Error('outer', { cause: new RangeError('inner', { cause: 'root' }) }));
    const back = deserializeError(data);
    assert.ok(back.cause instanceof RangeError);
    assert.equal((back.cause as Error).message, 'inner');
    assert.equal((back.cause as Error).cause, 'root');
  });

  test('fields that cannot be encoded are dropped, so the outcome always travels', () => {
    const error = Object.assign(new Error('x'), {
      handle: () => 1,
      socket: new (class Socket {})(),
      code: 'E1',
    });
    const data = serializeError(error);
    assert.deepEqual(data.props, { code: 'E1' });
    assert.doesNotThrow(() => encodeValue(data));
  });

  test('plain props survive JSON', () => {
    const data = serializeError(Object.assign(new Error('x'), { code: 'E1', status: 404 }));
    assert.deepEqual(JSON.parse(JSON.stringify(data)), data);
  });

  test('a cause chain that loops does not hang', () => {
    const error = new Error('loop') as Error & { cause: unknown };
    error.cause = error;
    const data = serializeError(error);
    assert.equal(data.message, 'loop');
  });

  test('a thrown string becomes the message', () => {
    const data = serializeError('disk full');
    assert.deepEqual(
      { name: data.name, message: data.message, kind: data.kind },
      { name: 'Error', message: 'disk full', kind: 'application' },
    );
    assert.equal(deserializeError(data).message, 'disk full');
  });

  test('a thrown plain object keeps its fields and shows itself in the message', () => {
    const data = serializeError({ code: 1, reason: 'nope' });
    assert.equal(data.name, 'Error');
    assert.match(data.message, /a non-Error value was thrown: \{"code":1,"reason":"nope"\}/);
    assert.deepEqual(data.props, { code: 1, reason: 'nope' });
    const back = deserializeError(data);
    assert.equal((back as unknown as { code: number }).code, 1);
  });

  test('an object with name and message is taken at its word', () => {
    const data = serializeError({ name: 'HttpError', message: 'status 500', status: 500 });
    assert.equal(data.name, 'HttpError');
    assert.equal(data.message, 'status 500');
    assert.deepEqual(data.props, { status: 500 });
  });

  test('undefined, null, numbers and symbols thrown are described', () => {
    assert.match(serializeError(undefined).message, /undefined/);
    assert.match(serializeError(null).message, /null/);
    assert.match(serializeError(42).message, /42/);
    assert.match(serializeError(Symbol('s')).message, /Symbol\(s\)/);
  });

  test('a built-in name deserializes to the built-in class', () => {
    const back = deserializeError({ name: 'TypeError', message: 'x', kind: 'application' });
    assert.ok(back instanceof TypeError);
    assert.equal(back.stack, undefined);
  });

  test('props with a __proto__ key do not set the prototype', () => {
    const props = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const back = deserializeError({ name: 'Error', message: 'x', kind: 'application', props });
    assert.equal(Object.getPrototypeOf(back), Error.prototype);
    assert.ok(Object.hasOwn(back, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
