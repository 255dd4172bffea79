// File and Dir as built-in value codecs: they travel as their path, hash mode and scratch location, and
// a File also carries the content digest this process knows for it, so the far side need not read the
// file again to hash it (the digest is used only while the file's stamp is unchanged).
import { registerValueCodec } from '../codec/index.ts';
import { SerializationError } from '../errors.ts';
import { knownDigest, rememberDigest, type DigestHint } from './digest.ts';
import { Dir, isDir, stagedDir, type DirScratchLocation, type StagedEntry } from './dir.ts';
import { File, isFile, stagedFile, type ScratchLocation } from './file.ts';
import type { HashMode } from './paths.ts';

interface FileData {
  path: string;
  hash: HashMode;
  staged?: ScratchLocation;
  digest?: DigestHint;
}

interface DirData {
  path: string;
  hash: HashMode;
  staged?: DirScratchLocation;
}

const SHA256 = /^[0-9a-f]{64}$/;

function malformed(tag: string, what: string): SerializationError {
  return new SerializationError(`cannot decode a ${tag} value: ${what}`, '', {
    hint: 'the bytes were not written by this version of Baton, or were damaged',
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function common(
  tag: string,
  data: unknown,
): { fields: Record<string, unknown>; path: string; hash: HashMode } {
  const fields = record(data);
  if (!fields || typeof fields.path !== 'string' || !fields.path.startsWith('/'))
    throw malformed(tag, 'no absolute path');
  if (fields.hash !== 'stat' && fields.hash !== 'content') throw malformed(tag, 'no hash mode');
  return { fields, path: fields.path, hash: fields.hash };
}

function isLocation(value: Record<string, unknown>): boolean {
  return (
    typeof value.key === 'string' &&
    typeof value.sha256 === 'string' &&
    SHA256.test(value.sha256) &&
    typeof value.size === 'number'
  );
}

function fileFromData(data: unknown): File {
  const { fields, path, hash } = common('baton.File', data);
  const staged = record(fields.staged);
  if (staged) {
    if (typeof staged.scratch !== 'string' || !isLocation(staged))
      throw malformed('baton.File', 'bad location');
    const { scratch, key, sha256, size } = staged as unknown as ScratchLocation;
    return stagedFile(path, hash, { scratch, key, sha256, size });
  }
  const digest = record(fields.digest);
  if (digest && typeof digest.sha256 === 'string' && SHA256.test(digest.sha256)) {
    if (typeof digest.stamp === 'string')
      rememberDigest(path, { sha256: digest.sha256, stamp: digest.stamp });
  }
  return new File(path, { hash });
}

function dirFromData(data: unknown): Dir {
  const { fields, path, hash } = common('baton.Dir', data);
  const staged = record(fields.staged);
  if (!staged) return new Dir(path, { hash });
  const entries = staged.entries;
  if (typeof staged.scratch !== 'string' || !Array.isArray(entries))
    throw malformed('baton.Dir', 'bad location');
  const checked: StagedEntry[] = entries.map((item: unknown) => {
    const entry = record(item);
    if (!entry || typeof entry.path !== 'string' || !isLocation(entry))
      throw malformed('baton.Dir', 'bad entry');
    const { path: rel, key, sha256, size } = entry as unknown as StagedEntry;
    return { path: rel, key, sha256, size };
  });
  return stagedDir(path, hash, { scratch: staged.scratch, entries: checked });
}

let registered = false;

/** Registers the File and Dir codecs once per process (idempotent). */
export function registerFileCodecs(): void {
  if (registered) return;
  registered = true;
  registerValueCodec<File>({
    tag: 'baton.File',
    is: isFile,
    toData(file): FileData {
      const data: FileData = { path: file.path, hash: file.hashMode };
      if (file.staged) data.staged = file.staged;
      else {
        const digest = knownDigest(file.path);
        if (digest) data.digest = digest;
      }
      return data;
    },
    fromData: fileFromData,
  });
  registerValueCodec<Dir>({
    tag: 'baton.Dir',
    is: isDir,
    toData(dir): DirData {
      const data: DirData = { path: dir.path, hash: dir.hashMode };
      if (dir.staged) data.staged = dir.staged;
      return data;
    },
    fromData: dirFromData,
  });
}
