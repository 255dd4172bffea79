// A temporary project for the map tests: one database per test name, two worker threads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { BatonConfig } from '../../src/config/index.ts';

export function mapProject(prefix: string): { dir: string; config(name: string): BatonConfig } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    config: (name) => ({
      file: undefined,
      root: dir,
      backend: { db: `sqlite:${join(dir, `${name}.db`)}`, valuesDir: join(dir, `${name}-values`) },
      executors: { default: { type: 'local', mode: 'threads', max_workers: 2 } },
    }),
  };
}
