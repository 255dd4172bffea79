// Small shared pieces of File and Dir: paths, hash modes, and the advice for a file that is not there.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';

/** What a File or Dir contributes to a call's hash: see FileOptions.hash. */
export type HashMode = 'stat' | 'content';

export const missingHint =
  'create it before the run, or fix the path (a relative path resolves against the working directory when the File or Dir is made)';

/** An absolute path from what the user gave; `kind` names the class in errors. */
export function absolutePath(path: string | URL, kind: string): string {
  if (path instanceof URL) {
    if (path.protocol !== 'file:') {
      throw new ConfigError(
        `new ${kind}(${path.href}): only file: URLs and paths are supported`,
        {},
        {
          hint: 'give a local path; data in object storage reaches a job through scratch staging',
        },
      );
    }
    return fileURLToPath(path);
  }
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError(`new ${kind}(${JSON.stringify(path)}): the path must be a non-empty string`);
  }
  return isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path);
}

export function checkHashMode(mode: unknown, kind: string, path: string): HashMode {
  if (mode === undefined) return 'stat';
  if (mode === 'stat' || mode === 'content') return mode;
  throw new ConfigError(`new ${kind}(${path}): option hash must be 'stat' or 'content', got ${String(mode)}`);
}

export function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A relative path of plain segments (no `..`, `.`, empty or absolute parts), as inside a Dir. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
