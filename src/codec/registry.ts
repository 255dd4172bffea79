// The process-wide table of codecs for custom value types. It lives on globalThis so that every copy of
// the package loaded in one process (dist/ and src/, or two versions) encodes and decodes the same types.
import { ConfigError } from '../errors.ts';
import { setRegisteredHashForm } from '../hash/index.ts';

/** How a custom type travels: `toData` gives plain, encodable data; `fromData` rebuilds the value. */
export interface ValueCodec<T> {
  /** Names the type on the wire; decoding needs a codec registered under the same tag. */
  tag: string;
  is(value: unknown): value is T;
  toData(value: T): unknown;
  fromData(data: unknown): T;
}

/**
 * A compact form for whole arrays of one kind of codec value (Baton's own: a fan-out's calls of one
 * task). The array travels as `pack`'s data under `tag`, and `unpack` gives the array back.
 */
export interface ArrayPacker {
  tag: string;
  /** Data standing for all of `items`, or undefined when they are not the kind this packer packs. */
  pack(items: readonly unknown[]): unknown;
  unpack(data: unknown): unknown[];
}

interface CodecTable {
  byTag: Map<string, ValueCodec<unknown>>;
  /** In registration order: the first codec whose `is` accepts a value encodes it. */
  list: ValueCodec<unknown>[];
  packers?: ArrayPacker[];
}

const KEY = Symbol.for('baton.value-codecs');

function table(): CodecTable {
  const holder = globalThis as unknown as Record<symbol, CodecTable | undefined>;
  let current = holder[KEY];
  if (!current) {
    current = { byTag: new Map(), list: [] };
    holder[KEY] = current;
  }
  return current;
}

/**
 * Registers a codec for values that are not plain data (class instances, functions). Registering a tag
 * again replaces the earlier codec, so a second copy of a module does not break the first.
 */
export function registerValueCodec<T>(codec: ValueCodec<T>): void {
  if (typeof codec?.tag !== 'string' || codec.tag === '') {
    throw new ConfigError('registerValueCodec: the codec needs a non-empty string `tag`');
  }
  for (const method of ['is', 'toData', 'fromData'] as const) {
    if (typeof codec[method] !== 'function') {
      throw new ConfigError(
        `registerValueCodec: the codec for tag "${codec.tag}" needs a \`${method}\` function`,
      );
    }
  }
  const { byTag, list } = table();
  const entry = codec as ValueCodec<unknown>;
  const previous = byTag.get(codec.tag);
  if (previous) list[list.indexOf(previous)] = entry;
  else list.push(entry);
  byTag.set(codec.tag, entry);
}

/**
 * Registers an array packer (internal to Baton). Its tag decodes like a codec's; registering a tag
 * again replaces the earlier packer.
 */
export function registerArrayPacker(packer: ArrayPacker): void {
  const current = table();
  const packers = (current.packers ??= []);
  const index = packers.findIndex((known) => known.tag === packer.tag);
  if (index >= 0) packers[index] = packer;
  else packers.push(packer);
  current.byTag.set(packer.tag, {
    tag: packer.tag,
    is: (_value: unknown): _value is unknown => false,
    toData: () => {
      throw new Error(`values of tag "${packer.tag}" are only written by its array packer`);
    },
    fromData: (data) => packer.unpack(data),
  });
}

/** The packed form of a whole array, when a packer takes it. */
export function packArray(items: readonly unknown[]): { tag: string; data: unknown } | undefined {
  const packers = table().packers;
  if (!packers) return undefined;
  for (const packer of packers) {
    const data = packer.pack(items);
    if (data !== undefined) return { tag: packer.tag, data };
  }
  return undefined;
}

/** The codec that encodes `value`, if any. */
export function codecFor(value: unknown): ValueCodec<unknown> | undefined {
  const list = table().list;
  for (let i = 0; i < list.length; i++) if (list[i]!.is(value)) return list[i];
  return undefined;
}

export function codecByTag(tag: string): ValueCodec<unknown> | undefined {
  return table().byTag.get(tag);
}

// A registered value hashes by its tag and data, so it may be a task's argument as well as its result.
setRegisteredHashForm((value) => {
  const codec = codecFor(value);
  return codec && { type: codec.tag, data: codec.toData(value) };
});
