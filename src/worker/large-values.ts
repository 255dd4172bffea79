// Large values travel by hash: an argument or result whose encoding is over the limit is stored once in
// scratch under `values/<sha256>` and the job files carry the hash. A big input shared by many jobs is
// uploaded once, and a result one job produced is not uploaded again when the next job takes it.
import { decodeValue, encodeValue } from '../codec/index.ts';
import { ScratchError, SerializationError } from '../errors.ts';
import { sha256 } from '../hash/index.ts';
import type { Scratch } from '../scratch/index.ts';

/** Values whose encoding is larger than this go to the value store. @default 1 MiB */
export const LARGE_VALUE_BYTES = 1024 * 1024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function valueKey(hash: string): string {
  if (!SHA256_HEX.test(hash)) throw new SerializationError(`'${hash}' is not a value hash`, 'value');
  return `values/${hash}`;
}

/** Stores `bytes` under their hash unless they are there already; returns the hash. */
export async function putLargeValue(scratch: Scratch, bytes: Uint8Array): Promise<string> {
  const hash = sha256(bytes);
  const key = valueKey(hash);
  if (!(await scratch.exists(key))) await scratch.put(key, bytes);
  return hash;
}

/** The bytes stored under `hash`, checked against it. */
export async function getLargeValue(scratch: Scratch, hash: string): Promise<Uint8Array> {
  const key = valueKey(hash);
  const bytes = await scratch.get(key);
  if (!bytes) {
    throw new ScratchError(
      `value ${hash} is not in scratch ${scratch.uri}`,
      { uri: scratch.uri, key },
      {
        hint: 'the value store of this scratch was cleaned while jobs used it: run the workflow again',
      },
    );
  }
  if (sha256(bytes) !== hash) {
    throw new ScratchError(
      `value ${hash} in scratch ${scratch.uri} does not match its hash`,
      { uri: scratch.uri, key },
      {
        hint: 'the file was damaged: delete it and run the workflow again',
      },
    );
  }
  return bytes;
}

/** Arguments ready for a job input: the small ones inline, each large one by hash. */
export interface PackedArgs {
  args: Uint8Array;
  /** `[index, hash]` of each argument in the value store; its place in `args` holds null. */
  largeArgs: Array<[number, string]>;
}

/** Encodes `args`, sending each argument larger than `limit` to the value store. */
export async function packArgs(
  args: readonly unknown[],
  scratch: Scratch,
  limit: number,
): Promise<PackedArgs> {
  const inline: unknown[] = [];
  const largeArgs: Array<[number, string]> = [];
  for (let index = 0; index < args.length; index++) {
    const bytes = encodeValue(args[index], `args[${index}]`);
    if (bytes.length > limit) {
      largeArgs.push([index, await putLargeValue(scratch, bytes)]);
      inline.push(null);
    } else {
      inline.push(args[index]);
    }
  }
  return { args: encodeValue(inline, 'args'), largeArgs };
}

/** The argument array of a job input, with its large arguments fetched from the value store. */
export async function unpackArgs(packed: PackedArgs, scratch: Scratch): Promise<unknown[]> {
  const args = decodeValue(packed.args);
  if (!Array.isArray(args))
    throw new SerializationError('the job arguments did not decode to an array', 'args');
  for (const [index, hash] of packed.largeArgs) args[index] = decodeValue(await getLargeValue(scratch, hash));
  return args;
}
