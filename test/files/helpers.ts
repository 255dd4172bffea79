// Temporary folders and a project config for the files tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatonConfig } from '../../src/config/index.ts';

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `baton-files-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `text` to `dir/name` and gives the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A config whose store is an SQLite database in `dir` and whose default executor is `executor`. */
export function projectConfig(dir: string, executor: BatonConfig['executors'][string]): BatonConfig {
  return {
    file: undefined,
    root: dir,
    backend: { db: `sqlite:${join(dir, 'baton.db')}`, valuesDir: join(dir, 'values') },
    executors: { default: executor },
  };
}
