// Dir: a value that stands for a folder and every file below it. It hashes like a list of Files in a
// fixed order, so adding, removing or editing any file below re-runs the calls that take the folder.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, SerializationError, WorkflowError } from '../errors.ts';
import { HASH_METHOD, type HashForm } from '../hash/index.ts';
import { fileDigestSync } from './digest.ts';
import { File, stagedFile, type FileOptions } from './file.ts';
import {
  absolutePath,
  checkHashMode,
  isMissing,
  isSafeRelativePath,
  missingHint,
  type HashMode,
} from './paths.ts';
import { listFiles, listFilesSync } from './walk.ts';

/** One file of a staged folder. */
export interface StagedEntry {
  /** Relative to the folder, `/`-separated. */
  readonly path: string;
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

/** Where the files of a staged folder are: one content-addressed key each, sorted by path. */
export interface DirScratchLocation {
  readonly scratch: string;
  readonly entries: readonly StagedEntry[];
}

const DIR_BRAND = Symbol.for('baton.dir');

/** A folder and every file below it; `new Dir('data/', { hash: 'content' })`. */
export class Dir {
  /** Absolute path on this machine; for a folder in scratch, the path it was staged from. */
  readonly path: string;
  readonly hashMode: HashMode;
  /** Set when the files are in scratch rather than below `path`. */
  readonly staged: DirScratchLocation | undefined;

  constructor(path: string | URL, options: FileOptions = {}) {
    this.path = absolutePath(path, 'Dir');
    this.hashMode = checkHashMode(options.hash, 'Dir', this.path);
    this.staged = undefined;
  }

  get basename(): string {
    return basename(this.path);
  }

  get isLocal(): boolean {
    return this.staged === undefined;
  }

  /** Whether a folder is at `path` (false for a folder in scratch). */
  async exists(): Promise<boolean> {
    if (!this.isLocal) return false;
    try {
      return (await stat(this.path)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Every file below, in path order, each hashed as this folder is. */
  async files(): Promise<File[]> {
    const staged = this.staged;
    if (staged) {
      return staged.entries.map((entry) => stagedEntry(this, staged.scratch, entry));
    }
    try {
      const entries = await listFiles(this.path);
      return entries.map((entry) => new File(entry.abs, { hash: this.hashMode }));
    } catch (error) {
      if (!isMissing(error)) throw error;
      throw new WorkflowError(`Dir ${this.path} does not exist`, { cause: error, hint: missingHint });
    }
  }

  /** The file at `relativePath` below this folder (`'2024/jan.csv'`). */
  file(relativePath: string): File {
    if (!isSafeRelativePath(relativePath)) {
      throw new ConfigError(
        `Dir ${this.path}: '${relativePath}' is not a relative path below the folder`,
        {},
        { hint: "use '/'-separated names without '..'" },
      );
    }
    const staged = this.staged;
    if (!staged) return new File(join(this.path, relativePath), { hash: this.hashMode });
    const entry = staged.entries.find((item) => item.path === relativePath);
    if (!entry) throw new WorkflowError(`Dir ${this.basename} (in scratch) has no file '${relativePath}'`);
    return stagedEntry(this, staged.scratch, entry);
  }

  toString(): string {
    return this.path;
  }

  toJSON(): string {
    return this.staged ? `${this.staged.scratch} (${this.staged.entries.length} files)` : this.path;
  }

  /** The canonical form hashed in place of the folder: every file's path and stat (or content). */
  [HASH_METHOD](): HashForm {
    const staged = this.staged;
    if (staged) {
      const entries = staged.entries.map((entry) => [entry.path, entry.sha256]);
      return { type: 'baton.Dir', data: ['content', this.basename, entries] };
    }
    const stats = statSync(this.path, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isDirectory()) {
      const what = stats === undefined ? 'does not exist' : 'is not a folder';
      throw new SerializationError(`cannot hash Dir ${this.path}: it ${what}`, '', {
        hint: stats?.isFile() ? 'pass a single file as new File(path)' : missingHint,
      });
    }
    const files = listFilesSync(this.path);
    if (this.hashMode === 'stat') {
      const entries = files.map((entry) => [entry.rel, entry.stats.size, entry.stats.mtimeNs]);
      return { type: 'baton.Dir', data: ['stat', this.path, entries] };
    }
    const entries = files.map((entry) => [entry.rel, fileDigestSync(entry.abs, entry.stats)]);
    return { type: 'baton.Dir', data: ['content', this.basename, entries] };
  }
}
Object.defineProperty(Dir.prototype, DIR_BRAND, { value: true });

// Module functions rather than private methods: a class with private members is not assignable from
// the structural copy of it that typed task results are.
function stagedEntry(dir: Dir, scratch: string, entry: StagedEntry): File {
  const { key, sha256, size } = entry;
  return stagedFile(join(dir.path, entry.path), dir.hashMode, { scratch, key, sha256, size });
}

/** True for a Dir, including one made by another copy of the package. */
export function isDir(value: unknown): value is Dir {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DIR_BRAND] === true
  );
}

/** A Dir whose files are in scratch; `path` says where it came from. */
export function stagedDir(path: string, hashMode: HashMode, location: DirScratchLocation): Dir {
  const dir = new Dir(path, { hash: hashMode });
  Object.defineProperty(dir, 'staged', { value: location, enumerable: true });
  return dir;
}
