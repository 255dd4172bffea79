// Temporary project folders for config tests, removed after the test.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory (symlinks resolved, so paths compare equal) removed when the test ends. */
export function tempProject(t: TestContext): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-config-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `dir/relativePath`, creating folders; returns the absolute path. */
export function writeProjectFile(dir: string, relativePath: string, text: string): string {
  const path = join(dir, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
