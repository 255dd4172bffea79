// File: a value that stands for the data at a path. A call that takes one is cached by what the file
// holds when the call is hashed (its size and modification time, or its content), not by its name, so
// editing the file re-runs exactly the calls that read it.
import { statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SerializationError, WorkflowError } from '../errors.ts';
import { HASH_METHOD, type HashForm } from '../hash/index.ts';
import { fileDigestSync } from './digest.ts';
import { absolutePath, checkHashMode, isMissing, missingHint, type HashMode } from './paths.ts';

/** How to build a File. */
export interface FileOptions {
  /**
   * What the file contributes to the hash of a call that takes it: `'stat'` its path, size and
   * modification time (no read, so fast); `'content'` its name and the sha256 of its bytes (read once
   * per version of the file; the same on every machine and path). @default 'stat'
   */
  hash?: HashMode;
}

/** Where the bytes of a staged file are: a content-addressed key in a scratch. */
export interface ScratchLocation {
  /** The scratch's URI as the side that staged the file knew it. */
  readonly scratch: string;
  /** `files/<sha256>/<name>` */
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

const FILE_BRAND = Symbol.for('baton.file');

/**
 * Data at a path. Build one with `new File('data.csv')` (a relative path resolves against the working
 * directory at once) and pass it to tasks and scripts like any other value.
 */
export class File {
  /** Absolute path on this machine; for a file in scratch, the path it was staged from. */
  readonly path: string;
  readonly hashMode: HashMode;
  /** Set when the bytes are in scratch rather than at `path` (a remote job stages them in). */
  readonly staged: ScratchLocation | undefined;

  constructor(path: string | URL, options: FileOptions = {}) {
    this.path = absolutePath(path, 'File');
    this.hashMode = checkHashMode(options.hash, 'File', this.path);
    this.staged = undefined;
  }

  /** The file's name without its folder: `data.csv`. */
  get basename(): string {
    return basename(this.path);
  }

  /** False for a file whose bytes are in scratch (see `staged`). */
  get isLocal(): boolean {
    return this.staged === undefined;
  }

  async read(): Promise<Uint8Array> {
    mustBeLocal(this, 'read');
    try {
      return await readFile(this.path);
    } catch (error) {
      throw readFailure(this, error);
    }
  }

  async readText(encoding: BufferEncoding = 'utf8'): Promise<string> {
    return Buffer.from(await this.read()).toString(encoding);
  }

  /** Whether a regular file is at `path` (false for a file in scratch). */
  async exists(): Promise<boolean> {
    if (!this.isLocal) return false;
    try {
      return (await stat(this.path)).isFile();
    } catch {
      return false;
    }
  }

  async stat(): Promise<Stats> {
    mustBeLocal(this, 'stat');
    try {
      return await stat(this.path);
    } catch (error) {
      throw readFailure(this, error);
    }
  }

  toString(): string {
    return this.path;
  }

  /** What `JSON.stringify` and `baton run` show: the path, or the scratch URI and key. */
  toJSON(): string {
    return this.staged ? `${this.staged.scratch}/${this.staged.key}` : this.path;
  }

  /** The canonical form hashed in place of the file; reads the file's current stat (and content). */
  [HASH_METHOD](): HashForm {
    const staged = this.staged;
    if (staged) return { type: 'baton.File', data: ['content', this.basename, staged.sha256] };
    const stats = statSync(this.path, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined || !stats.isFile()) {
      const what = stats === undefined ? 'does not exist' : 'is not a regular file';
      throw new SerializationError(`cannot hash File ${this.path}: it ${what}`, '', {
        hint: stats?.isDirectory() ? 'pass a folder as new Dir(path)' : missingHint,
      });
    }
    if (this.hashMode === 'stat') {
      return { type: 'baton.File', data: ['stat', this.path, stats.size, stats.mtimeNs] };
    }
    return { type: 'baton.File', data: ['content', this.basename, fileDigestSync(this.path, stats)] };
  }
}
Object.defineProperty(File.prototype, FILE_BRAND, { value: true });

// Module functions rather than private methods: a class with private members is not assignable from
// the structural copy of it that typed task results are.
function mustBeLocal(file: File, verb: string): void {
  const staged = file.staged;
  if (!staged) return;
  throw new WorkflowError(
    `cannot ${verb} File ${file.basename}: its bytes are in scratch ${staged.scratch} (key ${staged.key}), not on this machine`,
    { hint: 'stage it in first (stageIn from baton/files), as remote jobs do before a task runs' },
  );
}

function readFailure(file: File, error: unknown): Error {
  if (!isMissing(error)) return error as Error;
  return new WorkflowError(`File ${file.path} does not exist`, { cause: error, hint: missingHint });
}

/** True for a File, including one made by another copy of the package. */
export function isFile(value: unknown): value is File {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FILE_BRAND] === true
  );
}

/** A File whose bytes are in scratch at `location`; `path` says where it came from. */
export function stagedFile(path: string, hashMode: HashMode, location: ScratchLocation): File {
  const file = new File(path, { hash: hashMode });
  Object.defineProperty(file, 'staged', { value: location, enumerable: true });
  return file;
}
