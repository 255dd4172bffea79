// Staging File and Dir values through scratch, for jobs on other machines. stageOut uploads each file
// once under a content-addressed key and gives Files that point there; stageIn downloads them (once per
// key and folder) and gives local Files again. A staged file hashes by its name and content, exactly as
// the local file does with `hash: 'content'`, so staging never changes a call's cache key for such files.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ScratchError, WorkflowError } from '../errors.ts';
import type { Scratch } from '../scratch/index.ts';
import { bytesDigest, folderDigest, knownDigest, rememberDigest, stampOf } from './digest.ts';
import { Dir, stagedDir, type StagedEntry } from './dir.ts';
import { File, isFile, stagedFile } from './file.ts';
import { isMissing, isSafeRelativePath, missingHint } from './paths.ts';
import { findFileValues, mapLimited, replaceFileValues, type FileValue } from './replace.ts';
import { listFiles } from './walk.ts';

/** Transfers at a time. */
const PARALLEL = 8;

/** The scratch key of a file's bytes: `files/<sha256>/<name>`, the name reduced to safe characters. */
export function fileKey(sha256: string, name: string): string {
  let safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  if (safe === '' || safe === '.' || safe === '..') safe = 'file';
  return `files/${sha256}/${safe}`;
}

interface Uploaded {
  key: string;
  sha256: string;
  size: number;
}

/** Uploads the file at `path` unless its key is there already; one upload per key per call. */
async function upload(
  path: string,
  scratch: Scratch,
  pending: Map<string, Promise<void>>,
): Promise<Uploaded> {
  const name = basename(path);
  let bytes: Uint8Array | undefined;
  let sha256: string;
  let size: number;
  try {
    const stats = await stat(path, { bigint: true });
    const hint = knownDigest(path);
    if (hint !== undefined && hint.stamp === stampOf(stats)) {
      sha256 = hint.sha256;
      size = Number(stats.size);
    } else {
      bytes = await readFile(path);
      sha256 = bytesDigest(bytes);
      size = bytes.length;
    }
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new WorkflowError(`cannot stage out ${path}: it does not exist`, {
      cause: error,
      hint: missingHint,
    });
  }
  const key = fileKey(sha256, name);
  let sent = pending.get(key);
  if (!sent) {
    sent = (async () => {
      if (await scratch.exists(key)) return;
      await scratch.put(key, bytes ?? (await readFile(path)));
    })();
    pending.set(key, sent);
  }
  await sent;
  return { key, sha256, size };
}

/**
 * A copy of `value` in which every local File and Dir (inside arrays, plain objects, Maps and Sets) points
 * at its bytes in `scratch`, uploaded under `files/<sha256>/<name>` unless already there. The copies keep
 * the original path (as `path`) and hash mode; Files already in scratch are left as they are.
 */
export async function stageOut(value: unknown, scratch: Scratch): Promise<unknown> {
  const local = findFileValues(value).filter((item) => item.isLocal);
  if (local.length === 0) return value;
  const pending = new Map<string, Promise<void>>();
  const jobs: Array<{ owner: FileValue; rel: string; abs: string }> = [];
  for (const item of local) {
    if (isFile(item)) jobs.push({ owner: item, rel: '', abs: item.path });
    else {
      let entries;
      try {
        entries = await listFiles(item.path);
      } catch (error) {
        if (!isMissing(error)) throw error;
        throw new WorkflowError(`cannot stage out Dir ${item.path}: it does not exist`, {
          hint: missingHint,
        });
      }
      for (const entry of entries) jobs.push({ owner: item, rel: entry.rel, abs: entry.abs });
    }
  }
  const done = await mapLimited(jobs, PARALLEL, (job) => upload(job.abs, scratch, pending));
  const dirEntries = new Map<FileValue, StagedEntry[]>();
  const replacements = new Map<FileValue, FileValue>();
  jobs.forEach((job, index) => {
    const sent = done[index]!;
    if (isFile(job.owner)) {
      replacements.set(
        job.owner,
        stagedFile(job.owner.path, job.owner.hashMode, { scratch: scratch.uri, ...sent }),
      );
      return;
    }
    let entries = dirEntries.get(job.owner);
    if (!entries) dirEntries.set(job.owner, (entries = []));
    entries.push({ path: job.rel, ...sent });
  });
  for (const item of local) {
    if (isFile(item)) continue;
    const entries = dirEntries.get(item) ?? [];
    replacements.set(item, stagedDir(item.path, item.hashMode, { scratch: scratch.uri, entries }));
  }
  return replaceFileValues(value, replacements);
}

// Downloads in progress in this process, by target path: concurrent jobs share one.
const downloads = new Map<string, Promise<void>>();

async function download(scratch: Scratch, key: string, sha256: string, target: string): Promise<void> {
  let running = downloads.get(target);
  if (!running) {
    running = fetchInto(scratch, key, sha256, target).finally(() => downloads.delete(target));
    downloads.set(target, running);
  }
  await running;
}

async function fetchInto(scratch: Scratch, key: string, sha256: string, target: string): Promise<void> {
  const present = await stat(target, { bigint: true }).catch(() => undefined);
  // The folder is named by content and written only by renames, so what is there is whole and right.
  if (present?.isFile()) return;
  const bytes = await scratch.get(key);
  if (bytes === undefined) {
    throw new ScratchError(
      `cannot stage in '${key}': it is not in scratch ${scratch.uri}`,
      { uri: scratch.uri, key },
      { hint: 'the file was removed from scratch after it was staged out; run the task that made it again' },
    );
  }
  if (bytesDigest(bytes) !== sha256) {
    throw new ScratchError(
      `cannot stage in '${key}' from scratch ${scratch.uri}: its bytes do not match their sha256`,
      { uri: scratch.uri, key },
      { hint: `delete the damaged key from scratch and run again` },
    );
  }
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await writeFile(temporary, bytes, { mode: 0o644 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  rememberDigest(target, { sha256, stamp: stampOf(await stat(target, { bigint: true })) });
}

function localName(name: string): string {
  return name === '' || name === '.' || name === '..' ? 'file' : name;
}

/**
 * The reverse of stageOut, on the machine that runs the job: a copy of `value` in which every File and
 * Dir in scratch is downloaded below `workDir` (at `<sha256>/<name>`, once per key) and points there. The
 * local copies hash by content, as the staged ones did. Local Files and Dirs are left as they are.
 */
export async function stageIn(value: unknown, scratch: Scratch, workDir: string): Promise<unknown> {
  const staged = findFileValues(value).filter((item) => !item.isLocal);
  if (staged.length === 0) return value;
  const replacements = new Map<FileValue, FileValue>();
  await mapLimited(staged, PARALLEL, async (item) => {
    if (isFile(item)) {
      const location = item.staged!;
      const target = join(workDir, location.sha256, localName(item.basename));
      await download(scratch, location.key, location.sha256, target);
      replacements.set(item, new File(target, { hash: 'content' }));
      return;
    }
    const entries = item.staged!.entries;
    const name = folderDigest(entries.map((entry) => [entry.path, entry.sha256] as const));
    const root = join(workDir, name, localName(item.basename));
    for (const entry of entries) {
      if (!isSafeRelativePath(entry.path)) {
        throw new ScratchError(
          `cannot stage in Dir ${item.basename}: entry '${entry.path}' leaves the folder`,
          {
            uri: scratch.uri,
            key: entry.key,
          },
        );
      }
    }
    await mapLimited(entries, PARALLEL, (entry) =>
      download(scratch, entry.key, entry.sha256, join(root, ...entry.path.split('/'))),
    );
    await mkdir(root, { recursive: true });
    replacements.set(item, new Dir(root, { hash: 'content' }));
  });
  return replaceFileValues(value, replacements);
}
