// For the tests of an executor type's options: a baton.toml section that must fail to load, and a
// JobRequest as the scheduler would build one for a section.
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.ts';
import { ConfigError } from '../../src/errors.ts';
import type { JobRequest } from '../../src/executors/index.ts';
import { resolveTaskOptions } from '../../src/task/index.ts';
import { writeProjectFile } from '../config/temp-project.ts';

/** Loads `[executors.NAME] type = TYPE` plus `lines` in `dir`; returns the ConfigError it must give. */
export async function sectionError(
  dir: string,
  name: string,
  type: string,
  lines: string,
): Promise<ConfigError> {
  writeProjectFile(dir, 'baton.toml', `[executors.${name}]\ntype = "${type}"\n${lines}\n`);
  try {
    await loadConfig({ cwd: dir, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

/** A job of task `fit` on executor `executor`, with task options `options`. */
export function jobOn(executor: string, options: Record<string, unknown> = {}): JobRequest {
  return {
    jobId: 'j1',
    evalHash: 'a'.repeat(64),
    task: { module: 'file:///nowhere/wf.ts', name: 'fit', hash: 'b'.repeat(64) },
    args: new Uint8Array(),
    options: resolveTaskOptions({ executor, ...options }, 'fit'),
    attempt: 1,
  };
}
