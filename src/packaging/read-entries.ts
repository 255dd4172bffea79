// Reads a code package's entries into memory, refusing anything that could land outside the target:
// absolute paths, `..`, links of either kind, devices and FIFOs. Nothing is written here.
import { posix, win32 } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { BatonError, ExecutorError } from '../errors.ts';

export type PackageEntry =
  { kind: 'file'; path: string; data: Buffer } | { kind: 'folder'; path: string; data?: undefined };

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const FOLDER_TYPES = new Set(['Directory', 'GNUDumpDir']);

/** The entries of a .tar.gz, each path checked and normalized; throws ExecutorError on the first bad one. */
export function readPackageEntries(bytes: Uint8Array, hash: string): Promise<PackageEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: PackageEntry[] = [];
    const seen = new Set<string>();
    let refusal: BatonError | undefined;
    let settled = false;
    const settle = (error?: BatonError) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(entries);
    };

    const onEntry = (entry: ReadEntry) => {
      if (refusal) return void entry.resume();
      const problem = entryProblem(entry, seen);
      if (problem !== undefined) {
        refusal = refused(hash, entry.path, problem);
        return void entry.resume();
      }
      const path = normalizedPath(entry.path);
      seen.add(path);
      if (FOLDER_TYPES.has(entry.type)) {
        entries.push({ kind: 'folder', path });
        return void entry.resume();
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => entries.push({ kind: 'file', path, data: Buffer.concat(chunks) }));
    };

    // strict: checksum failures, truncation and unknown formats are errors, not warnings.
    const parser = new Parser({ strict: true, onReadEntry: onEntry });
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      refusal ??= refused(hash, entry.path, `its type ${entry.type} is not a file or folder`);
    });
    parser.on('error', (error: Error) => {
      settle(
        new ExecutorError(`code package ${hash} is not a readable .tar.gz: ${error.message}`, undefined, {
          cause: error,
          hint: 'build the package again with buildCodePackage',
        }),
      );
    });
    parser.on('end', () => settle(refusal));
    parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}

/** Why the entry may not be extracted, or undefined when it may. */
function entryProblem(entry: ReadEntry, seen: ReadonlySet<string>): string | undefined {
  const raw = entry.path;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const kind = entry.type === 'Link' ? 'hard link' : 'symbolic link';
    return `it is a ${kind} (to ${entry.linkpath ?? '?'}); code packages hold only files and folders`;
  }
  if (!FILE_TYPES.has(entry.type) && !FOLDER_TYPES.has(entry.type)) {
    return `its type ${entry.type} is not a file or folder`;
  }
  if (raw.includes('\0') || raw.includes('\\')) return 'its path holds a NUL or a backslash';
  if (posix.isAbsolute(raw) || win32.isAbsolute(raw) || /^[a-zA-Z]:/.test(raw)) {
    return 'its path is absolute';
  }
  if (raw.split('/').includes('..')) return "its path holds a '..' segment";
  const path = normalizedPath(raw);
  if (path === '') return 'its path is empty';
  if (seen.has(path)) return 'the path appears twice';
  return undefined;
}

/** `a//./b/` → `a/b`; assumes no `..` segments (checked before). */
function normalizedPath(raw: string): string {
  return raw
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function refused(hash: string, entryPath: string, reason: string): ExecutorError {
  return new ExecutorError(
    `code package ${hash}: refused entry ${JSON.stringify(entryPath)}: ${reason}`,
    undefined,
    {
      hint: 'nothing was extracted; build the package again with buildCodePackage, which writes only plain files',
    },
  );
}
