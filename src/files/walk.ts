// The files below a folder, in one deterministic order: relative paths with `/`, sorted by code unit.
// Symbolic links to files count as files; links to folders are not followed (they could loop).
import { readdirSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface DirEntry {
  /** Relative to the folder, `/`-separated. */
  readonly rel: string;
  readonly abs: string;
}

export interface StatEntry extends DirEntry {
  readonly stats: BigIntStats;
}

function relativeKey(root: string, entry: Dirent): string {
  return relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
}

function byRel(a: DirEntry, b: DirEntry): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

/** Every file below `root` with its stats, read synchronously (for hashing). */
export function listFilesSync(root: string): StatEntry[] {
  const out: StatEntry[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const abs = join(entry.parentPath, entry.name);
    const stats = statSync(abs, { bigint: true, throwIfNoEntry: false });
    if (stats?.isFile()) out.push({ rel: relativeKey(root, entry), abs, stats });
  }
  return out.sort(byRel);
}

/** Every file below `root`. */
export async function listFiles(root: string): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push({ rel: relativeKey(root, entry), abs: join(entry.parentPath, entry.name) });
    else if (entry.isSymbolicLink()) {
      const abs = join(entry.parentPath, entry.name);
      if ((await stat(abs).catch(() => undefined))?.isFile())
        out.push({ rel: relativeKey(root, entry), abs });
    }
  }
  return out.sort(byRel);
}
