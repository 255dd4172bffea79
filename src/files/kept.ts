// Where files that tasks make are kept: `<project>/.baton/files/<sha256>/<name>`, beside the store's
// values. Named by content, so a file made twice is kept once, and a kept file is never written again.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileDigest, folderDigest, rememberDigest, stampOf } from './digest.ts';
import { Dir } from './dir.ts';
import { File } from './file.ts';
import { listFiles } from './walk.ts';

/**
 * The folder for kept files: BATON_FILES_DIR when set, else `.baton/files` in the folder of the
 * baton.toml in use (BATON_CONFIG, else the nearest one up from the working directory), else in the
 * working directory. That is where the store's values live by default, so `rm -r .baton` clears both.
 */
export async function keptFilesRoot(): Promise<string> {
  const fromEnv = process.env.BATON_FILES_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  // Loaded only when a task keeps a file: workers that never do need not load the config parser.
  const { findConfigFile } = await import('../config/index.ts');
  const config = findConfigFile({ cwd: process.cwd(), env: process.env });
  return join(config === undefined ? process.cwd() : dirname(config), '.baton', 'files');
}

function isTaken(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EEXIST' || code === 'ENOTEMPTY';
}

/** Moves `source` to `target` (whose folder exists): a rename, or a copy then a rename across devices. */
async function moveInto(source: string, target: string): Promise<void> {
  try {
    await rename(source, target);
    return;
  } catch (error) {
    if (isTaken(error)) return; // another job kept the same content first
    if ((error as { code?: unknown }).code !== 'EXDEV') throw error;
  }
  const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await cp(source, temporary, { recursive: true, preserveTimestamps: true });
    await rename(temporary, target);
  } catch (error) {
    if (!isTaken(error)) throw error;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function place(source: string, sha256: string, root: string): Promise<string> {
  const target = join(root, sha256, basename(source));
  if (await stat(target).catch(() => undefined)) return target;
  await mkdir(dirname(target), { recursive: true });
  await moveInto(source, target);
  return target;
}

/** Moves the file at `path` into the kept files and gives it as a File hashed by content. */
export async function keepFile(path: string, root: string): Promise<File> {
  const sha256 = await fileDigest(path);
  const target = await place(path, sha256, root);
  rememberDigest(target, { sha256, stamp: stampOf(await stat(target, { bigint: true })) });
  return new File(target, { hash: 'content' });
}

/** Moves the folder at `path` into the kept files, named by the paths and digests of its files. */
export async function keepDir(path: string, root: string): Promise<Dir> {
  const entries = await listFiles(path);
  const digests: string[] = [];
  for (const entry of entries) digests.push(await fileDigest(entry.abs));
  const name = folderDigest(entries.map((entry, i) => [entry.rel, digests[i]!] as const));
  const target = await place(path, name, root);
  // The files moved: remember their digests under their new paths, so hashing the Dir reads nothing.
  for (const [i, entry] of entries.entries()) {
    const moved = join(target, ...entry.rel.split('/'));
    const stats = await stat(moved, { bigint: true }).catch(() => undefined);
    if (stats) rememberDigest(moved, { sha256: digests[i]!, stamp: stampOf(stats) });
  }
  return new Dir(target, { hash: 'content' });
}
