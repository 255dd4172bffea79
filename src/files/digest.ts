// The sha256 of a file's content, read once per version of the file. A version is the file's stamp:
// device, inode, size, modification and change times. Any write moves ctime, which no tool can set
// back, so an unchanged stamp means unchanged bytes.
import { createHash, hash as hashOnce } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';

/** A digest that holds while the file's stamp is `stamp`; travels with File values. */
export interface DigestHint {
  readonly sha256: string;
  readonly stamp: string;
}

const CHUNK = 1 << 20;
/** Enough for the inputs of a large run; the oldest entries go first. */
const MEMO_LIMIT = 50_000;
const memo = new Map<string, DigestHint>();

/** The version of a file: changes whenever its bytes may have. */
export function stampOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** What is known about the digest of `path`, when anything is (whether it still holds is not checked). */
export function knownDigest(path: string): DigestHint | undefined {
  return memo.get(path);
}

/** Records the digest of `path` at `stamp`; a later read of the same version is skipped. */
export function rememberDigest(path: string, hint: DigestHint): void {
  memo.delete(path);
  memo.set(path, hint);
  if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!);
}

/** The remembered digest of `path` when its stamp is still `stats`'s. */
function remembered(path: string, stats: BigIntStats): string | undefined {
  const hint = memo.get(path);
  return hint !== undefined && hint.stamp === stampOf(stats) ? hint.sha256 : undefined;
}

/**
 * sha256 (hex) of the file at `path`, whose stats are `stats`. Synchronous, because hashing a call's
 * arguments is; reads in chunks, so a large file is never held in memory whole.
 */
export function fileDigestSync(path: string, stats: BigIntStats): string {
  const known = remembered(path, stats);
  if (known !== undefined) return known;
  const hasher = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buffer, 0, CHUNK, null); n > 0; n = readSync(fd, buffer, 0, CHUNK, null)) {
      hasher.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const sha256 = hasher.digest('hex');
  // The stamp from after the read: a write during the read leaves a stamp that will not match.
  rememberDigest(path, { sha256, stamp: stampOf(statSync(path, { bigint: true })) });
  return sha256;
}

/** sha256 (hex) of the file at `path`, read without blocking the event loop. */
export async function fileDigest(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const before = await handle.stat({ bigint: true });
    const known = remembered(path, before);
    if (known !== undefined) return known;
    const hasher = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let read = await handle.read(buffer, 0, CHUNK, null); read.bytesRead > 0;) {
      hasher.update(buffer.subarray(0, read.bytesRead));
      read = await handle.read(buffer, 0, CHUNK, null);
    }
    const sha256 = hasher.digest('hex');
    rememberDigest(path, { sha256, stamp: stampOf(await handle.stat({ bigint: true })) });
    return sha256;
  } finally {
    await handle.close();
  }
}

/** sha256 (hex) of bytes in memory. */
export function bytesDigest(bytes: Uint8Array): string {
  return hashOnce('sha256', bytes, 'hex');
}

/** The name of a folder's content: sha256 over its files' relative paths and digests, in path order. */
export function folderDigest(entries: ReadonlyArray<readonly [rel: string, sha256: string]>): string {
  return bytesDigest(Buffer.from(entries.map(([rel, sha256]) => `${rel}\0${sha256}\n`).join('')));
}
