import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { Scheduler } from '../../src/scheduler/index.ts';
import { task } from '../../src/task/index.ts';
import { ranJobs } from './fixtures/inline-executor.ts';

const triple = task('triple', (x: number) => x * 3, { executor: 'mine' });

test('an executor type given as a relative module path in baton.toml runs the jobs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-plugin-'));
  // relative to the config file's folder, as users write it
  const fixture = relative(dir, new URL('./fixtures/inline-executor.ts', import.meta.url).pathname);
  const config = join(dir, 'baton.toml');
  writeFileSync(
    config,
    `[backend]\ndb = "sqlite:baton.db"\n\n[executors.mine]\ntype = "${fixture}"\nslots = 2\n`,
  );
  const scheduler = new Scheduler({ config, cwd: dir });
  try {
    assert.equal(await scheduler.run(triple(14), { cache: 'none' }), 42);
    assert.equal(ranJobs.at(-1)?.task.name, 'triple', 'the plugin ran the job');
    assert.equal(ranJobs.at(-1)?.options.executor, 'mine');
  } finally {
    await scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
