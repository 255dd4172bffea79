// The hashes of DESIGN.md section 2: value and argument hashes over the canonical encoding, and the
// task, eval and call hashes built from them.
import { createHash, hash as hashOnce } from 'node:crypto';
import { FORMAT_VERSION, writeValue } from './canonical.ts';
import { CanonicalWriter } from './writer.ts';
import { argsFaultToError, faultToError, type ArgumentNames } from './paths.ts';

// Writers are reused; a hash taken from inside a [HASH_METHOD]() takes a second one from the pool.
const pool: CanonicalWriter[] = [];

function acquire(): CanonicalWriter {
  const writer = pool.pop() ?? new CanonicalWriter(false, []);
  writer.byte(FORMAT_VERSION);
  return writer;
}

function release(writer: CanonicalWriter): void {
  writer.reset();
  if (pool.length < 4) pool.push(writer);
}

/** sha256 (hex) of a string (as UTF-8) or of bytes. */
export function sha256(data: string | Uint8Array): string {
  return hashOnce('sha256', data, 'hex');
}

/**
 * sha256 (hex) over the canonical, type-tagged encoding of `value`: the same on every run, process,
 * machine and Node version. Throws SerializationError naming where an unhashable part sits, under `path`.
 */
export function hashValue(value: unknown, path = ''): string {
  const writer = acquire();
  try {
    writeValue(writer, value, 0);
    return writer.digest();
  } catch (error) {
    throw faultToError(error, 'hash', path);
  } finally {
    release(writer);
  }
}

/**
 * The hash of an argument list; equal to `hashValue(args)`. Error paths start with the argument's
 * name (from `names`, else `arg${i}`), e.g. `rows[3].model`.
 */
export function hashArgs(args: readonly unknown[], names?: ArgumentNames): string {
  const writer = acquire();
  try {
    writeValue(writer, args, 0);
    return writer.digest();
  } catch (error) {
    throw argsFaultToError(error, 'hash', names);
  } finally {
    release(writer);
  }
}

/**
 * The hash of a task's definition: its name, source text (or `version`) and the call-time overrides
 * that change what runs. Overrides count only when present and non-empty (undefined entries are ignored).
 */
export function taskHash(name: string, source: string, overrides?: Record<string, unknown>): string {
  const parts: unknown[] = ['baton.task', name, source];
  if (overrides !== undefined && overrides !== null) {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
    if (Object.keys(defined).length > 0) parts.push(defined);
  }
  return hashArgs(parts, ['domain', 'name', 'source', 'overrides']);
}

/** Task hash + args hash: the call cache key, the scratch folder name and the remote job name. */
export function evalHash(taskHash: string, argsHash: string): string {
  return sha256(`baton.eval\0${taskHash}\0${argsHash}`);
}

function callPreamble(evalHash: string, valueHash: string, count: number): string {
  return `baton.call\0${evalHash}\0${valueHash}\0${count}\0`;
}

/** Merkle hash of a call: its eval hash, the hash of its value and the call hashes of its children, in order. */
export function callHash(evalHash: string, valueHash: string, childCallHashes: readonly string[]): string {
  return sha256(callPreamble(evalHash, valueHash, childCallHashes.length) + childCallHashes.join('\0'));
}

/** The same hash as callHash, with the children given one at a time, so a million never sit in one string. */
export function callHashOf(
  evalHash: string,
  valueHash: string,
  count: number,
  childCallHashes: Iterable<string>,
): string {
  const hasher = createHash('sha256');
  hasher.update(callPreamble(evalHash, valueHash, count));
  let first = true;
  for (const child of childCallHashes) {
    if (!first) hasher.update('\0');
    hasher.update(child);
    first = false;
  }
  return hasher.digest('hex');
}
