// Extracts a verified code package into a fresh folder: all or nothing, never outside the target.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { BatonError, ExecutorError } from '../errors.ts';
import { readPackageEntries } from './read-entries.ts';
import { verifyCodePackage } from './verify.ts';

export interface ExtractedCodePackage {
  /** The folder the package now sits in (absolute). */
  target: string;
  /** Paths of the extracted files, `/`-separated, relative to `target`. */
  files: string[];
}

/**
 * Verifies `bytes` against `expectedHash`, then extracts them into `targetDir`, which must not exist yet
 * (or be an empty folder). Entries are checked before anything is written; files are written into a
 * temporary folder beside the target and renamed into place, so a failure leaves nothing behind.
 */
export async function extractCodePackage(
  bytes: Uint8Array,
  targetDir: string,
  expectedHash: string,
): Promise<ExtractedCodePackage> {
  verifyCodePackage(bytes, expectedHash);
  const entries = await readPackageEntries(bytes, expectedHash);
  const target = resolve(targetDir);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.partial-`));
  try {
    const files: string[] = [];
    for (const entry of entries) {
      const destination = resolve(staging, entry.path);
      // Paths were checked when read; this guards the check itself.
      if (!destination.startsWith(staging + sep)) {
        throw new ExecutorError(
          `code package ${expectedHash}: entry ${entry.path} resolves outside the target`,
        );
      }
      if (entry.kind === 'folder') {
        await mkdir(destination, { recursive: true });
        continue;
      }
      await mkdir(dirname(destination), { recursive: true });
      // 'wx': never follow or overwrite something already there.
      await writeFile(destination, entry.data, { mode: 0o644, flag: 'wx' });
      files.push(entry.path);
    }
    await placeFolder(staging, target, expectedHash);
    return { target, files };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof BatonError) throw error;
    throw new ExecutorError(
      `could not extract code package ${expectedHash} into ${target}: ${String(error)}`,
      undefined,
      {
        cause: error,
        hint: 'check that the folder is writable and has room',
      },
    );
  }
}

async function placeFolder(staging: string, target: string, hash: string): Promise<void> {
  try {
    await rename(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new ExecutorError(`cannot extract code package ${hash}: ${target} already exists`, undefined, {
        cause: error,
        hint: 'extract into a fresh folder (one per package hash), or remove the old one first',
      });
    }
    throw error;
  }
}
