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

interface CodecTable {
  byTag: Map<string, ValueCodec<unknown>>;
  /** In registration order: the first codec whose `is` accepts a value encodes it. */
  list: ValueCodec<unknown>[];
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
