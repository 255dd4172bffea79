// Scratch in a folder: on this machine, or on a filesystem the cluster shares (Slurm's usual case).
// Writes go to a temporary file in the same folder and are renamed into place, so they are atomic.
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ScratchError } from '../errors.ts';
import { checkKey, checkPrefix } from './layout.ts';
import type { Scratch } from './types.ts';

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${text}` : text;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class FsScratch implements Scratch {
  readonly uri: string;
  /** Absolute path of the folder. */
  readonly root: string;

  constructor(path: string, cwd = process.cwd()) {
    this.uri = path;
    this.root = resolve(cwd, path);
  }

  async check(): Promise<void> {
    const probe = `.baton-probe-${randomBytes(6).toString('hex')}`;
    const bytes = new TextEncoder().encode('baton scratch probe');
    try {
      await mkdir(this.root, { recursive: true });
      await this.put(probe, bytes);
      const back = await this.get(probe);
      if (!back || Buffer.compare(back, bytes) !== 0) throw new Error('a probe file read back differently');
      await this.delete(probe);
    } catch (error) {
      if (error instanceof ScratchError) throw error;
      throw this.failure('cannot use scratch folder', error, undefined);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw this.failure(`cannot write '${key}' to scratch folder`, error, key);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure(`cannot read '${key}' from scratch folder`, error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.failure(`cannot look for '${key}' in scratch folder`, error, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix, this.uri);
    const slash = prefix.lastIndexOf('/');
    const folder = join(this.root, ...(slash < 0 ? [] : prefix.slice(0, slash).split('/')));
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw this.failure(`cannot list '${prefix}' in scratch folder`, error, prefix);
    }
    const keys: string[] = [];
    for (const entry of entries) {
      // Half-written files are not keys yet.
      if (!entry.isFile() || entry.name.endsWith('.partial')) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw this.failure(`cannot delete '${key}' from scratch folder`, error, key);
    }
  }

  locate(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    checkKey(key, this.uri);
    return join(this.root, ...key.split('/'));
  }

  private failure(what: string, error: unknown, key: string | undefined): ScratchError {
    return new ScratchError(
      `${what} ${this.root}: ${reason(error)}`,
      { uri: this.uri, key },
      {
        cause: error,
        hint: 'check that the folder exists or can be created, that it is writable, and (for remote executors) that every node mounts it at the same path',
      },
    );
  }
}
