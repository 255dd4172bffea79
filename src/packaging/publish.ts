// Moving code packages through scratch: uploaded once per content hash by the scheduler, fetched,
// verified and extracted once per hash on each machine that runs jobs.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutorError } from '../errors.ts';
import { scratchLayout, type Scratch } from '../scratch/index.ts';
import { extractCodePackage } from './extract.ts';

/** Uploads the package unless one with its hash is already in scratch (a re-run of unchanged code uploads nothing). */
export async function publishCodePackage(
  scratch: Scratch,
  codePackage: { hash: string; bytes: Uint8Array },
): Promise<{ key: string; uploaded: boolean }> {
  const key = scratchLayout(scratch.uri).codePackage(codePackage.hash);
  if (await scratch.exists(key)) return { key, uploaded: false };
  await scratch.put(key, codePackage.bytes);
  return { key, uploaded: true };
}

async function hasEntries(folder: string): Promise<boolean> {
  try {
    return (await readdir(folder)).length > 0;
  } catch {
    return false;
  }
}

/**
 * The folder `cacheDir/<hash>` holding the package's sources: fetched from scratch, verified and
 * extracted the first time, reused after. Extraction ends with an atomic rename, so a folder that is
 * there is whole; jobs that extract the same package at once all end up with the one that won.
 */
export async function fetchCodePackage(scratch: Scratch, hash: string, cacheDir: string): Promise<string> {
  const key = scratchLayout(scratch.uri).codePackage(hash);
  const target = join(cacheDir, hash);
  if (await hasEntries(target)) return target;
  const bytes = await scratch.get(key);
  if (!bytes) {
    throw new ExecutorError(
      `code package ${hash} is not in scratch ${scratch.uri} (looked for ${key})`,
      undefined,
      {
        hint: 'the scheduler uploads it before it submits jobs: check that the job and the scheduler use the same scratch',
      },
    );
  }
  try {
    await extractCodePackage(bytes, target, hash);
  } catch (error) {
    if (await hasEntries(target)) return target;
    throw error;
  }
  return target;
}
