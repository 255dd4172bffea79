// What kind of value something is, shared by the hash walk and the value codec so both accept the same values.
import { types } from 'node:util';

/** Typed array kinds in a fixed order: the index is part of hashes and of the wire format, so only append. */
export const TYPED_ARRAY_NAMES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
] as const;

export type TypedArrayConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;

const globals = globalThis as unknown as Record<string, TypedArrayConstructor | undefined>;

/** The constructor of each kind; undefined where the runtime lacks it (Float16Array on older Node). */
export const TYPED_ARRAY_CONSTRUCTORS: readonly (TypedArrayConstructor | undefined)[] = TYPED_ARRAY_NAMES.map(
  (name) => globals[name],
);

const typedKindByPrototype = new Map<object, number>();
TYPED_ARRAY_CONSTRUCTORS.forEach((ctor, kind) => {
  if (ctor) typedKindByPrototype.set(ctor.prototype as object, kind);
});
typedKindByPrototype.set(Buffer.prototype, TYPED_ARRAY_NAMES.indexOf('Uint8Array'));

/** The kind index of a typed array with this prototype (Buffer counts as Uint8Array), or -1. */
export function typedArrayKind(prototype: object | null): number {
  return prototype === null ? -1 : (typedKindByPrototype.get(prototype) ?? -1);
}

const wellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/** False for strings with lone surrogates, which UTF-8 cannot represent. */
export function isWellFormedString(value: string): boolean {
  return wellFormed.call(value);
}

/** Errors of any class, including ones from other realms. */
export function isErrorValue(value: object): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** The raw bytes of a typed array, DataView or ArrayBuffer, without copying. */
export function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  return ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value);
}

/** A short phrase for an unsupported value, used after "found": `a function (fit)`, `an instance of class Model`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') {
    const source = Function.prototype.toString.call(value);
    const kind = source.startsWith('class') ? 'a class' : 'a function';
    return value.name ? `${kind} (${value.name})` : kind;
  }
  if (typeof value === 'symbol') return `a symbol (${String(value)})`;
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const prototype: unknown = Object.getPrototypeOf(value);
  const ctor =
    typeof prototype === 'object' && prototype !== null
      ? (prototype as { constructor?: unknown }).constructor
      : undefined;
  const name = typeof ctor === 'function' ? ctor.name : '';
  return name ? `an instance of class ${name}` : 'an object with a custom prototype';
}
